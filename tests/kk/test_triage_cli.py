"""`kkui triage` as the real command, and the live install showing the same findings as
`kkui triage` on the log it tee'd (issue #12: one engine for live and offline)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kk.conftest import FAKE_KK
from kk.test_cli import install_args, kkui
from support import netguard

ROOT = Path(__file__).resolve().parents[2]
KKLOGS = ROOT / "tests" / "data" / "kklogs"


def triage(args: list[str], tmp_path: Path, stdin: str | None = None) -> \
        subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kkui", "triage", *args], cwd=tmp_path,
                          text=True, capture_output=True, input=stdin, timeout=60,
                          env=netguard.subprocess_env({"PYTHONPATH": str(ROOT),
                                                       "PATH": "/usr/bin:/bin"}))


def test_text_report_names_outcome_hosts_cause_and_fix(tmp_path: Path) -> None:
    log = KKLOGS / "real" / "kk1487-pull-manifest-unknown.log"
    result = triage([str(log)], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("outcome: kk failed")
    assert "failed in: module PullModule, task PullImages" in out
    assert "failed hosts: k8s-2, k8s-1" in out
    assert "1. image or tag missing on the registry [k8s-2]" in out
    assert "fix: kk's China mirror" in out  # the log shows the cn mirror: cn advice
    assert "https://github.com/kubesphere/kubekey/issues/1487" in out


def test_json_from_stdin_paste_keeps_the_contract(tmp_path: Path) -> None:
    paste = (KKLOGS / "real" / "kk2343-sudo-password-open-block.log").read_text()
    for args in (["-", "--json"], ["--json"]):  # `-` or implied by a non-terminal stdin
        result = triage(args, tmp_path, stdin=paste)
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data == {
            "outcome": "hang", "kk_version": None, "failed_module": "GreetingsModule",
            "failed_task": "Greetings", "failed_hosts": ["node201"],
            "findings": [{
                "id": "sudo-password", "title": "sudo asks for a password",
                "cause": data["findings"][0]["cause"], "fix": data["findings"][0]["fix"],
                "hosts": ["node201"],
                "evidence": ["Sorry, try again.", "[sudo] password for me:"],
                "confidence": "high"}]}


def test_nothing_known_is_an_empty_findings_list(tmp_path: Path) -> None:
    result = triage(["--json", "-"], tmp_path, stdin="10:53:02 CST [GreetingsModule] Greetings\n")
    assert result.returncode == 0
    assert json.loads(result.stdout)["findings"] == []
    assert json.loads(result.stdout)["outcome"] == "incomplete"


@pytest.mark.parametrize("what", ["missing", "directory"])
def test_unreadable_input_exits_2_with_one_line(tmp_path: Path, what: str) -> None:
    target = tmp_path / "nope.log" if what == "missing" else tmp_path
    result = triage([str(target)], tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_collect_needs_a_config(tmp_path: Path) -> None:
    log = KKLOGS / "synthetic" / "init-wait-control-plane-only.log"
    result = triage([str(log), "--collect"], tmp_path)
    assert result.returncode == 2 and "--collect needs -f CONFIG" in result.stderr


def test_config_zone_cn_withholds_cn_advice(tmp_path: Path) -> None:
    from kk.test_cli import write_config

    log = KKLOGS / "synthetic" / "global-googleapis-blocked.log"
    plain = json.loads(triage([str(log), "--json"], tmp_path).stdout)
    assert plain["findings"][0]["id"] == "download-blocked"
    cfg = write_config(tmp_path / "cn.yaml", zone="cn")
    cn = json.loads(triage([str(log), "--json", "-f", str(cfg)], tmp_path).stdout)
    assert all("--zone cn" not in f["fix"] for f in cn["findings"])
    assert "download-blocked" not in [f["id"] for f in cn["findings"]]


LIVE_CASES = ["real/kk1487-pull-manifest-unknown", "real/kk2244-etcd-exist-health-check",
              "real/kk1331-keyfile-missing", "synthetic/init-cgroup-driver-with-journal",
              "synthetic/cn-dns-could-not-resolve", "synthetic/etcd-clock-skew",
              "synthetic/v3012-precheck-conntrack", "synthetic/curl-meter-glued-stamp-sha256"]


@pytest.mark.parametrize("case", LIVE_CASES)
def test_live_install_shows_what_triage_finds_in_its_log(tmp_path: Path, case: str) -> None:
    """Replay a failing log through the real `kkui install` (fake kk), then triage the log
    it tee'd: the install's hints are the triage report's first findings, in order."""
    lines = (KKLOGS / f"{case}.log").read_text().splitlines()
    transcript = tmp_path / "transcript.txt"
    transcript.write_text("".join(f"E {line}\n" for line in lines) + "!exit 1\n")
    log = tmp_path / "install.log"
    result = kkui(install_args(tmp_path, "--yes", "--log", str(log)), tmp_path,
                  FAKE_KK_TRANSCRIPT=str(transcript))
    assert result.returncode == 1, result.stderr
    report = json.loads(triage([str(log), "--json"], tmp_path).stdout)
    titles = [f["title"] for f in report["findings"]][:2]
    assert titles, case
    shown = [line[len("Hint: "):] for line in result.stdout.splitlines()
             if line.startswith("Hint: ")]
    assert shown == titles
    assert report["outcome"] == "failed"
    assert f"kkui triage {log} -f " in result.stdout and "--collect" in result.stdout
    assert FAKE_KK.exists()
