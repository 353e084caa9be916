"""`kkui precheck --help` within 5× a bare interpreter start (issue #11, bench/cli_help.py):
it loads only the parser and the check registry — not the problem helpers, signal, the CJK
width table, or shutil (argparse imports it, with bz2/lzma/zlib, only for the terminal width:
kkui reads the width the same way without it) — and its help still fits the terminal."""

from __future__ import annotations

import fcntl
import json
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_FOR_HELP = ("shutil", "bz2", "lzma", "signal", "unicodedata", "kkui.core.config.problem",
                "kkui.i18n.width")
PROBE = """
import contextlib, io, json, sys
from kkui.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main(["precheck", "--help"])
print(json.dumps(sorted(sys.modules)))
"""


def help_text(**env: str) -> str:
    result = subprocess.run([sys.executable, "-m", "kkui", "precheck", "--help"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT, check=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": os.environ["PATH"], **env})
    return result.stdout


def test_precheck_help_loads_nothing_it_does_not_print() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            timeout=60, cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT)})
    loaded = set(json.loads(result.stdout.splitlines()[-1]))
    assert "kkui.core.precheck.checks" in loaded  # the check list is in the help
    assert sorted(loaded & set(NOT_FOR_HELP)) == []


def test_precheck_help_wraps_to_columns_like_argparse() -> None:
    narrow = help_text(COLUMNS="60")
    usage = narrow.split("\n\n")[0].splitlines()
    assert len(usage) > 2 and max(map(len, usage)) <= 58  # argparse keeps 2 columns spare
    wide = help_text(COLUMNS="200").split("\n\n")[0].splitlines()
    assert len(wide) == 1
    # no COLUMNS and no terminal (a pipe): argparse's 80
    default = help_text().split("\n\n")[0].splitlines()
    assert len(default) > 1 and max(map(len, default)) <= 78
    assert help_text(COLUMNS="junk") == help_text()
    assert "ntp" in narrow or "swap" in narrow  # the check list is filled in


WIDTHS = """
import shutil, sys
from kkui.cli import help_width
print(help_width(), shutil.get_terminal_size().columns - 2, file=sys.stderr)
"""


@pytest.mark.parametrize("columns", [None, "60", "200", "junk", "0"])
@pytest.mark.parametrize("terminal", [False, True])
def test_help_width_is_argparses(columns: str | None, terminal: bool) -> None:
    """Every help keeps argparse's layout: COLUMNS, else the terminal's width, else 80."""
    env = {"PYTHONPATH": str(ROOT), **({"COLUMNS": columns} if columns is not None else {})}
    if not terminal:
        out = subprocess.run([sys.executable, "-c", WIDTHS], capture_output=True, text=True,
                             timeout=60, env=env, check=True).stderr
    else:  # stdout on a 97-column terminal
        leader, follower = os.openpty()
        try:
            fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 97, 0, 0))
            out = subprocess.run([sys.executable, "-c", WIDTHS], stdout=follower,
                                 stderr=subprocess.PIPE, text=True, timeout=60, env=env,
                                 check=True).stderr
        finally:
            os.close(follower)
            os.close(leader)
    ours, argparses = out.split()
    assert ours == argparses
    if terminal and columns in (None, "junk", "0"):
        assert ours == "95"
