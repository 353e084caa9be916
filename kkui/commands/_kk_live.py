"""A live status line under kk's streamed lines (``kkui install`` and the day-2 kk commands,
issue #17): kk's lines scroll above it, the line itself is redrawn in place by rich ``Live``
(4 times a second, so the elapsed time ticks while kk is silent). Only on a colour terminal
(:func:`kkui.commands.console.is_live`); elsewhere the callers print plain lines.

kk's ``[yes/no]:`` prompt has no newline and waits for the operator: the live line is taken
down while it waits and comes back with the next event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kkui.commands.console import styled

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.live import Live
    from rich.text import Text

    from kkui.core.kk.stages import InstallProgress


def status_text(progress: InstallProgress, operation: str = "") -> Text:
    """``kkui stage 8/14 etcd · ETCDConfigureModule · 42% · 03:12 · hosts: 2 done, 1 failed``;
    with ``operation`` (a day-2 kk command, whose stages kkui does not table):
    ``kkui kk delete node · DeleteNodeModule · 00:42 · hosts: ...``"""
    from kkui.core.kk.stages import format_elapsed

    rows = [r for name, r in progress.hosts.items() if name != "LocalHost"]
    if operation:
        parts = [f"kk {operation}", progress.module or "starting",
                 format_elapsed(progress.elapsed)]
        line = "kkui " + " · ".join(parts)
    else:
        line = "kkui " + progress.status_line()
    if rows:
        done = sum(r.status == "success" for r in rows)
        failed = sum(r.status == "failed" for r in rows)
        line += f" · hosts: {done} done, {failed} failed"
    text = styled(line, "bold cyan")
    return text


class Current:
    """Calls ``make`` at every refresh, so the line is current without an event."""

    def __init__(self, make: Callable[[], Text]) -> None:
        self.make = make

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = self.make()
        text.no_wrap = True
        text.overflow = "ellipsis"
        yield text


class LiveStatus:
    """``print`` puts a line above the status; ``pause`` takes the status down (a prompt)."""

    def __init__(self, con: Console, make: Callable[[], Text]) -> None:
        self.con = con
        self.make = make
        self._live: Live | None = None

    def print(self, text: Text) -> None:
        self._ensure()
        self.con.print(text)

    def _ensure(self) -> None:
        from rich.live import Live

        if self._live is None:
            self._live = Live(Current(self.make), console=self.con, refresh_per_second=4,
                              transient=True, redirect_stdout=False, redirect_stderr=False)
            self._live.start()

    def refresh(self) -> None:
        self._ensure()
        if self._live is not None:
            self._live.refresh()

    def pause(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    stop = pause
