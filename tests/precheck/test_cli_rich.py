"""`kkui precheck` on a terminal (issue #17): the Live host × check table, redrawn from the
final report, then problems and the summary; real sshd hosts, a real pseudo-terminal."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from cli_output.pty_run import pty_run

pytestmark = pytest.mark.sshd
ROOT = Path(__file__).resolve().parents[2]
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LINES", "COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def test_live_table_agrees_with_the_cross_host_check(sshlab, farm, tmp_path, known_hosts):
    # "twin" reports the hostname of "healthy": the duplicate is found only once both
    # answered, after each row was first drawn as a pass.
    cfg = sshlab.write_config(tmp_path / "c.yaml", [farm["healthy"], farm["twin"]])
    argv = [sys.executable, "-m", "kkui", "precheck", "-f", str(cfg)]
    out = pty_run(argv, _env(), tmp_path, cols=100)
    plain = CSI.sub("", out).replace("\r\n", "\n").replace("\r", "\n")
    assert "Checking 2 hosts over SSH (0/2 done)" in plain  # the live table, before answers
    assert "\x1b[2K" in out or "\x1b[1A" in out  # redrawn in place
    final = plain[plain.rindex("\nhost ") + 1:]  # the table printed after the Live region
    head, _rule, *rows = final.splitlines()
    assert head.split()[:3] == ["host", "role", "name"]  # the changed column is shown
    for name in ("healthy", "twin"):
        row = next(r for r in rows if r.startswith(name))
        assert row.split()[2] == "!", row  # the duplicate hostname: a warning on both
    assert "Problems" in final and "hostname" in final
    assert final.rstrip().splitlines()[-1].startswith("2 hosts: ")
    assert "\x1b[" in out.split("Problems")[-1]  # coloured


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}], ids=["no-color", "dumb"])
def test_no_color_or_a_dumb_terminal_is_the_plain_grep_form(sshlab, farm, tmp_path, known_hosts,
                                                            env):
    """Issue #17: "On a pipe or with NO_COLOR: plain text, one line per host and problem"."""
    cfg = sshlab.write_config(tmp_path / "c.yaml", [farm["healthy"], farm["twin"]])
    argv = [sys.executable, "-m", "kkui", "precheck", "-f", str(cfg)]
    out = pty_run(argv, _env(**env), tmp_path, cols=100)
    assert "\x1b" not in out
    lines = out.replace("\r\n", "\n").splitlines()
    assert any(ln.startswith("  checked healthy (") for ln in lines)  # one line per host
    assert any(ln.startswith("twin ") and "!" in ln for ln in lines)
