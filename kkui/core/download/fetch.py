"""Stream one file over HTTP(S) into a ``.part`` file: retries with backoff, resume by Range.

A ``cancel`` event stops a download between chunks, during a backoff pause, or while a read
is blocked on a silent server; the ``.part`` file stays for the next run to resume.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from kkui.core.errors import KkuiError

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DownloadError(KkuiError):
    """The file could not be fetched (the message says why and what to try)."""


class NotFoundError(DownloadError):
    def __init__(self, url: str) -> None:
        super().__init__(f"{url} was not found (HTTP 404)")
        self.url = url


class DownloadCancelled(KkuiError):
    """The operator cancelled the download; the ``.part`` file is kept for a resume."""

    exit_code = 130

    def __init__(self, url: str, part: Path) -> None:
        size = part.stat().st_size if part.exists() else 0
        kept = (f"; {size} bytes kept in {part}, the next run resumes from there" if size
                else "")
        super().__init__(f"download of {url} cancelled{kept}")
        self.url = url
        self.part = part
        self.kept = size


class _Retryable(Exception):
    pass


@dataclass(frozen=True)
class DownloadProgress:
    received: int  # bytes in the .part file so far (including a resumed head)
    total: int | None  # full size when the server said so
    rate: float  # bytes per second during this attempt
    eta: float | None  # seconds left, when total and rate are known
    attempt: int
    resumed_from: int = 0

    @property
    def fraction(self) -> float | None:
        return self.received / self.total if self.total else None


@dataclass(frozen=True)
class FetchPolicy:
    attempts: int = 5
    backoff: float = 1.0  # first pause; doubles each retry
    max_backoff: float = 20.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0


def fetch(url: str, part: Path, *, policy: FetchPolicy | None = None,
          on_progress: Callable[[DownloadProgress], None] | None = None,
          sleep: Callable[[float], None] = time.sleep,
          cancel: threading.Event | None = None) -> Path:
    """Download ``url`` into ``part`` and return it.  A ``part`` left by an earlier cut
    download is continued with ``Range: bytes=<size>-`` when the server supports it.

    Setting ``cancel`` (from any thread) raises :class:`DownloadCancelled` promptly; the
    backoff pauses then wait on ``cancel`` instead of calling ``sleep``."""
    policy = policy or FetchPolicy()
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    last: Exception | None = None
    with httpx.Client(follow_redirects=True, timeout=timeout,
                      headers={"User-Agent": "kkui", "Accept-Encoding": "identity"}) as client:
        for attempt in range(1, policy.attempts + 1):
            _stop_if_cancelled(cancel, url, part)
            try:
                _attempt(client, url, part, attempt, on_progress, cancel)
                return part
            except (httpx.TransportError, _Retryable) as exc:
                _stop_if_cancelled(cancel, url, part)  # the error may be our own abort
                last = exc
            if attempt < policy.attempts:
                delay = min(policy.backoff * 2 ** (attempt - 1), policy.max_backoff)
                if cancel is None:
                    sleep(delay)
                elif cancel.wait(delay):
                    raise DownloadCancelled(url, part)
    size = part.stat().st_size if part.exists() else 0
    kept = f"; {size} bytes kept in {part}, the next run resumes from there" if size else ""
    raise DownloadError(f"downloading {url} failed after {policy.attempts} attempts: "
                        f"{_describe(last)}{kept}")


def _describe(exc: Exception | None) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    return str(exc) or type(exc).__name__


def _stop_if_cancelled(cancel: threading.Event | None, url: str, part: Path) -> None:
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(url, part)


@contextlib.contextmanager
def _abort_reads_on(cancel: threading.Event | None, response: httpx.Response) -> Iterator[None]:
    """A read blocked on a silent server never gets back to the loop that checks ``cancel``:
    a watcher shuts the socket down, which wakes the read at once (an error or an EOF)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if cancel is None or not isinstance(sock, socket.socket):
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if cancel.is_set():
                with contextlib.suppress(OSError):
                    # socket.socket's own shutdown: an SSLSocket's would drop its TLS state
                    # under the reading thread.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                return

    watcher = threading.Thread(target=watch, name="kkui-download-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _attempt(client: httpx.Client, url: str, part: Path, attempt: int,
             on_progress: Callable[[DownloadProgress], None] | None,
             cancel: threading.Event | None = None) -> None:
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    with client.stream("GET", url, headers=headers) as response, \
            _abort_reads_on(cancel, response):
        status = response.status_code
        if status == 404:
            raise NotFoundError(url)
        if status == 416:  # our .part is not a prefix of this file: start over
            part.unlink(missing_ok=True)
            raise _Retryable("server refused to resume (HTTP 416); starting again")
        if status >= 500:
            raise _Retryable(f"server error HTTP {status} {response.reason_phrase}")
        if status >= 400:
            raise DownloadError(f"{url}: HTTP {status} {response.reason_phrase}")
        total: int | None
        if offset and status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != offset:
                part.unlink(missing_ok=True)
                raise _Retryable("server answered the resume with a different range")
            total = None if match.group(3) == "*" else int(match.group(3))
            mode = "ab"
        else:  # 200: full body (a server without Range support, or a fresh start)
            offset = 0
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        part.parent.mkdir(parents=True, exist_ok=True)
        received = offset
        started = time.monotonic()
        last_report = 0.0
        with open(part, mode) as out:
            # Raw bytes as they arrive: what a cut connection delivered is kept for the resume
            # (Range offsets count bytes on the wire; identity encoding makes them file bytes).
            for chunk in response.iter_raw():
                out.write(chunk)
                received += len(chunk)
                if cancel is not None and cancel.is_set():
                    break
                now = time.monotonic()
                if on_progress is not None and now - last_report >= 0.1:
                    last_report = now
                    on_progress(_progress(received, total, offset, started, now, attempt))
        # After the file is closed (all bytes kept); also catches the EOF of our own abort,
        # which must not pass for a complete body when the server gave no length.
        _stop_if_cancelled(cancel, url, part)
        if total is not None and received < total:
            raise _Retryable(f"connection closed after {received} of {total} bytes")
        if on_progress is not None:
            on_progress(_progress(received, total, offset, started, time.monotonic(), attempt))


def _progress(received: int, total: int | None, offset: int, started: float, now: float,
              attempt: int) -> DownloadProgress:
    elapsed = max(now - started, 1e-6)
    rate = (received - offset) / elapsed
    eta = (total - received) / rate if total is not None and rate > 0 else None
    return DownloadProgress(received, total, rate, eta, attempt, offset)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
