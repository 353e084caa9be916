"""The test suite's network fence: no test may open a connection outside loopback.

``install()`` wraps ``socket.socket.connect``/``connect_ex`` (and ``socket.create_connection``,
which resolves names first) so that a connection to an address outside

- ``127.0.0.0/8`` and ``::1`` (and ``::ffff:127.0.0.0/104``),
- the subnets a namespace lab registered with ``allow_network()`` while it exists,

raises ``OutsideNetworkError`` *before* the system call, so not one packet leaves.  Every
blocked attempt is also recorded: the autouse fixture in ``tests/conftest.py`` fails the test
afterwards even when the code under test caught the error (kkui turns OSErrors into "no route"
reports, which could otherwise pass).  ``OutsideNetworkError`` is deliberately not an
``OSError`` for the same reason.  Non-IP sockets (AF_UNIX, AF_NETLINK) are not fenced.  Host
names other than ``localhost`` are refused without being resolved (fail closed: resolving could
itself send a DNS query).

What is covered: everything in the pytest process (paramiko, httpx/httpcore, asyncio, threads,
including sockets made inside a lab namespace thread), and Python subprocesses started with
``subprocess_env()`` (the ``kkui_env`` fixture does): their ``PYTHONPATH`` starts with
``tests/support/netguard_site``, whose ``sitecustomize`` installs the same fence from
``KKUI_TEST_NETGUARD`` (allowed networks) and appends what it blocked to the parent's
``KKUI_TEST_NETGUARD_LOG``, so the test fails however the subprocess handled it.
What is not: non-Python programs the tests start (sshd, haproxy, keepalived, tmux, the
``ip netns exec`` helpers), which only ever run on loopback or inside the lab namespaces, where
the root namespace's ``unreachable`` route of the lab subnet keeps their packets in; and Python
subprocesses started with an environment of their own (e.g. inside tmux, or the fake kk);
``sendto`` on an unconnected UDP socket; and name lookups by ``getaddrinfo`` (kkui resolves a
host row's address before connecting: the connect to the result is fenced, the lookup is not —
test configs use IP addresses).
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

ENV = "KKUI_TEST_NETGUARD"
LOG_ENV = "KKUI_TEST_NETGUARD_LOG"  # a subprocess appends its blocked attempts here
SITE_DIR = Path(__file__).resolve().parent / "netguard_site"
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"),
            ipaddress.ip_network("::ffff:127.0.0.0/104"))
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

_lock = threading.Lock()
_allowed: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
_violations: list[str] = []
_originals: dict[str, Any] = {}
_log: list[Path] = []  # the parent's file for its subprocesses' blocked attempts


class OutsideNetworkError(AssertionError):
    """A test tried to connect outside loopback and its own namespaces."""


def allow_network(cidr: str) -> None:
    """A namespace lab's subnet (unreachable from the root namespace) while the lab exists."""
    with _lock:
        _allowed.append(ipaddress.ip_network(cidr, strict=False))


def forbid_network(cidr: str) -> None:
    with _lock:
        net = ipaddress.ip_network(cidr, strict=False)
        if net in _allowed:
            _allowed.remove(net)


def allowed_networks() -> list[str]:
    with _lock:
        return [str(n) for n in _allowed]


def _log_path() -> Path:
    if not _log:
        fd, name = tempfile.mkstemp(prefix="kkui-netguard-", suffix=".log")
        os.close(fd)
        _log.append(Path(name))
        atexit.register(_log[0].unlink, missing_ok=True)
    return _log[0]


def take_violations() -> list[str]:
    """The blocked attempts since the last call, this process's and its fenced
    subprocesses' (and forget them)."""
    with _lock:
        found = list(_violations)
        _violations.clear()
        if _log and _log[0].exists():
            found += [f"(in a subprocess) {line}" for line in
                      _log[0].read_text(errors="replace").splitlines() if line]
            _log[0].write_text("")
        return found


def is_allowed(host: str) -> bool:
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False  # a name: never resolved here
    with _lock:
        nets = [*LOOPBACK, *_allowed]
    return any(ip.version == n.version and ip in n for n in nets)


def _check(family: int, address: Any) -> None:
    if family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = str(address[0]) if isinstance(address, tuple) and address else str(address)
    if not is_allowed(host):
        message = (f"network guard: a test tried to connect to {host} — tests may only reach "
                   "127.0.0.0/8, ::1 and their own namespaces (tests/support/netguard.py)")
        with _lock:
            _violations.append(message)
        log = os.environ.get(LOG_ENV)
        if log:
            with open(log, "a") as out:
                out.write(message + "\n")
        raise OutsideNetworkError(message)


def install() -> None:
    """Fence this process (idempotent)."""
    if _originals:
        return
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    create_connection = socket.create_connection
    _originals.update(connect=connect, connect_ex=connect_ex,
                      create_connection=create_connection)

    def guarded_connect(self: socket.socket, address: Any) -> None:
        _check(self.family, address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        _check(self.family, address)
        return connect_ex(self, address)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _check(socket.AF_INET, address)  # checked before the name is resolved
        return create_connection(address, *args, **kwargs)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.create_connection = guarded_create_connection


def uninstall() -> None:
    if not _originals:
        return
    socket.socket.connect = _originals.pop("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = _originals.pop("connect_ex")  # type: ignore[method-assign]
    socket.create_connection = _originals.pop("create_connection")


def install_from_env() -> None:
    """In a subprocess: the allowed networks come from ``KKUI_TEST_NETGUARD``."""
    spec = os.environ.get(ENV)
    if spec is None:
        return
    for cidr in filter(None, spec.split(",")):
        allow_network(cidr)
    install()


def subprocess_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a Python subprocess, fenced the same way (at its start-up)."""
    paths = [str(SITE_DIR), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return {**env, "PYTHONPATH": os.pathsep.join(paths), ENV: ",".join(allowed_networks()),
            LOG_ENV: str(_log_path())}
