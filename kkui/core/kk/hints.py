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
from kkui.i18n import L_


@dataclass(frozen=True)
class Hint:
    key: str  # the signature id (``kkui triage --json`` findings[].id)
    title: str  # L_ messages: English as str, shown translated with kkui.i18n.shown()
    text: str
    live: bool = False  # worth showing while kk still runs (it may hang forever)


def hint_of(sig: Signature, zone_cn: bool = False) -> Hint:
    return Hint(sig.id, L_(sig.title), L_("{cause} Fix: {fix}", cause=L_(sig.cause),
                                          fix=L_(sig.fix_for(zone_cn))), sig.live)


def hint_of_finding(finding: Finding) -> Hint:
    cause, fix = L_(finding.cause), L_(finding.fix)  # a Finding read from JSON has plain str
    if finding.hosts:
        text = L_("{cause} (hosts: {hosts}) Fix: {fix}", cause=cause,
                  hosts=", ".join(finding.hosts), fix=fix)
    else:
        text = L_("{cause} Fix: {fix}", cause=cause, fix=fix)
    return Hint(finding.id, L_(finding.title), text, BY_ID[finding.id].live)


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
