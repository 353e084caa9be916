"""`kkui precheck` as a user runs it: a subprocess, real sshd hosts, JSON and exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.sshd
ROOT = Path(__file__).resolve().parents[2]
SECRET = "Wr0ng-Secret-Value"


def kkui(*args: str, env: dict[str, str] | None = None,
         stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kkui", "precheck", *args], cwd=ROOT,
                          env=env or dict(os.environ), input=stdin, capture_output=True,
                          text=True, timeout=60)


def test_json_schema_and_exit_0_for_healthy_hosts(sshlab, farm, tmp_path, known_hosts):
    cfg = sshlab.write_config(tmp_path / "c.yaml", [farm["healthy"]])
    res = kkui("-f", str(cfg), "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert set(data) == {"hosts", "summary"}
    assert set(data["summary"]) == {"pass", "warn", "fail", "error"}
    host = data["hosts"][0]
    assert set(host) == {"name", "address", "role", "checks"}
    assert host["name"] == "healthy" and host["address"] == farm["healthy"].address
    assert all(set(c) == {"id", "status", "detail", "fix"} for c in host["checks"])
    assert [c["id"] for c in host["checks"]][:3] == ["ssh", "sudo", "os"]
    assert data["summary"] == {"pass": 22, "warn": 0, "fail": 0, "error": 0}
    assert "new host key" in res.stderr  # the visible note; recorded in KKUI_KNOWN_HOSTS
    assert Path(os.environ["KKUI_KNOWN_HOSTS"]).read_text().count("ssh-ed25519") == 1


def test_failures_exit_1_and_no_password_is_ever_printed(sshlab, farm, tmp_path, known_hosts):
    wrong = dict(sshlab.host_row(farm["healthy"], auth="none"), name="wrongpw", password=SECRET)
    cfg = sshlab.write_config(
        tmp_path / "c.yaml", [sshlab.host_row(farm["pwsudo"], auth="password"),
                              sshlab.host_row(farm["nosocat"], auth="password"), wrong],
        roles={"etcd": ["pwsudo"], "control-plane": ["pwsudo"],
               "worker": ["nosocat", "wrongpw"]})
    for extra in ([], ["--json"]):
        res = kkui("-f", str(cfg), *extra)
        assert res.returncode == 1
        for secret in (SECRET, sshlab.password):
            assert secret not in res.stdout and secret not in res.stderr
    data = json.loads(res.stdout)
    by = {h["name"]: {c["id"]: c for c in h["checks"]} for h in data["hosts"]}
    assert by["nosocat"]["socat"]["status"] == "fail"
    assert by["wrongpw"]["ssh"]["status"] == "fail" and list(by["wrongpw"]) == ["ssh"]
    assert by["pwsudo"]["sudo"]["status"] == "pass"


def test_table_rows_problems_and_summary(sshlab, farm, tmp_path, known_hosts):
    cfg = sshlab.write_config(tmp_path / "c.yaml", [farm["healthy"], farm["selinux"]])
    res = kkui("-f", str(cfg), "--hosts", "selinux,healthy")
    assert res.returncode == 0, res.stdout + res.stderr  # warnings only
    lines = res.stdout.splitlines()
    row = next(line for line in lines if line.startswith("selinux "))
    assert row.count("!") == 2 and "✗" not in row
    assert any(line.startswith("healthy ") and "!" not in line for line in lines)
    assert "Problems" in res.stdout and "fix: let kk do it" in res.stdout
    assert lines[-1].startswith("2 hosts: 42 passed, 2 warnings, 0 failed, 0 errors")
    strict = kkui("-f", str(cfg), "--strict", "--json")
    assert strict.returncode == 1


def test_bad_config_and_bad_arguments_exit_2(sshlab, farm, tmp_path, known_hosts):
    assert kkui("-f", str(tmp_path / "missing.yaml")).returncode == 2
    invalid = sshlab.write_config(tmp_path / "bad.yaml", [farm["healthy"]],
                                  roles={"etcd": ["healthy"], "worker": ["healthy"]})
    res = kkui("-f", str(invalid))
    assert res.returncode == 2 and "control-plane" in res.stderr
    good = sshlab.write_config(tmp_path / "good.yaml", [farm["healthy"]])
    res = kkui("-f", str(good), "--hosts", "nope")
    assert res.returncode == 2 and "'nope'" in res.stderr and "Traceback" not in res.stderr


def test_fix_yes_installs_and_rechecks(sshlab, tmp_path, known_hosts):
    host = sshlab.add_host("clifix", tools_missing=("socat", "conntrack"), pkg_manager="apt")
    cfg = sshlab.write_config(tmp_path / "c.yaml", [host])
    declined = kkui("-f", str(cfg), "--fix", stdin="n\n")
    assert declined.returncode == 1 and "Nothing installed." in declined.stdout
    assert "clifix: sudo apt-get install -y socat conntrack" in declined.stdout
    res = kkui("-f", str(cfg), "--fix", "--yes", "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    data = json.loads(res.stdout)
    assert data["fixed"] == [{"name": "clifix", "packages": ["socat", "conntrack"],
                              "command": "sudo apt-get install -y socat conntrack",
                              "ok": True, "detail": "installed socat conntrack"}]
    assert data["summary"]["fail"] == 0


def test_ctrl_c_prints_what_was_gathered_and_exits_130(sshlab, farm, tmp_path, known_hosts):
    cfg = sshlab.write_config(tmp_path / "c.yaml", [farm["healthy"], farm["slow"]])
    proc = subprocess.Popen([sys.executable, "-m", "kkui", "precheck", "-f", str(cfg)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "checked healthy" in line:  # progress; the grid comes after the last host
            break
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rest, _err = proc.communicate(timeout=10)
    assert time.monotonic() - sent < 1.0  # README: "Ctrl-C stops within a second"
    assert proc.returncode == 130
    assert "Interrupted: not checked: slow" in rest
    assert "1 host: 22 passed" in rest
