"""``kkui triage``'s text report: outcome, where it failed, then the findings, most likely first."""

from __future__ import annotations

from kkui.core.kk.triage.engine import TriageReport
from kkui.core.sanitize import for_display

OUTCOME_TEXT = {
    "success": "kk finished successfully",
    "failed": "kk failed",
    "hang": "kk hangs (it waits for something that never comes)",
    "incomplete": "the log ends before kk finished (a partial paste, or kk still running)",
}


def render_text(report: TriageReport, *, source: str = "") -> str:
    lines = [f"outcome: {OUTCOME_TEXT[report.outcome]}" + (f" ({source})" if source else "")]
    where = []
    if report.failed_module:
        where.append(f"module {report.failed_module}")
    if report.failed_task:
        where.append(f"task {report.failed_task}")
    if where:
        lines.append("failed in: " + ", ".join(where) +
                     (f" of Pipeline[{report.pipeline}]" if report.pipeline else ""))
    if report.failed_hosts:
        lines.append("failed hosts: " + ", ".join(report.failed_hosts))
    if report.kk_version:
        lines.append(f"kk version: {report.kk_version}")
    if report.zone_cn:
        lines.append("zone: cn (KKZONE=cn was in effect)")
    if not report.findings:
        if report.outcome != "success":
            lines.append("")
            lines.append("No known cause matched. Look at the first error above the failure in "
                         "the log; `kkui triage --collect -f config-sample.yaml` gathers the "
                         "failed hosts' kubelet/containerd/etcd journals.")
        return "\n".join(lines) + "\n"
    for number, finding in enumerate(report.findings, 1):
        lines.append("")
        hosts = f" [{', '.join(finding.hosts)}]" if finding.hosts else ""
        lines.append(f"{number}. {finding.title}{hosts} ({finding.confidence} confidence, "
                     f"{finding.id})")
        lines.append(f"   why: {finding.cause}")
        lines.append(f"   fix: {finding.fix}")
        for line in finding.evidence:
            lines.append(f"   seen: {line}")
        if finding.links:
            lines.append(f"   see: {' '.join(finding.links[:3])}")
    # evidence lines come from kk's log and the hosts: never raw control sequences (#10.9)
    return for_display("\n".join(lines)) + "\n"
