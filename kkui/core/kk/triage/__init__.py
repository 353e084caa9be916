"""Failure triage for kk: known causes as data (:mod:`.signatures`), the engine that reads kk's
console output in every format it has had (:mod:`.engine`), and the report in text and JSON
(:mod:`.report`).  ``kkui install``, the TUI Install screen (through
:class:`kkui.core.kk.hints.HintCollector`) and ``kkui triage`` all use this one engine."""

from kkui.core.kk.triage.engine import (
    Finding,
    Triage,
    TriageReport,
    split_lines,
    triage_lines,
    triage_text,
)
from kkui.core.kk.triage.signatures import BY_ID, GROUPS, SIGNATURES, Signature

__all__ = ["BY_ID", "GROUPS", "SIGNATURES", "Finding", "Signature", "Triage", "TriageReport",
           "split_lines", "triage_lines", "triage_text"]
