"""Goldens of the line-printing commands (issue #17): each at 80 and 120 columns on a terminal,
with colour and without (NO_COLOR), and on a pipe -- no escape code at all there, every row
whole for grep, and rich markup from hosts, kk, files and users shown literally everywhere.
Tables fit the terminal's width; a long single line is not hard-wrapped (the terminal folds it,
and a copied command stays whole).

Regenerate after a deliberate change of the output:
``KKUI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/cli_output``.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path

import pytest
from cli_output.command_scenes import COMMAND_SCENES

from kkui.i18n import set_language

GOLDEN = Path(__file__).parent / "golden"
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_language("en")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(tmp_path)


def _run(monkeypatch: pytest.MonkeyPatch, scene: str, width: int, mode: str) -> str:
    out = io.StringIO() if mode == "pipe" else _Tty()
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    if mode == "colour":
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", "1")
    COMMAND_SCENES[scene](monkeypatch)
    time.tzset()
    return out.getvalue() + ("--- stderr ---\n" + err.getvalue() if err.getvalue() else "")


@pytest.mark.parametrize("mode", ["plain", "colour", "pipe"])
@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("scene", sorted(COMMAND_SCENES))
def test_command_golden(monkeypatch: pytest.MonkeyPatch, scene: str, width: int,
                        mode: str) -> None:
    got = _run(monkeypatch, scene, width, mode)
    path = GOLDEN / f"cmd-{scene}-{width}-{mode}.txt"
    if os.environ.get("KKUI_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs"
    assert ("\x1b[" in got) == (mode == "colour")  # colour only with colour; never on a pipe
    assert "\x1b]" not in got and "\x07" not in got and "title" not in got  # OSC dropped
    visible = CSI.sub("", got)
    assert "[red]red" in visible and "[bold]" in visible  # markup shown, not obeyed
    if mode == "pipe":
        assert "[red]red?[/red] [bold]bold?[/bold]" in got  # whole lines on a pipe
    else:  # tables fit the terminal; a single long line is left to the terminal to fold, so a
        # copied command or path is never cut by a hard newline
        assert all(len(ln) <= width for ln in visible.splitlines() if "─" in ln), \
            "a table wider than the terminal"


# -- --json is not touched by the rich output: byte for byte, in any terminal -----------------

def _json_history(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from cli_output.command_scenes import _history

    from kkui.commands.history import run_diff, run_list, run_show

    with _history(monkeypatch):
        run_list(argparse.Namespace(cluster=None, json=True, db=None))
        run_show(argparse.Namespace(id=12, config=False, json=True, db=None))
        run_diff(argparse.Namespace(id=9, id2=12, json=True, db=None))


def _json_precheck(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli_output.scenes import ESCAPE, MARKUP, _host

    from kkui.commands.precheck import JsonView
    from kkui.core.precheck.report import PrecheckReport

    view = JsonView()
    view.fixes = [{"name": "master1", "packages": ["socat"], "command": "apt-get install socat",
                   "ok": False, "detail": MARKUP + ESCAPE}]
    view.finish(PrecheckReport([_host("master1", "etcd", {
        "socat": ("fail", "socat not found " + MARKUP + ESCAPE, "apt-get install -y socat")})]))


def _json_download(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli_output.command_scenes import HOSTILE

    from kkui.commands._common import print_json
    from kkui.commands.download import result_dict
    from kkui.core.download.cache import KkBinary

    monkeypatch.setenv("XDG_CACHE_HOME", "/home/ops/.cache")
    print_json(result_dict(KkBinary(Path("/c/kk"), "v3.1.12", "amd64", "ab" * 32,
                                    "https://m/" + HOSTILE), "cn"))


JSON_SCENES = {"history": _json_history, "precheck": _json_precheck,
               "download": _json_download}


@pytest.mark.parametrize("mode", ["colour", "pipe"])
@pytest.mark.parametrize("scene", sorted(JSON_SCENES))
def test_json_is_byte_identical(monkeypatch: pytest.MonkeyPatch, scene: str, mode: str) -> None:
    out = io.StringIO() if mode == "pipe" else _Tty()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setenv("COLUMNS", "40")  # a narrow terminal must not wrap JSON
    monkeypatch.delenv("NO_COLOR", raising=False)
    JSON_SCENES[scene](monkeypatch)
    got = out.getvalue()
    path = GOLDEN / f"json-{scene}.json"
    if os.environ.get("KKUI_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs"
    assert "\x1b[" not in got


@pytest.mark.parametrize("mode", ["terminal", "pipe"])
def test_history_log_is_cleaned_on_a_terminal_and_kept_byte_for_byte_in_a_pipe(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str) -> None:
    import argparse
    from dataclasses import replace

    from cli_output.command_scenes import _detail, _history

    import kkui.core.runs.query as query
    from kkui.commands.history import run_log

    log = tmp_path / "install.log"
    raw = b"14:02:11 CST [red]kk[/red] \x1b[31mred\x1b[0m \x1b]0;title\x07done\n"
    log.write_bytes(raw)
    out = _Tty() if mode == "terminal" else io.StringIO()
    out.buffer = io.BytesIO()  # type: ignore[misc]  # where the pipe form writes bytes
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setenv("COLUMNS", "80")
    with _history(monkeypatch):
        detail = _detail(12)
        monkeypatch.setattr(query, "get_run", lambda _c, _i: replace(
            detail, summary=detail.summary._replace(log=str(log))))
        assert run_log(argparse.Namespace(id=12, db=None)) == 0
    if mode == "pipe":  # `kkui history log 12 | kkui triage -` gets kk's bytes
        assert out.buffer.getvalue() == raw and out.getvalue() == ""
    else:  # a person's terminal: no escape sequence from the log reaches it, markup literal
        assert out.getvalue() == "14:02:11 CST [red]kk[/red] red done\n"
