"""The SSH side of the LB life cycle: sessions to the LB hosts and ops over them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from kkui.core.config.model import Host, LoadBalancerPair
from kkui.core.lb.ops import ShellResult, SystemdLbHostOps
from kkui.core.ssh import SshError, SshSession, connect

COMMAND_TIMEOUT = 30.0


def systemd_ops(session: SshSession, lb: LoadBalancerPair) -> SystemdLbHostOps:
    """Ops for one LB host over an open session (as root: directly or through sudo)."""

    def run(command: str) -> ShellResult:
        return session.run(command, sudo=True, timeout=COMMAND_TIMEOUT)

    return SystemdLbHostOps(session.host.name, run, vip=lb.vip, interface=lb.interface)


@contextlib.contextmanager
def lb_sessions(hosts: Sequence[Host], *, strict_host_keys: bool = False,
                connect_timeout: float = 5.0) -> Iterator[list[SshSession]]:
    """One session per LB host, in order, all closed on exit; SshError if one cannot connect."""
    with contextlib.ExitStack() as stack:
        sessions = []
        for host in hosts:
            session = connect(host, strict_host_keys=strict_host_keys,
                              connect_timeout=connect_timeout)
            stack.callback(session.close)
            sessions.append(session)
        yield sessions


class UnreachableOps:
    """Stands in for a host that could not be reached: every operation re-raises why."""

    def __init__(self, name: str, error: Exception) -> None:
        self.name = name
        self.error = error

    def _fail(self) -> None:
        raise self.error

    def holds_vip(self) -> bool:
        self._fail()
        return False

    def service_state(self, service: str) -> str:
        self._fail()
        return "unknown"

    def stop_haproxy(self) -> None:
        self._fail()

    def start_haproxy(self) -> None:
        self._fail()

    def haproxy_stats(self) -> str:
        self._fail()
        return ""


@contextlib.contextmanager
def lb_ops_tolerant(lb: LoadBalancerPair, *, strict_host_keys: bool = False,
                    connect_timeout: float = 5.0
                    ) -> Iterator[list[SystemdLbHostOps | UnreachableOps]]:
    """Like ``lb_sessions`` but a host that cannot be reached becomes ``UnreachableOps``."""
    with contextlib.ExitStack() as stack:
        ops: list[SystemdLbHostOps | UnreachableOps] = []
        for host in lb.hosts:
            try:
                session = connect(host, strict_host_keys=strict_host_keys,
                                  connect_timeout=connect_timeout)
            except SshError as exc:
                ops.append(UnreachableOps(host.name, exc))
                continue
            stack.callback(session.close)
            ops.append(systemd_ops(session, lb))
        yield ops
