"""Run the real kkui on a pseudo-terminal: what a person in a terminal sees (issue #17)."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def pty_run(argv: list[str], env: dict[str, str], cwd: Path, cols: int = 100,
            expect: int = 0) -> str:
    """Run ``argv`` on a pseudo-terminal ``cols`` wide; everything it wrote."""
    session = PtySession(argv, env, cwd, cols=cols)
    session.read_until(lambda: False, timeout=120)
    code = session.wait()
    assert code == expect, f"exit {code}"
    return session.text()


class PtySession:
    """A child on a pseudo-terminal ``cols`` × ``rows``, its output fed to a pyte screen (a
    terminal emulator: what the screen shows, scrollback included) as it is read."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, *, cols: int = 100,
                 rows: int = 40) -> None:
        import fcntl
        import pty
        import struct
        import termios

        import pyte

        size = struct.pack("HHHH", rows, cols, 0, 0)
        self.screen = pyte.HistoryScreen(cols, rows, history=2000)
        self.stream = pyte.ByteStream(self.screen)
        self.chunks: list[bytes] = []
        self.closed = False
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child: its terminal is sized before kkui asks
            fcntl.ioctl(0, termios.TIOCSWINSZ, size)
            os.chdir(cwd)
            os.execve(argv[0], argv, env)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            self.closed = True
            return False
        self.chunks.append(data)
        self.stream.feed(data)
        return True

    def read_until(self, done: Callable[[], bool], timeout: float = 30) -> bool:
        """Read until ``done()`` (checked after each chunk) or end of output; True if done."""
        end = time.monotonic() + timeout
        while not self.closed and time.monotonic() < end:
            if done():
                return True
            self._read(min(0.2, max(0.0, end - time.monotonic())))
        return done()

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def wait(self, timeout: float = 60) -> int:
        self.read_until(lambda: False, timeout=timeout)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "replace")

    def display(self) -> list[str]:
        """The screen's rows now, right-trimmed."""
        return [row.rstrip() for row in self.screen.display]

    def scrollback(self) -> list[str]:
        """Rows that scrolled off the top, oldest first, then the screen."""
        def row(line: Any) -> str:
            return "".join(line[x].data for x in range(self.screen.columns)).rstrip()

        return [row(line) for line in self.screen.history.top] + self.display()
