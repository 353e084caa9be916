"""What the gather scripts found, per host and per cluster: the input of the pure checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kkui.core.verify.gather import Section


@dataclass(frozen=True)
class CertInfo:
    path: str
    subject: str
    not_after: dt.datetime | None   # None: the file is not a readable certificate
    is_ca: bool = False

    def days_left(self, now: dt.datetime) -> float | None:
        if self.not_after is None:
            return None
        return (self.not_after - now).total_seconds() / 86400


@dataclass(frozen=True)
class HostFacts:
    name: str
    roles: tuple[str, ...]
    error: str | None = None               # could not connect / the script failed
    clock_offset: float | None = None      # host clock minus kkui's clock, seconds
    kubelet_server: Section | None = None
    hosts_entry: Section | None = None
    certs: tuple[CertInfo, ...] = ()
    readyz: Section | None = None

    @property
    def reachable(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class RemoteFacts:
    """Facts read through one host (``via``); ``error`` when none could be read."""

    via: str | None
    error: str | None = None
    sections: dict[str, Section] = field(default_factory=dict)
    parsed: dict[str, Any] = field(default_factory=dict)

    def json(self, name: str) -> Any:
        return self.parsed.get(name)


@dataclass(frozen=True)
class DnsFacts:
    via: str | None
    server: str | None
    error: str | None = None
    answers: tuple[str, ...] = ()
    rcode: int | None = None


@dataclass
class Facts:
    """Filled phase by phase; a phase not (yet) gathered is None."""

    hosts: dict[str, HostFacts] | None = None
    cluster: RemoteFacts | None = None
    etcd: RemoteFacts | None = None
    dns: DnsFacts | None = None
    lb: Any = None             # kkui.core.lb.status.PairStatus, or an Exception
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def ready(self, reads: tuple[str, ...]) -> bool:
        return all(getattr(self, name) is not None for name in reads)
