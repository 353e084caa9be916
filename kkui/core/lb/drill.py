"""The failover drill: stop haproxy on the VIP holder and time how long the API is gone.

A small state machine over ``LbHostOps`` (how to reach the hosts) and a probe (how to test
VIP:port from the client side), so the same code runs over SSH and in the test lab.
Haproxy is always started again, also on errors and Ctrl-C.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kkui.core.errors import KkuiError, message_of
from kkui.core.lb.ops import LbHostOps
from kkui.i18n import L_, joined, listed

Probe = Callable[[], bool]


class DrillRefused(KkuiError):
    """The pair is not healthy enough to drill; nothing was changed."""


@dataclass(frozen=True)
class TimelineEvent:
    wall: float  # time.time() of the observation
    offset: float  # seconds since the drill started
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"time": self.wall, "offset": round(self.offset, 3), "event": self.text}


@dataclass
class DrillReport:
    holder: str
    new_holder: str | None = None
    outage: float | None = None  # haproxy stopped → VIP:port answers again via the peer
    vip_moved_after: float | None = None
    error: str | None = None
    events: list[TimelineEvent] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.outage is not None

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "holder": self.holder, "new_holder": self.new_holder,
                "outage_seconds": None if self.outage is None else round(self.outage, 3),
                "vip_moved_after_seconds":
                    None if self.vip_moved_after is None else round(self.vip_moved_after, 3),
                "error": self.error, "timeline": [e.as_dict() for e in self.events]}


def find_holders(hosts: Sequence[LbHostOps]) -> list[str]:
    return [h.name for h in hosts if h.holds_vip()]


class _Clock:
    def __init__(self, on_event: Callable[[TimelineEvent], None] | None) -> None:
        self.start = time.monotonic()
        self.events: list[TimelineEvent] = []
        self.on_event = on_event

    def now(self) -> float:
        return time.monotonic() - self.start

    def note(self, text: str) -> float:
        offset = self.now()
        event = TimelineEvent(time.time(), offset, text)
        self.events.append(event)
        if self.on_event:
            self.on_event(event)
        return offset


def run_drill(hosts: Sequence[LbHostOps], probe: Probe, *, target: str, timeout: float = 60.0,
              poll_interval: float = 0.1,
              on_event: Callable[[TimelineEvent], None] | None = None) -> DrillReport:
    """Run the drill and return its timeline; raises ``DrillRefused`` before changing anything.

    ``target`` names what ``probe`` connects to (``VIP:port``) for the timeline's wording.
    """
    if len(hosts) < 2:
        raise DrillRefused(L_("the drill needs at least two LB hosts"))
    holders = find_holders(hosts)
    if len(holders) != 1:
        state = L_("no LB holds the VIP") if not holders else \
            L_("the VIP is held by {hosts} (split brain)", hosts=", ".join(holders))
        raise DrillRefused(L_("{state}; fix that first (`kkui lb status` shows why)",
                              state=state))
    if not probe():
        raise DrillRefused(L_("{target} does not answer before the drill; fix that first "
                              "(`kkui lb status` shows the backends)", target=target))
    holder = next(h for h in hosts if h.name == holders[0])
    peers = [h for h in hosts if h is not holder]
    unready = _unready(peers)
    if len(unready) == len(peers):
        # Otherwise the drill itself would take the API down for its whole timeout.
        raise DrillRefused(L_("no LB can take the VIP over from {host}: {why}; start them "
                              "first (`kkui lb status`)", host=holder.name,
                              why=joined("; ", unready)))
    clock = _Clock(on_event)
    clock.note(L_("{host} holds the VIP and {target} answers", host=holder.name, target=target))
    report = DrillReport(holder=holder.name, events=clock.events)
    try:
        holder.stop_haproxy()
        stopped = clock.note(L_("haproxy stopped on {host}", host=holder.name))
        _watch_failover(peers, probe, target, clock, report, stopped, timeout, poll_interval)
        if report.outage is not None:
            report.outage -= stopped
        if report.vip_moved_after is not None:
            report.vip_moved_after -= stopped
    except KkuiError as exc:
        report.error = message_of(exc)
    finally:
        try:
            holder.start_haproxy()
            clock.note(L_("haproxy started again on {host}", host=holder.name))
        except KkuiError as exc:
            clock.note(L_("could not start haproxy on {host}: {error}", host=holder.name,
                          error=message_of(exc)))
            report.error = report.error or L_("haproxy on {host} did not start again: {error}",
                                              host=holder.name, error=message_of(exc))
    return report


def _unready(peers: Sequence[LbHostOps]) -> list[str]:
    """Peers whose haproxy or keepalived is not active: they cannot take the VIP."""
    unready: list[str] = []
    for peer in peers:
        states = {s: peer.service_state(s) for s in ("haproxy", "keepalived")}
        down = [L_("{service} is {state}", service=s, state=state)
                for s, state in states.items() if state != "active"]
        if down:
            unready.append(L_("on {host} {services}", host=peer.name,
                              services=listed(down)))
    return unready


def _watch_failover(peers: Sequence[LbHostOps], probe: Probe, target: str, clock: _Clock,
                    report: DrillReport, stopped: float, timeout: float,
                    poll_interval: float) -> None:
    failed_seen = False
    while clock.now() < stopped + timeout:
        if report.new_holder is None:
            for peer in peers:
                if peer.holds_vip():
                    report.new_holder = peer.name
                    report.vip_moved_after = clock.note(L_("VIP moved to {host}",
                                                           host=peer.name))
                    break
        answers = probe()
        if not answers and not failed_seen:
            failed_seen = True
            clock.note(L_("{target} stopped answering", target=target))
        if answers and report.new_holder is not None:
            report.outage = clock.note(L_("{target} answers again via {host}", target=target,
                                          host=report.new_holder))
            return
        time.sleep(poll_interval)
    if report.new_holder:
        report.error = L_("the VIP moved to {host} but {target} still does not answer after "
                          "{seconds:g} s", host=report.new_holder, target=target,
                          seconds=timeout)
    else:
        report.error = L_("the VIP did not move and {target} still does not answer after "
                          "{seconds:g} s", target=target, seconds=timeout)
    clock.note(report.error)
