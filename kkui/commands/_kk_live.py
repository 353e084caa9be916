"""The live status line of ``kkui install`` and the day-2 kk commands (issue #17), drawn ABOVE
kk's newest lines.

A rich ``Live`` region holds the status line (stage, module, elapsed, hosts done/failed) and,
under it, a window of kk's newest lines. When a kk line no longer fits the window, the oldest
one is printed into the scrollback above the region. So the screen reads, top to bottom: older
kk lines, the status line, the newest kk lines -- the status line sits right above what kk is
saying now, and every line ends up in the scrollback in kk's order (the window is flushed
below the region when it closes). The region is redrawn 4 times a second, so the elapsed time
ticks while kk is silent.

Why a window and not a status line pinned at the bottom (rich's default): the issue asks for
the line above the stream, and a line whose place moves with every kk line is hard to read;
in the region both the line and the newest kk lines stay put while older lines scroll away.

The window is measured in terminal rows (a kk line wider than the terminal wraps and counts
for its rows), at most a third of the terminal's height, so the region always fits and rich
never has to crop it. The status line itself never wraps: it is cut with an ellipsis.

Only on a terminal (:func:`kkui.commands.console.is_live`: ``NO_COLOR`` keeps the redraw
without colour; pipes and ``TERM=dumb`` get plain lines from the callers, no region at all).

kk's ``[yes/no]:`` prompt has no newline and waits for the operator: the region is taken down
(its kk lines flushed first, so the prompt follows them) while it waits and comes back with
the next line. Ctrl-C: the callers stop the region before their summary, and an exit by any
other path stops it from ``atexit``, so the cursor is never left hidden.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from kkui.commands.console import styled
from kkui.i18n import _, shown

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.live import Live
    from rich.text import Text

    from kkui.core.kk.stages import InstallProgress

# most rows of kk lines under the status line; at most a third of the terminal's height
WINDOW_ROWS = 12


def status_text(progress: InstallProgress, operation: str = "") -> Text:
    """``kkui stage 8/14 etcd · ETCDConfigureModule · 42% · 03:12 · hosts: 2 done, 1 failed``;
    with ``operation`` (a day-2 kk command, whose stages kkui does not table):
    ``kkui kk delete node · DeleteNodeModule · 00:42 · hosts: ...``"""
    from kkui.core.kk.stages import format_elapsed

    rows = [r for name, r in progress.hosts.items() if name != "LocalHost"]
    if operation:
        parts = [f"kk {operation}", progress.module or _("starting"),
                 format_elapsed(progress.elapsed)]
        line = "kkui " + " · ".join(parts)
    else:
        line = "kkui " + shown(progress.status_line())
    if rows:
        done = sum(r.status == "success" for r in rows)
        failed = sum(r.status == "failed" for r in rows)
        line += _(" · hosts: {done} done, {failed} failed").format(done=done, failed=failed)
    return styled(line, "bold cyan")


class Current:
    """Calls ``make`` at every refresh, so the line is current without an event."""

    def __init__(self, make: Callable[[], Text]) -> None:
        self.make = make

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = self.make()
        text.no_wrap = True
        text.overflow = "ellipsis"
        yield text


class Region:
    """The live region: the status line, then the window of kk's newest lines."""

    def __init__(self, make: Callable[[], Text], window: deque[Text]) -> None:
        self.status = Current(make)
        self.window = window

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.status
        yield from tuple(self.window)  # a snapshot: kk's thread appends while rich draws


class LiveStatus:
    """``print`` adds a kk line under the status line (the oldest spill into the scrollback
    above); ``pause`` takes the region down (a prompt); ``stop`` at the end. Both flush the
    window first, so every line lands in the scrollback once and in order.

    Redraws are coalesced: a line arriving within ``DRAW_EVERY`` of the last redraw only joins
    the window (and the lines it pushes out wait in ``pending``); rich's refresh thread draws
    them -- pending lines above the region, then the region -- at its next tick. A burst of
    kk lines therefore costs a few redraws a second, not one per line."""

    DRAW_EVERY = 0.1  # seconds

    def __init__(self, con: Console, make: Callable[[], Text]) -> None:
        self.con = con
        self.make = make
        self.window: deque[Text] = deque()
        self._rows: deque[int] = deque()  # terminal rows of each window line
        self.pending: list[Text] = []  # spilled from the window, not printed yet
        self._lock = threading.RLock()  # this thread's print() and rich's refresh thread
        self._live: Live | None = None
        self._drawn = 0.0
        self._exit_hook = False

    def print(self, text: Text) -> None:
        with self._lock:
            live = self._ensure()
            self.window.append(text)
            self._rows.append(max(1, len(text.wrap(self.con, max(1, self.con.width)))))
            budget = self._budget()
            while len(self.window) > 1 and sum(self._rows) > budget:  # the newest always stays
                self.pending.append(self.window.popleft())
                self._rows.popleft()
            if time.monotonic() - self._drawn >= self.DRAW_EVERY:
                self.draw(live)

    def _budget(self) -> int:
        return max(1, min(WINDOW_ROWS, self.con.height // 3))

    def draw(self, live: Live) -> None:
        """Pending lines above the region (printing redraws the region under them), else the
        region alone. Called by :meth:`print` and by rich's refresh thread."""
        from rich.console import Group
        from rich.live import Live

        with self._lock:
            self._drawn = time.monotonic()
            batch, self.pending = self.pending, []
            if batch:
                self.con.print(Group(*batch))
            else:
                Live.refresh(live)

    def _ensure(self) -> Live:
        if self._live is None:
            self._live = _window_live(self)
            if not self._exit_hook:  # any exit (an exception, a second Ctrl-C) shows the cursor
                atexit.register(self.stop)
                self._exit_hook = True
            self._live.start()
        return self._live

    def refresh(self) -> None:
        with self._lock:
            self.draw(self._ensure())

    def pause(self) -> None:
        """Take the region down (transient: its rows are erased; its last refresh prints the
        pending lines) and put the window's kk lines after them, in the scrollback."""
        with self._lock:
            live, self._live = self._live, None
            if live is not None:
                live.stop()
            flushed = [*self.pending, *self.window]
            self.pending.clear()
            self.window.clear()
            self._rows.clear()
            for text in flushed:
                self.con.print(text)

    stop = pause


def _window_live(owner: LiveStatus) -> Live:
    """A rich Live of the owner's region whose refresh (its thread's ticks and ``stop``) goes
    through :meth:`LiveStatus.draw`, so waiting lines are printed by the next tick."""
    from rich.live import Live

    class WindowLive(Live):
        def refresh(self) -> None:
            owner.draw(self)

    return WindowLive(Region(owner.make, owner.window), console=owner.con,
                      refresh_per_second=4, transient=True, redirect_stdout=False,
                      redirect_stderr=False)
