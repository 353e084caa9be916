"""CLI output through rich (issue #17): goldens of each view at 80 and 120 columns with and
without colour, the one console module's rules (no escape code on a pipe, markup never read
from untrusted text), and the real `kkui install` in a pipe and in a pseudo-terminal.

Regenerate the goldens after a deliberate change of the output:
``KKUI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/cli_output``.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_output.pty_run import pty_run
from cli_output.scenes import ESCAPE, MARKUP, SCENES, STDOUT_SCENES

from kkui.commands import console as console_mod
from kkui.i18n import set_language

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
FAKE_KK = ROOT / "tests" / "support" / "fake_kk.py"
TRANSCRIPTS = ROOT / "tests" / "support" / "kk_transcripts"
CONFIG = ROOT / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml"


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


# -- goldens ----------------------------------------------------------------------------------

@pytest.mark.parametrize("colour", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("scene", sorted(SCENES))
def test_golden(scene: str, width: int, colour: bool) -> None:
    con = console_mod.console(io.StringIO(), width=width, color=colour, record=True)
    SCENES[scene](con)
    got = con.export_text(styles=colour)
    path = GOLDEN / f"{scene}-{width}-{'colour' if colour else 'plain'}.txt"
    if os.environ.get("KKUI_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs: see the diff"
    # what every view promises, whatever the golden says
    assert all(len(ln) <= width for ln in _visible(got).splitlines()), "wider than the terminal"
    assert ("\x1b[" in got) == colour
    assert "\x1b]" not in got and "title" not in got  # the OSC escape was dropped
    if "red?" in got:
        assert "[red]" in _visible(got)  # markup from a host/file is shown literally


def _visible(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_precheck_orders_failing_checks_first() -> None:
    con = console_mod.console(io.StringIO(), width=120, color=False, record=True)
    SCENES["precheck"](con)
    body = con.export_text()
    head = body.splitlines()[0].split()
    # registry order is name, selnx, socat: the failures come first, then the warning
    assert head[:6] == ["host", "role", "name", "socat", "selnx", "passed"]
    assert body.index("✗ socat") < body.index("! selinux")  # problems: failures first
    assert body.rstrip().splitlines()[-1].startswith("2 hosts: 41 passed, 1 warning, 2 failed")


# -- the console module's rules ----------------------------------------------------------------

RAW_ESCAPE = re.compile(r"\\x1b|\\033|\\u001b|\\x9b|\\r\\x1b|chr\(27\)|\\e\[")


def test_no_raw_escape_code_in_commands() -> None:
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "kkui" / "commands").glob("*.py")
                 for n, ln in enumerate(p.read_text().splitlines(), 1) if RAW_ESCAPE.search(ln)]
    assert offenders == [], "draw through kkui.commands.console, not escape codes"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("env", "tty", "coloured"), [
    ({}, True, True), ({"NO_COLOR": ""}, True, False), ({"TERM": "dumb"}, True, False),
    ({}, False, False)])
def test_colour_only_on_a_terminal_without_no_color_or_dumb(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool, coloured: bool) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stream = _Tty() if tty else io.StringIO()
    con = console_mod.console(stream)
    con.print(console_mod.styled("FAIL " + MARKUP + ESCAPE, "red"))
    out = stream.getvalue()
    assert ("\x1b[" in out) == coloured
    assert _visible(out).strip() == "FAIL " + MARKUP
    assert console_mod.paint("x", "red", stream) == ("\x1b[31mx\x1b[0m" if coloured else "x")


def test_a_pipe_is_never_wrapped() -> None:
    stream = io.StringIO()
    console_mod.line(console_mod.console(stream), "x" * 300)
    assert stream.getvalue() == "x" * 300 + "\n"


# -- the real command: a pipe and a pseudo-terminal ---------------------------------------------

def _transcript(path: Path) -> Path:
    path.write_text("\n".join([
        "!banner",
        "E {T} [GreetingsModule] Greetings",
        "E {T} message: [node1]",
        "E [red]red-from-kk[/red] [bold]bold-from-kk[/bold] [link=http://x]link[/link]",
        "E \x1b[41mbg-attack\x1b[0m \x1b]0;kk-title\x07osc-attack",
        "E {T} success: [node1]",
        "E {T} Pipeline[CreateClusterPipeline] execute successfully",
        "!exit 0"]) + "\n", encoding="utf-8")
    return path


def _install(tmp_path: Path, env_extra: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    config = tmp_path / "cluster.yaml"
    text = CONFIG.read_text().replace("172.16.0.2", "127.0.0.1").replace("172.16.0.3",
                                                                        "127.0.0.2")
    config.write_text(text)
    env = {k: v for k, v in os.environ.items()
           if k not in ("KKZONE", "LINES", "COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    env.update(FAKE_KK_TRANSCRIPTS=str(TRANSCRIPTS),
               FAKE_KK_TRANSCRIPT=str(_transcript(tmp_path / "t.txt")),
               XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT),
               TERM="xterm-256color")
    env.update(env_extra)
    argv = [sys.executable, "-m", "kkui", "install", "-f", str(config), "--kk", str(FAKE_KK),
            "--skip-precheck", "--workdir", str(tmp_path / "work"), "--yes"]
    return argv, env


def test_install_in_a_pipe_has_no_escape_code_and_shows_markup_literally(tmp_path: Path) -> None:
    argv, env = _install(tmp_path, {})
    res = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    both = res.stdout + res.stderr
    assert "\x1b" not in both and "\x07" not in both
    assert "[red]red-from-kk[/red] [bold]bold-from-kk[/bold] [link=http://x]link[/link]" \
        in res.stdout
    assert "bg-attack osc-attack" in res.stdout and "kk-title" not in both
    assert "kkui: stage 1/14" in res.stdout  # the plain stage lines, no live status
    assert "kkui: cluster installed" in res.stdout and "╭" not in res.stdout


def test_install_on_a_terminal_has_a_live_status_line_and_a_summary_panel(
        tmp_path: Path) -> None:
    argv, env = _install(tmp_path, {})
    out = pty_run(argv, env, tmp_path)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    assert "kkui stage 1/14 Connect to hosts · GreetingsModule" in plain  # the live line
    assert "hosts: 1 done, 0 failed" in plain
    assert "\x1b[2K" in out  # redrawn in place (rich Live), not appended
    assert "╭─ kk create cluster succeeded" in plain and "kkui: cluster installed" in plain
    assert "[red]red-from-kk[/red] [bold]bold-from-kk[/bold]" in plain  # literal, not styled
    assert "bg-attack osc-attack" in plain
    assert "\x1b[41m" not in out and "kk-title" not in out and "\x07" not in out


def test_install_on_a_terminal_with_no_color_is_live_without_colour(tmp_path: Path) -> None:
    argv, env = _install(tmp_path, {"NO_COLOR": "1"})
    out = pty_run(argv, env, tmp_path)
    assert not re.search(r"\x1b\[[0-9;]*m", out)  # NO_COLOR: not one colour code
    assert "\x1b[2K" in out and "kkui stage 1/14" in out  # still the live line, redrawn
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    assert "╭─ kk create cluster succeeded" in plain and "kkui: cluster installed" in plain


def test_install_on_a_dumb_terminal_is_plain(tmp_path: Path) -> None:
    argv, env = _install(tmp_path, {"TERM": "dumb"})
    out = pty_run(argv, env, tmp_path)
    assert "\x1b" not in out
    assert "kkui: stage 1/14" in out and "kkui: cluster installed" in out


def test_no_string_is_ever_read_as_markup() -> None:
    stream = _Tty()
    con = console_mod.console(stream, color=True)
    con.print("[red]x[/red] " + MARKUP)  # even kkui's own strings: markup is off
    console_mod.line(con, "a [bold]b[/bold]", console_mod.styled("[link=http://x]c", "red"))
    lines = _visible(stream.getvalue()).splitlines()
    assert lines == ["[red]x[/red] " + MARKUP, "a [bold]b[/bold][link=http://x]c"]


def test_validate_in_a_pipe_prints_file_values_literally(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    text = CONFIG.read_text().replace("172.16.0.2", "\"[red]10.0.0.300[/red]\\e[31m\"", 1)
    config.write_text(text)
    res = subprocess.run([sys.executable, "-m", "kkui", "validate", "-f", str(config)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 1, res.stdout + res.stderr
    assert "\x1b" not in res.stdout
    line = next(ln for ln in res.stdout.splitlines() if "[red]10.0.0.300[/red]" in ln)
    assert line.startswith("error: spec.hosts[0].address: ")  # the grep form on a pipe


def test_download_on_a_terminal_shows_bytes_rate_eta_and_the_retry(tmp_path: Path) -> None:
    from kk.httpserver import make_tarball, serve

    with serve() as served:
        path = "/m/v3.1.12/kubekey-v3.1.12-linux-amd64.tar.gz"
        served.files[path] = make_tarball(pad=300_000)
        served.plan[path] = ["cut", "slow"]  # the first attempt breaks off: a retry
        served.trickle = (64 * 1024, 0.05)
        env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS", "NO_COLOR")}
        env.update(TERM="xterm-256color", PYTHONPATH=str(ROOT),
                   XDG_CACHE_HOME=str(tmp_path / "cache"))
        argv = [sys.executable, "-m", "kkui", "download", "--base-url", served.base + "/m",
                "--arch", "amd64", "--dest", str(tmp_path / "bin")]
        out = pty_run(argv, env, tmp_path, cols=120)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    assert re.search(r"\d+\.\d/310\.1 KiB", plain)  # bytes of the total
    assert "MiB/s" in plain and "ETA 0:0" in plain
    assert "attempt 2" in plain  # the retry is visible
    assert "━" in plain  # the bar
    assert "sha256 " in plain and os.access(tmp_path / "bin" / "kk", os.X_OK)


class _TtyOut(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("mode", ["plain", "colour", "pipe"])
@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("scene", sorted(STDOUT_SCENES))
def test_golden_stdout(monkeypatch: pytest.MonkeyPatch, scene: str, width: int,
                       mode: str) -> None:
    """Commands that print to sys.stdout themselves: a terminal ``width`` wide (``plain`` is
    NO_COLOR), or a pipe (``width`` does not matter: lines are never wrapped)."""
    out = io.StringIO() if mode == "pipe" else _TtyOut()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    if mode == "colour":
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", "1")
    STDOUT_SCENES[scene]()
    got = out.getvalue()
    path = GOLDEN / f"{scene}-{width}-{mode}.txt"
    if os.environ.get("KKUI_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{path.name} differs"
    assert ("\x1b[" in got) == (mode == "colour")
    assert "\x1b]" not in got
    if mode == "pipe":  # whole lines: the markup from the host is there literally
        assert "[red]red?[/red] [bold]bold?[/bold]" in got
    if mode != "pipe":
        assert all(len(ln) <= width for ln in _visible(got).splitlines())
