"""What ``kkui verify`` reports: one result per (check, target), and their summary.

The JSON shape is a contract for scripts (README: ``kkui verify --json``):
``{"checks": [{"id", "target", "status", "detail", "fix"}], "summary": {"pass", "warn",
"fail", "error"}}``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from kkui.i18n import _, ngettext

Status = Literal["pass", "warn", "fail", "error"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "error")
SEVERITY = {"pass": 0, "warn": 1, "error": 2, "fail": 3}


@dataclass(frozen=True)
class VerifyResult:
    id: str
    target: str          # a host name, "cluster", or an endpoint such as "10.0.0.10:6443"
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class VerifyReport:
    results: tuple[VerifyResult, ...]

    @property
    def summary(self) -> dict[str, int]:
        return {s: sum(1 for r in self.results if r.status == s) for s in STATUSES}

    @property
    def ok(self) -> bool:
        """No fail and no error: warnings are allowed (exit 0)."""
        return not any(r.status in ("fail", "error") for r in self.results)

    def summary_line(self) -> str:
        """``27 passed, 1 warning, 0 failed, 0 could not be checked`` (CLI and TUI alike)."""
        s = self.summary  # shown to people only: in their language (as_dict stays English)
        warnings = ngettext("{n} warning", "{n} warnings", s["warn"]).format(n=s["warn"])
        return _("{passed} passed, {warnings}, {failed} failed, {error} could not be checked"
                 ).format(passed=s["pass"], warnings=warnings, failed=s["fail"],
                          error=s["error"])

    def as_dict(self) -> dict[str, object]:
        return {"checks": [r.as_dict() for r in self.results], "summary": self.summary}

    def findings(self) -> list[str]:
        """What a verify run records in the run history (English, like every record): each
        failed check or one that could not run, and the ``certs`` check of every host whatever
        its status — ``kkui report``'s certificate calendar reads those (kkui/core/handover.py).
        The one recording of verify for the CLI, the TUI, install resume and the day-2 flows."""
        return [f"{r.id} {r.target} {r.status}: {r.detail}" for r in self.results
                if r.status in ("fail", "error") or r.id == "certs"]
