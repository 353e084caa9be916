"""`kkui export-config`, `kkui validate`, `kkui profiles` as a user runs them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KK_SAMPLE = REPO / "tests/data/kubekey/config-sample.v1alpha2.yaml"


def run(cmd: list[str], env: dict[str, str], cwd: Path, *args: str,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cmd, *args], env=env, cwd=cwd, text=True, capture_output=True,
                          input=stdin, timeout=60)


def test_profiles_lists_every_bundled_profile(kkui_cmd, kkui_env, tmp_path) -> None:
    result = run(kkui_cmd, kkui_env, tmp_path, "profiles", "--json")
    assert result.returncode == 0
    names = {p["name"]: p["description"] for p in json.loads(result.stdout)}
    assert set(names) == {"all-in-one", "ha-external-lb", "ha-internal-haproxy", "ha-kube-vip"}
    assert all(names.values())


def test_validate_exit_codes_and_json(kkui_cmd, kkui_env, tmp_path) -> None:
    good = run(kkui_cmd, kkui_env, tmp_path, "validate", "-f", str(KK_SAMPLE))
    assert good.returncode == 0 and "0 error(s), 2 warning(s)" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(KK_SAMPLE.read_text().replace("    - node2\n", "    - node9\n"))
    result = run(kkui_cmd, kkui_env, tmp_path, "validate", "-f", str(bad), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["errors"] == 1
    assert report["problems"][0]["path"] == "spec.roleGroups.worker[1]"
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: Cluster\nspec:\n  hosts: [\n")
    result = run(kkui_cmd, kkui_env, tmp_path, "validate", "-f", str(broken))
    assert result.returncode == 2
    assert "broken.yaml:4:1: malformed YAML" in result.stderr
    assert "Traceback" not in result.stderr
    missing = run(kkui_cmd, kkui_env, tmp_path, "validate", "-f", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_export_applies_edits_and_writes_private_file(kkui_cmd, kkui_env, tmp_path) -> None:
    out = tmp_path / "config-sample.yaml"
    env = {**kkui_env, "NODE3_PW": "pa55-w0rd"}
    result = run(kkui_cmd, env, tmp_path, "export-config", "-f", str(KK_SAMPLE), "-o", str(out),
                 "--set", "spec.kubernetes.version=v1.24.17",
                 "--set", "spec.kubernetes.containerManager=containerd",
                 "--add-host", "name=node3,address=172.16.0.4,user=ubuntu,password=env:NODE3_PW",
                 "--roles", "node3=worker,etcd", "--remove-host", "node2",
                 "--set", "kkui.kk.zone=cn")
    assert result.returncode == 0, result.stderr
    assert "pa55-w0rd" not in result.stdout + result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text()
    assert "## Internal loadbalancer for apiservers \n" in text
    assert '- {name: node3, address: 172.16.0.4, internalAddress: 172.16.0.4, user: ubuntu, ' \
           'password: "pa55-w0rd"}' in text
    assert "node2" not in text and "zone: cn" in text


def test_export_refuses_errors_overwrites_and_plain_passwords(kkui_cmd, kkui_env,
                                                              tmp_path) -> None:
    out = tmp_path / "config-sample.yaml"
    out.write_text("precious\n")
    result = run(kkui_cmd, kkui_env, tmp_path, "export-config", "-f", str(KK_SAMPLE),
                 "-o", str(out))
    assert result.returncode == 2 and "--force" in result.stderr
    result = run(kkui_cmd, kkui_env, tmp_path, "export-config", "-f", str(KK_SAMPLE),
                 "-o", str(out), "--force", "--roles", "node1=worker")
    assert result.returncode == 2
    assert "spec.roleGroups.control-plane" in result.stderr and "nothing written" in \
        result.stderr
    result = run(kkui_cmd, kkui_env, tmp_path, "export-config", "-f", str(KK_SAMPLE),
                 "-o", str(out), "--force", "--add-host",
                 "name=n9,address=1.2.3.9,password=hunter2")
    assert result.returncode == 2 and "not accepted on the command line" in result.stderr
    assert "hunter2" not in result.stderr
    assert out.read_text() == "precious\n"
    result = run(kkui_cmd, kkui_env, tmp_path, "export-config", "-f", str(KK_SAMPLE),
                 "-o", str(out), "--force")
    assert result.returncode == 0
    assert (tmp_path / "config-sample.yaml.bak").read_text() == "precious\n"
    assert out.read_text() == KK_SAMPLE.read_text()


def test_export_cluster_only_to_stdout(kkui_cmd, kkui_env, tmp_path) -> None:
    result = run(kkui_cmd, kkui_env, tmp_path, "export-config", "--profile", "ha-external-lb",
                 "--cluster-only", "-o", "-")
    assert result.returncode == 0
    assert "kind: Cluster" in result.stdout and "KkuiSettings" not in result.stdout
    assert not (tmp_path / "config-sample.yaml").exists()


def test_core_does_not_import_textual() -> None:
    code = ("import sys, pkgutil, importlib, kkui.core\n"
            "for m in pkgutil.walk_packages(kkui.core.__path__, 'kkui.core.'):\n"
            "    importlib.import_module(m.name)\n"
            "import kkui.commands.config\n"
            "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
            "print(bad)\n")
    result = subprocess.run([os.sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
