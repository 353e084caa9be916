"""The live status line of `kkui install` on a real pseudo-terminal, read back through a terminal
emulator (pyte): it sits ABOVE kk's newest lines, older lines scroll away above it, it ticks
while kk is silent, keeps redrawing under NO_COLOR, fits a narrow terminal, and Ctrl-C leaves
the terminal usable (cursor shown, region gone) with kk's whole process tree stopped (issue #17).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import psutil
from cli_output.pty_run import PtySession

ROOT = Path(__file__).resolve().parents[2]
FAKE_KK = ROOT / "tests" / "support" / "fake_kk.py"
TRANSCRIPTS = ROOT / "tests" / "support" / "kk_transcripts"
CONFIG = ROOT / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml"
KK_LINES = [f"kk-line-{i:02d} pulling image {i}" for i in range(1, 21)]
SGR_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _start(tmp_path: Path, cols: int = 100, lines: list[str] | None = None,
           **env_extra: str) -> tuple[PtySession, Path]:
    """`kkui install` with a stand-in kk that prints KK_LINES, starts a helper that left its
    process group, then stays silent until stopped (or replays ``lines``)."""
    transcript = tmp_path / "t.txt"
    transcript.write_text("\n".join(lines or [
        "!banner", "E {T} [GreetingsModule] Greetings", "E {T} message: [node1]",
        *(f"E {line}" for line in KK_LINES),
        "E {T} success: [node1]",
        "E {T} [NodeBinariesModule] Download installation dependencies",
        "E newest-kk-line", "!child", "!sleep 600"]) + "\n", encoding="utf-8")
    config = tmp_path / "cluster.yaml"
    config.write_text(CONFIG.read_text().replace("172.16.0.2", "127.0.0.1")
                      .replace("172.16.0.3", "127.0.0.2"))
    pid_file = tmp_path / "child.pid"
    env = {k: v for k, v in os.environ.items()
           if k not in ("KKZONE", "LINES", "COLUMNS", "NO_COLOR", "FORCE_COLOR")}
    env.update(FAKE_KK_TRANSCRIPTS=str(TRANSCRIPTS), FAKE_KK_TRANSCRIPT=str(transcript),
               FAKE_KK_CHILD_PID_FILE=str(pid_file), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PYTHONPATH=str(ROOT))
    env.update({"TERM": "xterm-256color", **env_extra})
    argv = [sys.executable, "-m", "kkui", "install", "-f", str(config), "--kk", str(FAKE_KK),
            "--skip-precheck", "--workdir", str(tmp_path / "work"), "--yes"]
    return PtySession(argv, env, tmp_path, cols=cols, rows=30), pid_file


def _row(rows: list[str], needle: str) -> int:
    return next(i for i, r in enumerate(rows) if needle in r)


def _status_row(rows: list[str]) -> int:
    return next(i for i, r in enumerate(rows) if r.startswith("kkui stage "))


def _interrupt(session: PtySession, pid_file: Path) -> None:
    """Ctrl-C as a person types it; exit 130, the helper kk left behind is gone."""
    child = int(pid_file.read_text())
    session.send(b"\x03")
    assert session.wait() == 130
    assert session.screen.cursor.hidden is False  # the cursor is back
    assert not _alive(child), "kk's helper survived Ctrl-C"
    final = session.scrollback()
    assert not any(r.startswith("kkui stage ") for r in final), "the live region stayed"
    kk_rows = [r for r in final if r.startswith("kk-line-")]
    assert kk_rows == KK_LINES  # every kk line once, in kk's order
    assert _row(final, "newest-kk-line") < _row(final, "interrupted")


def _alive(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            return False
        time.sleep(0.05)
    return True


def test_status_line_sits_above_the_newest_kk_lines_and_ticks(tmp_path: Path) -> None:
    session, pid_file = _start(tmp_path)
    assert session.read_until(lambda: any("newest-kk-line" in r for r in session.display())
                              and pid_file.exists()), session.text()[-2000:]
    rows = session.display()
    status = _status_row(rows)
    assert "NodeBinariesModule" in rows[status] and "hosts: 1 done, 0 failed" in rows[status]
    assert status < _row(rows, "newest-kk-line")  # the status line is above kk's newest line
    assert status > 0 and rows[status - 1].startswith("kk-line-")  # older lines above it
    # the window is at most a third of the 30 rows: the first kk lines went to the scrollback
    assert _row(session.scrollback(), "kk-line-01") < len(session.screen.history.top) + status
    assert sum(bool(r) for r in rows[status + 1:]) <= 10
    first = rows[status]
    # kk is silent now: the elapsed time still moves
    assert session.read_until(lambda: session.display()[_status_row(session.display())]
                              != first, timeout=5)
    assert "\x1b[3" in session.text()  # coloured on a colour terminal
    _interrupt(session, pid_file)


def test_no_color_keeps_the_live_line_without_colour(tmp_path: Path) -> None:
    session, pid_file = _start(tmp_path, NO_COLOR="1")
    assert session.read_until(lambda: any("newest-kk-line" in r for r in session.display())
                              and pid_file.exists())
    rows = session.display()
    assert _status_row(rows) < _row(rows, "newest-kk-line")
    assert "\x1b[1A" in session.text() or "\x1b[2K" in session.text()  # redrawn in place
    _interrupt(session, pid_file)
    assert not SGR_COLOUR.search(session.text()), "NO_COLOR: no colour code at all"


def test_a_narrow_terminal_cuts_the_status_line_and_wraps_kk_lines(tmp_path: Path) -> None:
    session, pid_file = _start(tmp_path, cols=40)
    assert session.read_until(lambda: any("newest-kk-line" in r for r in session.display())
                              and pid_file.exists())
    rows = session.display()
    status = rows[_status_row(rows)]
    assert status.endswith("…") and len(status) <= 40  # one row, cut with an ellipsis
    assert _status_row(rows) < _row(rows, "newest-kk-line")
    _interrupt(session, pid_file)


def test_a_dumb_terminal_gets_plain_lines(tmp_path: Path) -> None:
    session, pid_file = _start(tmp_path, TERM="dumb")
    assert session.read_until(lambda: "newest-kk-line" in session.text() and pid_file.exists())
    session.send(b"\x03")
    assert session.wait() == 130
    out = session.text()
    assert "\x1b" not in out
    assert "kkui: stage 1/14" in out and "kkui stage " not in out  # plain stage lines


def test_kk_lines_after_its_verdict_stay_in_order_below_the_window(tmp_path: Path) -> None:
    """kk prints `Installation is complete.` after its Pipeline line: the region is closed first,
    so those lines come after the window's lines, not above them."""
    session, _pid = _start(tmp_path, lines=[
        "!banner", "E {T} [GreetingsModule] Greetings", "E {T} message: [node1]",
        *(f"E {line}" for line in KK_LINES), "E {T} success: [node1]",
        "E {T} Pipeline[CreateClusterPipeline] execute successfully",
        "!sleep 0.3", "O Installation is complete.", "O+", "O Please check the result",
        "!exit 0"])
    assert session.wait() == 0
    final = session.scrollback()
    assert [r for r in final if r.startswith("kk-line-")] == KK_LINES
    assert _row(final, "kk-line-20") < _row(final, "Installation is complete.") < \
        _row(final, "Please check the result") < _row(final, "kk create cluster succeeded")
    assert session.screen.cursor.hidden is False


def test_a_burst_of_kk_lines_lands_whole_and_in_order() -> None:
    """3000 lines as fast as kk can write them: redraws are coalesced (a few per second, not
    one per line), and the scrollback still holds every line once, in order."""
    import io

    import pyte
    from rich.text import Text

    from kkui.commands._kk_live import LiveStatus
    from kkui.commands.console import console, untrusted

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    status = LiveStatus(console(stream, width=80, color=True), lambda: Text("kkui stage 1/14"))
    lines = [f"line {i:04d} " + "x" * (i % 97) for i in range(3000)]
    for text in lines:
        status.print(untrusted(text))
    status.stop()
    screen = pyte.HistoryScreen(80, 25, history=20000)
    pyte.Stream(screen).feed(stream.getvalue().replace("\n", "\r\n"))  # a tty's onlcr
    rows = ["".join(r[x].data for x in range(80)).rstrip() for r in screen.history.top]
    rows += [r.rstrip() for r in screen.display]
    seen = [r.split()[1] for r in rows if r.startswith("line ")]
    assert seen == [f"{i:04d}" for i in range(3000)]
    assert not any(r.startswith("kkui stage") for r in rows)  # the region is gone
    assert len(stream.getvalue()) < 3000 * 200  # not a region redraw per line
