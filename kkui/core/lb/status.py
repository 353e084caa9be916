"""Per-LB state (services, VIP, backends) and the pair's verdict: one holder, none, or two."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from functools import partial
from typing import Literal

from kkui.core.config.model import ClusterModel
from kkui.core.errors import KkuiError, message_of
from kkui.core.lb.ops import LbHostOps
from kkui.core.lb.render import APISERVER_PORT, BACKEND
from kkui.core.sanitize import for_display
from kkui.core.ssh.messages import displayable
from kkui.i18n import L_, joined

Verdict = Literal["ok", "no-holder", "split-brain", "unreachable"]


@dataclass(frozen=True)
class BackendState:
    name: str
    address: str
    status: str  # haproxy's words: UP, DOWN, "UP 1/2", "DOWN 1/3", MAINT, no check ...

    @property
    def up(self) -> bool:
        return self.status.startswith("UP") or self.status == "no check"


@dataclass(frozen=True)
class HostStatus:
    name: str
    haproxy: str = "unknown"
    keepalived: str = "unknown"
    holds_vip: bool | None = None
    backends: tuple[BackendState, ...] = ()
    error: str | None = None  # why part of the state could not be read


@dataclass(frozen=True)
class PairStatus:
    vip: str
    port: int
    hosts: tuple[HostStatus, ...]
    frontend_answers: bool | None = None  # None: not probed

    @property
    def holders(self) -> list[str]:
        return [h.name for h in self.hosts if h.holds_vip]

    @property
    def verdict(self) -> Verdict:
        holders = self.holders
        if len(holders) > 1:
            return "split-brain"
        if any(h.holds_vip is None for h in self.hosts):
            return "unreachable"  # an unknown host could hold the VIP too
        return "ok" if holders else "no-holder"

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def as_dict(self) -> dict[str, object]:
        return {"vip": self.vip, "port": self.port, "verdict": self.verdict,
                "holders": self.holders, "frontend_answers": self.frontend_answers,
                "hosts": [{**asdict(h), "backends": [{**asdict(b), "up": b.up}
                                                      for b in h.backends]}
                          for h in self.hosts]}


def parse_show_stat(text: str, backend: str = BACKEND) -> tuple[BackendState, ...]:
    """The servers of ``backend`` from haproxy's ``show stat`` CSV (header ``# pxname,...``)."""
    lines = text.lstrip().splitlines()
    if not lines or not lines[0].startswith("# "):
        raise KkuiError(L_("haproxy's stats output has no CSV header"))
    rows = csv.DictReader(io.StringIO("\n".join([lines[0][2:], *lines[1:]])))
    return tuple(
        BackendState(name=row["svname"], address=row.get("addr") or "", status=row["status"])
        for row in rows
        if row.get("pxname") == backend and row.get("svname") not in ("FRONTEND", "BACKEND")
    )


def host_status(ops: LbHostOps, addresses: Mapping[str, str] | None = None) -> HostStatus:
    """Everything readable about one LB; failures become ``error`` instead of exceptions.

    haproxy shows server addresses only on an admin-level socket; ``addresses`` (server name →
    ``ip:port`` from the model) fills them in.
    """
    errors: list[str] = []
    haproxy = keepalived = "unknown"
    holds: bool | None = None
    backends: tuple[BackendState, ...] = ()
    try:
        haproxy = ops.service_state("haproxy")
        keepalived = ops.service_state("keepalived")
        holds = ops.holds_vip()
    except (KkuiError, OSError) as exc:
        errors.append(message_of(exc))
    if haproxy == "active":
        try:
            backends = tuple(
                replace(b, address=b.address or (addresses or {}).get(b.name, ""))
                for b in parse_show_stat(ops.haproxy_stats()))
        except (KkuiError, OSError) as exc:
            errors.append(message_of(exc))
    return HostStatus(ops.name, haproxy, keepalived, holds, backends,
                      joined("; ", errors) if errors else None)


def _host_status_or_error(ops: LbHostOps,
                          addresses: Mapping[str, str] | None) -> HostStatus:
    """Any unexpected error of one host's worker is that host's error, never the whole
    command's traceback (issue #10, item 2).  Only the type is shown: the text may come from
    the host."""
    try:
        state = host_status(ops, addresses)
    except Exception as exc:  # noqa: BLE001
        return HostStatus(ops.name, "unknown", "unknown", None, (),
                          L_("reading this host failed unexpectedly ({error})",
                             error=type(exc).__name__))
    # what the host printed is shown: no terminal control sequences (issue #10, item 8)
    clean = partial(for_display, newlines=False)
    return replace(state, haproxy=clean(state.haproxy), keepalived=clean(state.keepalived),
                   error=displayable(state.error, newlines=False) if state.error
                   else state.error,
                   backends=tuple(replace(b, name=clean(b.name), address=clean(b.address),
                                          status=clean(b.status)) for b in state.backends))


def collect_status(hosts: Sequence[LbHostOps], *, vip: str, port: int,
                   probe: Callable[[], bool] | None = None,
                   addresses: Mapping[str, str] | None = None) -> PairStatus:
    """Query every LB in parallel (plus an optional VIP:port probe from the client side)."""
    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        states = tuple(pool.map(lambda ops: _host_status_or_error(ops, addresses), hosts))
    return PairStatus(vip=vip, port=port, hosts=states,
                      frontend_answers=probe() if probe else None)


def backend_addresses(model: ClusterModel) -> dict[str, str]:
    """Server name → ``ip:6443`` as the rendered haproxy.cfg lists them."""
    return {h.name: f"{h.internal_ipv4}:{APISERVER_PORT}" for h in model.control_plane_hosts}
