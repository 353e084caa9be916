"""Run the real kkui on a pseudo-terminal: what a person in a terminal sees (issue #17)."""

from __future__ import annotations

import os
from pathlib import Path


def pty_run(argv: list[str], env: dict[str, str], cwd: Path, cols: int = 100,
            expect: int = 0) -> str:
    """Run ``argv`` on a pseudo-terminal ``cols`` wide; everything it wrote."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    size = struct.pack("HHHH", 40, cols, 0, 0)
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child: its terminal is cols wide before kkui asks
        fcntl.ioctl(0, termios.TIOCSWINSZ, size)
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code == expect, f"exit {code}"
    return b"".join(chunks).decode("utf-8", "replace")
