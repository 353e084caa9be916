"""A real HTTP server on 127.0.0.1 serving kk release tarballs with scripted misbehaviour."""

from __future__ import annotations

import io
import re
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FAKE_KK = Path(__file__).resolve().parents[1] / "support" / "fake_kk.py"


def make_tarball(members: dict[str, bytes] | None = None, *, symlink: str | None = None,
                 pad: int = 200_000) -> bytes:
    """A kubekey-style .tar.gz; by default holding only ``kk`` (the fake kk, padded so that
    downloads take several chunks)."""
    if members is None:
        members = {"kk": FAKE_KK.read_bytes() + b"\n#" + b"x" * pad + b"\n"}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=0) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tar.addfile(info, io.BytesIO(data))
        if symlink:
            info = tarfile.TarInfo(symlink)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    return buf.getvalue()


@dataclass
class Served:
    files: dict[str, bytes] = field(default_factory=dict)
    # per path, the behaviour of each successive request: ok | cut | trunc | 500 | norange
    # | slow (the body in ``trickle`` pieces: bytes, pause) | stall (one piece, then silence)
    # | loop (a redirect to itself) | endless (no length, bytes until the client leaves)
    # | hugelen (announces 10 GiB, then trickles the body)
    plan: dict[str, list[str]] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range)
    base: str = ""
    trickle: tuple[int, float] = (1024, 0.02)
    closed: threading.Event = field(default_factory=threading.Event)  # server shutting down
    sent: int = 0  # body bytes written by slow/stall responses


def _handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            rng = self.headers.get("Range")
            served.requests.append((self.path, rng))
            data = served.files.get(self.path)
            steps = served.plan.get(self.path, [])
            mode = steps.pop(0) if steps else "ok"
            if data is None:
                self._simple(404, b"Not Found")
                return
            if mode == "loop":
                self.send_response(302)
                self.send_header("Location", self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if mode in ("endless", "hugelen"):
                self.send_response(200)
                if mode == "hugelen":
                    self.send_header("Content-Length", str(10 << 30))
                self.end_headers()
                self.close_connection = True
                size, pause = served.trickle
                piece = b"x" * size
                try:
                    while not served.closed.wait(pause):
                        self.wfile.write(piece)
                        self.wfile.flush()
                        served.sent += size
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away
                return
            if mode == "500":
                self._simple(500, b"oops")
                return
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", rng or "")
            if match and mode != "norange":
                start = int(match.group(1))
                if start >= len(data):
                    self._simple(416, b"")
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/gzip")
            self.end_headers()
            if mode in ("cut", "trunc"):  # announce everything, send half, hang up
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if mode in ("slow", "stall"):
                self._trickle(body, stall=mode == "stall")
                return
            self.wfile.write(body)

        def _trickle(self, body: bytes, *, stall: bool) -> None:
            self.close_connection = True
            size, pause = served.trickle
            try:
                for start in range(0, len(body), size):
                    self.wfile.write(body[start:start + size])
                    self.wfile.flush()
                    served.sent += min(size, len(body) - start)
                    if stall:  # a server that goes silent mid-body (no bytes, no close)
                        served.closed.wait()
                        return
                    if served.closed.wait(pause):
                        return
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away (a cancelled download)

        def _simple(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serve() -> Iterator[Served]:
    served = Served()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.closed.set()
        server.shutdown()
        server.server_close()
