"""The precheck gate: kk starts only after kkui's precheck passed (or was skipped on purpose).

Same rule for the CLI and the TUI (issue #11, defect 4: the TUI started kk while its Precheck
screen said "Fix the failures before installing"): failures or errors stop the install;
warnings do not. The only override is ``skip_precheck`` (``--skip-precheck``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kkui.core.config import ClusterModel
from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.install.plan import InstallPlan
    from kkui.core.precheck.report import HostReport, PrecheckReport

BLOCKING = ("fail", "error")
SKIP_HINT = "--skip-precheck"


@dataclass(frozen=True)
class PrecheckGate:
    ok: bool
    skipped: bool = False
    consulted: bool = False  # an earlier report was used instead of running the precheck
    report: PrecheckReport | None = None
    lines: tuple[str, ...] = field(default=())  # one per blocking check: host, check, fix
    message: str = ""  # the one-line verdict

    @property
    def summary(self) -> str:
        if self.report is None:
            return ""
        s = self.report.summary
        return L_("{passed} passed, {warnings} warnings, {failed} failed, {errors} errors",
                  passed=s["pass"], warnings=s["warn"], failed=s["fail"], errors=s["error"])


def report_covers(model: ClusterModel, report: PrecheckReport | None) -> bool:
    """Whether ``report`` is a finished precheck of exactly the model's hosts (same names,
    addresses and roles): an edit since then means it no longer says anything."""
    if report is None or report.cancelled or report.pending:
        return False
    from kkui.core.precheck import select_targets

    wanted = {(t.host.name, t.host.address) for t in select_targets(model)}
    seen = {(h.name, h.address) for h in report.hosts}
    if wanted != seen:
        return False
    roles = {h.name: ",".join(model.roles_of(h.name)) for h in model.hosts}
    return all(h.role == roles[h.name] for h in report.hosts if h.name in roles)


def check_precheck(plan: InstallPlan, report: PrecheckReport | None = None, *,
                   on_host_done: Callable[[HostReport], None] | None = None,
                   cancel: threading.Event | None = None) -> PrecheckGate:
    """Skip, consult ``report`` when it covers the plan's hosts, or run the precheck now."""
    if plan.skip_precheck:
        return PrecheckGate(ok=True, skipped=True,
                            message=L_("precheck skipped ({option}): kk finds problems itself",
                                       option=SKIP_HINT))
    consulted = report_covers(plan.model, report)
    if not consulted:
        from kkui.core.precheck import run_precheck  # paramiko: only when a precheck runs

        report = run_precheck(plan.model, on_host_done=on_host_done, cancel=cancel)
    assert report is not None
    lines = tuple(_blocking_lines(report))
    if report.cancelled:
        return PrecheckGate(ok=False, consulted=consulted, report=report, lines=lines,
                            message=L_("precheck cancelled: kk was not started"))
    if not report.ok:
        return PrecheckGate(
            ok=False, consulted=consulted, report=report, lines=lines,
            message=L_("not starting kk: {count} precheck failure(s); fix them (details: "
                       "`kkui precheck`, or the Precheck screen), or pass {option} to let kk "
                       "find them itself", count=len(lines), option=SKIP_HINT))
    return PrecheckGate(ok=True, consulted=consulted, report=report, lines=lines,
                        message=L_("precheck passed (earlier run of these hosts)")
                        if consulted else L_("precheck passed"))


def _blocking_lines(report: PrecheckReport) -> list[str]:
    lines: list[str] = []
    for host in report.hosts:
        for check in host.checks:
            if check.status in BLOCKING:
                values = {"status": check.status.upper(), "host": host.name,
                          "address": host.address, "check": check.id, "detail": check.detail,
                          "fix": check.fix}
                lines.append(L_("{status} {host} ({address}) {check}: {detail}\n"
                                "       fix: {fix}", **values) if check.fix else
                             L_("{status} {host} ({address}) {check}: {detail}", **values))
    return lines
