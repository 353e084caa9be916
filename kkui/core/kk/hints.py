"""Failure hints while kk runs and at its end: a thin view of the triage engine.

``kkui install`` and the TUI Install screen feed every event to a :class:`HintCollector`; it
passes kk's lines to :class:`kkui.core.kk.triage.Triage`, so the hints they show are the
findings ``kkui triage`` prints for the same log (one engine, one signature registry:
``kkui/core/kk/triage/signatures.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kkui.core.kk.events import KkEvent, PipelineFailed, RawLine
from kkui.core.kk.triage import BY_ID, SIGNATURES, Finding, Signature, Triage, TriageReport
from kkui.core.kk.triage.engine import unglue


@dataclass(frozen=True)
class Hint:
    key: str  # the signature id (``kkui triage --json`` findings[].id)
    title: str
    text: str
    live: bool = False  # worth showing while kk still runs (it may hang forever)


def hint_of(sig: Signature, zone_cn: bool = False) -> Hint:
    return Hint(sig.id, sig.title, f"{sig.cause} Fix: {sig.fix_for(zone_cn)}", sig.live)


def hint_of_finding(finding: Finding) -> Hint:
    hosts = f" (hosts: {', '.join(finding.hosts)})" if finding.hosts else ""
    return Hint(finding.id, finding.title, f"{finding.cause}{hosts} Fix: {finding.fix}",
                BY_ID[finding.id].live)


HINTS: dict[str, Hint] = {sig.id: hint_of(sig) for sig in SIGNATURES}


def match_hints(text: str, zone: str | None = None) -> list[Hint]:
    """The hints whose signature occurs in ``text`` (a line or a whole log), most likely
    first, as ``kkui triage`` would rank them."""
    engine = Triage(zone)
    engine.feed_text(text)
    report = engine.report()
    if report.outcome == "success":  # the report drops findings of a finished install
        return [hint_of(BY_ID[sid], engine.zone_cn) for sid in engine.matches]
    return [hint_of_finding(f) for f in report.findings]


class HintCollector:
    """Watches the event stream; remembers which hints kk's output triggered.

    ``zone`` is the KKZONE kk runs with: advice to switch to the cn zone is never given to an
    install that already uses it.
    """

    def __init__(self, zone: str | None = None) -> None:
        self.triage = Triage(zone)
        self.seen: list[Hint] = []
        self.failure: PipelineFailed | None = None

    def feed(self, event: KkEvent) -> list[Hint]:
        """Returns hints seen for the first time with this event."""
        if isinstance(event, PipelineFailed):
            self.failure = event  # its lines came as RawLine events already
            return []
        if not isinstance(event, RawLine):
            return []
        new: list[Hint] = []
        for part in unglue(event.text):
            for sig in self.triage.feed_line(part):
                hint = hint_of(sig, self.triage.zone_cn)
                if hint not in self.seen:
                    self.seen.append(hint)
                    new.append(hint)
        return new

    def report(self) -> TriageReport:
        """What ``kkui triage`` would print for the output seen so far."""
        return self.triage.report()

    def best(self, limit: int = 2) -> list[Hint]:
        """The findings for the summary, most likely first (the triage report's order)."""
        return [hint_of_finding(f) for f in self.report().findings[:limit]]
