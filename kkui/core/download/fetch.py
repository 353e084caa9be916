"""Stream one file over HTTP(S) into a ``.part`` file: retries with backoff, resume by Range.

A ``cancel`` event stops a download between chunks, during a backoff pause, or while a read
is blocked on a silent server; the ``.part`` file stays for the next run to resume.

A download server is untrusted (issue #10, items 12, 17, 19): the size is capped (an announced
``Content-Length`` above the cap is refused before any byte is written; a body that grows past
it is cut and removed), the whole download has a deadline, an attempt slower than a minimum
rate is abandoned (a slow-drip server), and a redirect loop is a one-line error.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from kkui.core.errors import KkuiError
from kkui.i18n import L_

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class DownloadError(KkuiError):
    """The file could not be fetched (the message says why and what to try)."""


class NotFoundError(DownloadError):
    def __init__(self, url: str) -> None:
        super().__init__(L_("{url} was not found (HTTP 404)", url=url))
        self.url = url


class DownloadCancelled(KkuiError):
    """The operator cancelled the download; the ``.part`` file is kept for a resume."""

    exit_code = 130

    def __init__(self, url: str, part: Path) -> None:
        size = part.stat().st_size if part.exists() else 0
        super().__init__(L_("download of {url} cancelled{kept}", url=url,
                            kept=_kept(size, part)))
        self.url = url
        self.part = part
        self.kept = size


def _kept(size: int, part: Path) -> str:
    return L_("; {size} bytes kept in {part}, the next run resumes from there", size=size,
              part=str(part)) if size else ""


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


# A kk release tarball is ~40 MB (kk v3.1.12: 37 MB for linux-amd64); five times that is not kk.
MAX_DOWNLOAD = 200 * 1024 * 1024


@dataclass(frozen=True)
class FetchPolicy:
    attempts: int = 5
    backoff: float = 1.0  # first pause; doubles each retry
    max_backoff: float = 20.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_bytes: int = MAX_DOWNLOAD
    deadline: float = 30 * 60.0  # the whole download, all attempts and pauses included
    min_rate: float = 4096.0  # bytes/s over ``rate_window``: slower attempts are abandoned
    rate_window: float = 60.0
    max_redirects: int = 10


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
    deadline = time.monotonic() + policy.deadline
    with httpx.Client(follow_redirects=True, timeout=timeout,
                      max_redirects=policy.max_redirects,
                      headers={"User-Agent": "kkui", "Accept-Encoding": "identity"}) as client:
        for attempt in range(1, policy.attempts + 1):
            _stop_if_cancelled(cancel, url, part)
            _stop_if_late(deadline, policy, url, part)
            limits = _Limits(policy, deadline)
            try:
                _attempt(client, url, part, attempt, on_progress, cancel, limits)
                return part
            except (httpx.TransportError, _Retryable) as exc:
                _stop_if_cancelled(cancel, url, part)  # the error may be our own abort
                _stop_if_late(deadline, policy, url, part)
                last = exc if limits.why != "slow" else _Retryable(L_(
                    "the server sent less than {rate:g} bytes/s for {seconds:g} s",
                    rate=policy.min_rate, seconds=policy.rate_window))
            except httpx.TooManyRedirects:
                raise DownloadError(L_("{url}: more than {count} redirects (a redirect loop?); "
                                       "check --base-url or the mirror", url=url,
                                       count=policy.max_redirects)) from None
            except httpx.HTTPError as exc:  # anything else httpx refuses (bad URL, headers)
                raise DownloadError(f"{url}: {type(exc).__name__}: {exc}") from None
            if attempt < policy.attempts:
                delay = min(policy.backoff * 2 ** (attempt - 1), policy.max_backoff,
                            max(0.0, deadline - time.monotonic()))
                if cancel is None:
                    sleep(delay)
                elif cancel.wait(delay):
                    raise DownloadCancelled(url, part)
    size = part.stat().st_size if part.exists() else 0
    raise DownloadError(L_("downloading {url} failed after {attempts} attempts: {why}{kept}",
                           url=url, attempts=policy.attempts, why=_describe(last),
                           kept=_kept(size, part)))


def _describe(exc: Exception | None) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return L_("timed out")
    if isinstance(exc, httpx.ConnectError):
        return L_("cannot connect ({error})", error=str(exc))
    if isinstance(exc, _Retryable) and len(exc.args) == 1:
        return str(exc.args[0]) if not isinstance(exc.args[0], L_) else exc.args[0]
    return str(exc) or type(exc).__name__


def _stop_if_cancelled(cancel: threading.Event | None, url: str, part: Path) -> None:
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(url, part)


def _stop_if_late(deadline: float, policy: FetchPolicy, url: str, part: Path) -> None:
    if time.monotonic() < deadline:
        return
    size = part.stat().st_size if part.exists() else 0
    raise DownloadError(L_("downloading {url} did not finish within {seconds:g} s (the server "
                           "is too slow){kept}; try again, or use --base-url / --zone for "
                           "another mirror", url=url, seconds=policy.deadline,
                           kept=_kept(size, part)))


class _Limits:
    """What one attempt may take: the overall deadline and the minimum rate.  A watcher
    thread checks both (a read blocked on a slow-drip server never returns to the loop)."""

    def __init__(self, policy: FetchPolicy, deadline: float) -> None:
        self.policy = policy
        self.deadline = deadline
        self.received = 0  # bytes of this attempt, updated by the reading thread
        self.why = ""      # set by the watcher when it stopped the attempt

    def check(self, now: float, samples: list[tuple[float, int]]) -> str:
        if now >= self.deadline:
            return "deadline"
        samples.append((now, self.received))
        window = self.policy.rate_window
        while len(samples) > 2 and samples[1][0] <= now - window:
            samples.pop(0)
        first_time, first_bytes = samples[0]
        if now - first_time >= window and \
                (self.received - first_bytes) / (now - first_time) < self.policy.min_rate:
            return "slow"
        return ""


@contextlib.contextmanager
def _abort_reads_on(cancel: threading.Event | None, response: httpx.Response,
                    limits: _Limits | None = None) -> Iterator[None]:
    """A read blocked on a silent (or slow-drip) server never gets back to the loop that
    checks ``cancel`` and the limits: a watcher shuts the socket down, which wakes the read at
    once (an error or an EOF)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if (cancel is None and limits is None) or not isinstance(sock, socket.socket):
        yield
        return
    done = threading.Event()
    samples: list[tuple[float, int]] = []

    def watch() -> None:
        while not done.wait(0.05):
            why = limits.check(time.monotonic(), samples) if limits is not None else ""
            if why and limits is not None:
                limits.why = why
            if why or (cancel is not None and cancel.is_set()):
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
             cancel: threading.Event | None = None, limits: _Limits | None = None) -> None:
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    with client.stream("GET", url, headers=headers) as response, \
            _abort_reads_on(cancel, response, limits):
        status = response.status_code
        if status == 404:
            raise NotFoundError(url)
        if status == 416:  # our .part is not a prefix of this file: start over
            part.unlink(missing_ok=True)
            raise _Retryable(L_("server refused to resume (HTTP 416); starting again"))
        if status >= 500:
            raise _Retryable(L_("server error HTTP {status} {reason}", status=status,
                                reason=response.reason_phrase))
        if status >= 400:
            raise DownloadError(f"{url}: HTTP {status} {response.reason_phrase}")
        total: int | None
        if offset and status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != offset:
                part.unlink(missing_ok=True)
                raise _Retryable(L_("server answered the resume with a different range"))
            total = None if match.group(3) == "*" else int(match.group(3))
            mode = "ab"
        else:  # 200: full body (a server without Range support, or a fresh start)
            offset = 0
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        cap = limits.policy.max_bytes if limits is not None else None
        if cap is not None and total is not None and total > cap:
            part.unlink(missing_ok=True)
            raise DownloadError(L_("{url}: the server announces {total} bytes; a kk release "
                                   "tarball is about 40 MB, kkui refuses more than {cap} bytes",
                                   url=url, total=total, cap=cap))
        part.parent.mkdir(parents=True, exist_ok=True)
        received = offset
        started = time.monotonic()
        last_report = 0.0
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if mode == "ab"
                                                             else os.O_TRUNC)
        with os.fdopen(os.open(part, flags, 0o600), "wb") as out:  # never through a link
            # Raw bytes as they arrive: what a cut connection delivered is kept for the resume
            # (Range offsets count bytes on the wire; identity encoding makes them file bytes).
            for chunk in response.iter_raw():
                out.write(chunk)
                received += len(chunk)
                if limits is not None:
                    limits.received = received - offset
                if cap is not None and received > cap:
                    break
                if cancel is not None and cancel.is_set():
                    break
                now = time.monotonic()
                if on_progress is not None and now - last_report >= 0.1:
                    last_report = now
                    on_progress(_progress(received, total, offset, started, now, attempt))
        # After the file is closed (all bytes kept); also catches the EOF of our own abort,
        # which must not pass for a complete body when the server gave no length.
        _stop_if_cancelled(cancel, url, part)
        if cap is not None and received > cap:
            part.unlink(missing_ok=True)
            raise DownloadError(L_("{url}: the server sent more than {cap} bytes; a kk "
                                   "release tarball is about 40 MB: refused and removed",
                                   url=url, cap=cap))
        if limits is not None and limits.why:  # the watcher cut the body (slow, or late)
            raise _Retryable(limits.why)
        if total is not None and received < total:
            raise _Retryable(L_("connection closed after {received} of {total} bytes",
                                received=received, total=total))
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
