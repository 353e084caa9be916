"""``kkui triage``'s text report: outcome, where it failed, then the findings, most likely first.

Text output only (``--json`` is ``TriageReport.to_json()``): it is in the user's language. In
Chinese, the cause, the fix and the links of a finding are wrapped to 80 columns (the English
keeps its one line per field, byte for byte); kk's own lines (``seen:``) are quoted as they
are: the terminal wraps them, in both languages."""

from __future__ import annotations

from kkui.core.kk.triage.engine import TriageReport
from kkui.core.sanitize import for_display
from kkui.i18n import N_, _, language, shown
from kkui.i18n.width import cells, wrap

OUTCOME_TEXT = {
    "success": N_("kk finished successfully"),
    "failed": N_("kk failed"),
    "hang": N_("kk hangs (it waits for something that never comes)"),
    "incomplete": N_("the log ends before kk finished (a partial paste, or kk still running)"),
}
CONFIDENCE_TEXT = {"high": N_("high confidence"), "medium": N_("medium confidence"),
                   "low": N_("low confidence")}
WIDTH = 80


def render_text(report: TriageReport, *, source: str = "") -> str:
    lines = [_("outcome: {outcome}").format(outcome=_(OUTCOME_TEXT[report.outcome])) +
             (f" ({source})" if source else "")]
    where = []
    if report.failed_module:
        where.append(_("module {module}").format(module=report.failed_module))
    if report.failed_task:
        where.append(_("task {task}").format(task=report.failed_task))
    if where:
        lines.append(_("failed in: ") + ", ".join(where) +
                     (_(" of Pipeline[{pipeline}]").format(pipeline=report.pipeline)
                      if report.pipeline else ""))
    if report.failed_hosts:
        lines.append(_("failed hosts: ") + ", ".join(report.failed_hosts))
    if report.kk_version:
        lines.append(_("kk version: {version}").format(version=report.kk_version))
    if report.zone_cn:
        lines.append(_("zone: cn (KKZONE=cn was in effect)"))
    if not report.findings:
        if report.outcome != "success":
            lines.append("")
            lines.extend(_wrapped(_(
                "No known cause matched. Look at the first error above the failure in "
                "the log; `kkui triage --collect -f config-sample.yaml` gathers the "
                "failed hosts' kubelet/containerd/etcd journals."), ""))
        return "\n".join(lines) + "\n"
    for number, finding in enumerate(report.findings, 1):
        lines.append("")
        hosts = f" [{', '.join(finding.hosts)}]" if finding.hosts else ""
        confidence = CONFIDENCE_TEXT.get(finding.confidence)
        lines.append(_("{number}. {title}{hosts} ({confidence}, {id})").format(
            number=number, title=shown(finding.title), hosts=hosts, id=finding.id,
            confidence=_(confidence) if confidence else finding.confidence))
        lines.extend(_wrapped(shown(finding.cause), _("   why: ")))
        lines.extend(_wrapped(shown(finding.fix), _("   fix: ")))
        for line in finding.evidence:
            lines.append(_("   seen: ") + line)
        if finding.links:
            lines.extend(_wrapped(" ".join(finding.links[:3]), _("   see: ")))
    # evidence lines come from kk's log and the hosts: never raw control sequences (#10.9)
    return for_display("\n".join(lines)) + "\n"


def _wrapped(text: str, label: str) -> list[str]:
    """``label`` + ``text``: one line in English (the terminal wraps it, as before); in
    Chinese wrapped to 80 columns under the label (a CJK line has no spaces to wrap at)."""
    if language() != "zh":
        return [label + text]
    indent = " " * cells(label)
    body = wrap(text, WIDTH - len(indent))
    return [(label if i == 0 else indent) + part for i, part in enumerate(body)] or [label]
