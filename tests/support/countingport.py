"""A loopback port that accepts TCP connections, counts them and hangs up at once.

Stands in for a dead SSH host whose connection attempts a test wants to count: every connect
is one ``accept()`` here, and paramiko's handshake then fails at once (no SSH banner), as it
does against a host whose sshd is gone but whose port answers.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class CountingPort:
    def __init__(self, address: str) -> None:
        self._listener = socket.socket()
        self._listener.bind((address, 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.address, self.port = self._listener.getsockname()[:2]
        self._count = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def attempts(self) -> int:
        with self._lock:
            return self._count

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._count += 1
            conn.close()

    def __enter__(self) -> CountingPort:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
