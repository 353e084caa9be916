"""The drill's result: timeline, what was measured over time, and a verdict per expectation.

Rendered for the terminal and as Markdown (``--report FILE.md``); ``as_dict`` is the
``--json`` shape: ``{"kind", "targets", "mode", "ok", "api_outage_seconds",
"longest_write_failure_seconds", "etcd_min_healthy", "etcd_members", "verdicts": [{"expectation",
"ok", "detail"}], "timeline": [{"time", "offset", "event"}], "error"}``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from kkui.core.drill.monitor import Sample
from kkui.i18n import _, shown


@dataclass(frozen=True)
class Event:
    wall: float
    offset: float
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"time": self.wall, "offset": round(self.offset, 3), "event": self.text}

    def stamp(self) -> str:
        return time.strftime("%H:%M:%S", time.localtime(self.wall)) + \
            f".{int((self.wall % 1) * 1000):03d}"


@dataclass(frozen=True)
class Verdict:
    expectation: str
    ok: bool
    detail: str


def longest_failure(samples: list[Sample], attr: str) -> float:
    """Longest span (seconds) from the first failing sample to the next passing one."""
    longest = 0.0
    began: float | None = None
    for s in samples:
        ok = getattr(s, attr)
        if not ok and began is None:
            began = s.offset
        elif ok and began is not None:
            longest = max(longest, s.offset - began)
            began = None
    if began is not None and samples:
        longest = max(longest, samples[-1].offset - began)
    return longest


@dataclass
class DrillReport:
    kind: str
    mode: str
    targets: dict[str, str]                       # host → what was done to it
    endpoint: str
    etcd_members: int
    events: list[Event] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    error: str | None = None

    @property
    def api_outage(self) -> float:
        return longest_failure(self.samples, "api_ok")

    @property
    def write_failure(self) -> float:
        return longest_failure(self.samples, "write_ok")

    @property
    def etcd_min_healthy(self) -> int | None:
        seen = [s.etcd_healthy for s in self.samples if s.etcd_healthy is not None]
        return min(seen) if seen else None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.verdicts) and all(v.ok for v in self.verdicts)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "mode": self.mode, "targets": self.targets,
                "endpoint": self.endpoint, "ok": self.ok,
                "api_outage_seconds": round(self.api_outage, 1),
                "longest_write_failure_seconds": round(self.write_failure, 1),
                "etcd_min_healthy": self.etcd_min_healthy, "etcd_members": self.etcd_members,
                "verdicts": [{"expectation": v.expectation, "ok": v.ok, "detail": v.detail}
                             for v in self.verdicts],
                "timeline": [e.as_dict() for e in self.events], "error": self.error}

    def markdown(self) -> str:
        """The ``--report`` file, in the user's language (``as_dict`` stays English)."""
        lines = [_("# kkui drill: {kind} ({mode})").format(kind=self.kind, mode=self.mode), "",
                 _("- endpoint: `{endpoint}`").format(endpoint=self.endpoint),
                 *[f"- `{h}`: {shown(what)}" for h, what in self.targets.items()],
                 _("- result: **{result}**").format(result=_("PASSED") if self.ok
                                                    else _("FAILED")), ""]
        if self.error:
            lines += [f"> {shown(self.error)}", ""]
        lines += [_("## Verdicts"), "", _("| expectation | result | detail |"), "|---|---|---|"]
        passed, failed = _("✔ pass"), _("✘ fail")
        lines += [f"| {shown(v.expectation)} | {passed if v.ok else failed} | {shown(v.detail)} |"
                  for v in self.verdicts]
        lines += ["", _("## Measured"), "",
                  _("- API outage through the endpoint (longest): {seconds:.1f} s").format(
                      seconds=self.api_outage),
                  _("- longest run of failed test writes: {seconds:.1f} s").format(
                      seconds=self.write_failure)]
        if self.etcd_min_healthy is not None:
            lines.append(_("- etcd healthy members, lowest seen: {lowest} of {total}").format(
                lowest=self.etcd_min_healthy, total=self.etcd_members))
        lines += ["", _("## Timeline"), "", _("| time | +s | event |"), "|---|---|---|"]
        lines += [f"| {e.stamp()} | {e.offset:.1f} | {shown(e.text)} |" for e in self.events]
        if self.samples:
            lines += ["", _("## Samples (one per second)"), "",
                      _("| +s | API | write | etcd healthy | NotReady nodes |"),
                      "|---|---|---|---|---|"]
            for s in self.samples:
                down = ", ".join(n for n, ok in sorted(s.nodes.items()) if not ok) or "-"
                etcd = "-" if s.etcd_healthy is None else str(s.etcd_healthy)
                lines.append(f"| {s.offset:.1f} | {'ok' if s.api_ok else 'FAIL'} | "
                             f"{'ok' if s.write_ok else 'FAIL'} | {etcd} | {down} |")
        return "\n".join(lines) + "\n"
