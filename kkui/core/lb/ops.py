"""What status and the drill need to do on one LB host, independent of how they get there.

``ShellLbHostOps`` implements everything on top of "run this shell command on the host"; the
SSH flavour adds systemd.  Tests drive the same logic with a network-namespace flavour.
"""

from __future__ import annotations

import shlex
import socket
from collections.abc import Callable
from typing import Protocol

from kkui.core.errors import KkuiError
from kkui.core.lb.render import STATS_CLI_PORT
from kkui.i18n import L_


class ShellResult(Protocol):
    @property
    def exit_status(self) -> int: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...


RunCommand = Callable[[str], ShellResult]


class LbOpsError(KkuiError):
    """A command on an LB host failed in a way the operator must look at."""


class LbHostOps(Protocol):
    """The operations the status report and the failover drill use on one LB host."""

    name: str

    def holds_vip(self) -> bool: ...
    def service_state(self, service: str) -> str: ...  # "active", "inactive", "failed" ...
    def stop_haproxy(self) -> None: ...
    def start_haproxy(self) -> None: ...
    def haproxy_stats(self) -> str: ...  # haproxy's `show stat` CSV


# bash's /dev/tcp reaches haproxy's runtime API without socat/nc on the LB host.
SHOW_STAT = ("bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port} && printf \"show stat\\n\" >&3 "
             "&& cat <&3'")


class ShellLbHostOps:
    """VIP and stats queries through a shell on the host; service control left to subclasses."""

    def __init__(self, name: str, run: RunCommand, *, vip: str, interface: str) -> None:
        self.name = name
        self._run = run
        self.vip = vip
        self.interface = interface

    def _checked(self, command: str, what: str) -> str:
        res = self._run(command)
        if res.exit_status != 0:
            detail = (res.stderr or res.stdout).strip().splitlines()
            if detail:
                raise LbOpsError(L_("{host}: {what} failed (exit {status}): {line}",
                                    host=self.name, what=what, status=res.exit_status,
                                    line=detail[-1]))
            raise LbOpsError(L_("{host}: {what} failed (exit {status})", host=self.name,
                                what=what, status=res.exit_status))
        return res.stdout

    def holds_vip(self) -> bool:
        out = self._checked(f"ip -o -4 addr show dev {shlex.quote(self.interface)}",
                            L_("listing the addresses of {interface}",
                               interface=self.interface))
        return vip_in_ip_addr_output(out, self.vip)

    def haproxy_stats(self) -> str:
        return self._checked(SHOW_STAT.format(port=STATS_CLI_PORT),
                             L_("reading haproxy's stats (runtime API on 127.0.0.1)"))

    def service_state(self, service: str) -> str:
        raise NotImplementedError

    def stop_haproxy(self) -> None:
        raise NotImplementedError

    def start_haproxy(self) -> None:
        raise NotImplementedError


class SystemdLbHostOps(ShellLbHostOps):
    """A real LB host: haproxy and keepalived are systemd services."""

    def service_state(self, service: str) -> str:
        res = self._run(f"systemctl is-active {shlex.quote(service)}")
        return res.stdout.strip() or "unknown"

    def stop_haproxy(self) -> None:
        self._checked("systemctl stop haproxy", "systemctl stop haproxy")

    def start_haproxy(self) -> None:
        self._checked("systemctl start haproxy", "systemctl start haproxy")


def vip_in_ip_addr_output(output: str, vip: str) -> bool:
    """Whether ``ip -o -4 addr show`` output lists ``vip`` (as ``inet VIP/PREFIX``)."""
    needle = f"inet {vip}/"
    return any(needle in line for line in output.splitlines())


def tcp_answers(address: str, port: int, timeout: float = 1.0) -> bool:
    """One TCP connect from this machine; True when the handshake completes."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False
