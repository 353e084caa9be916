"""Issue #10 items 8/9 for the output paths added after the hardening pass: text that comes
from kk's log or from hosts reaches the terminal without control sequences."""

from __future__ import annotations

import subprocess

HOSTILE = "\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x07\x1b[2J"


def test_triage_text_report_shows_hostile_log_lines_without_escapes(kkui_cmd, kkui_env) -> None:
    log = ("10:53:02 CST [ETCDConfigureModule] Health check on all etcd\n"
           "10:53:02 CST failed: [node1]\n"
           "error: Pipeline[CreateClusterPipeline] execute failed: "
           "Module[ETCDConfigureModule] exec failed: \n"
           f"failed: [node1] [HealthCheck] exec failed after 20 retries: {HOSTILE} "
           "etcd cluster is not healthy\n")
    proc = subprocess.run([*kkui_cmd, "triage", "-"], input=log, capture_output=True,
                          text=True, env=kkui_env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "node1" in proc.stdout
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
