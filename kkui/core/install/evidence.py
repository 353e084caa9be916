"""After a failed install: evidence from the failed hosts, fed to the live triage (issue #12).

``kkui install`` and the TUI Install screen call :func:`gather_after_failure` once kk has
failed: it visits the hosts kk named (read-only, one SSH round trip each, every command capped
by :mod:`kkui.core.kk.evidence`), feeds what it found to the triage engine that watched kk's
output, and returns one line per host for the summary.  The whole step is bounded by
:data:`EVIDENCE_BUDGET_S`, so a dead host cannot keep the operator waiting after kk has ended.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.config.model import Host
    from kkui.core.install.plan import InstallPlan
    from kkui.core.kk.evidence import EvidenceRun
    from kkui.core.kk.triage import Triage

EVIDENCE_BUDGET_S = 30.0  # the whole collection, every host in parallel


@dataclass(frozen=True)
class FailureEvidence:
    run: EvidenceRun | None  # None: nothing collected (no host to visit, or no answer)
    lines: tuple[str, ...]  # for the summary: what was collected, what was not, and why
    elapsed: float = 0.0

    @property
    def hosts(self) -> tuple[str, ...]:
        """Hosts whose evidence reached the triage."""
        return tuple(h.host for h in self.run.hosts if not h.error) if self.run else ()

    def feed(self, triage: Triage) -> None:
        for item in self.run.hosts if self.run else ():
            if not item.error:
                triage.feed_evidence(item.host, item.text)


def hosts_to_visit(plan: InstallPlan, failed: Sequence[str]) -> list[Host]:
    """The config hosts behind kk's failed names; none when kk failed on its own machine or
    named no host, or while the hosts still have a bundled profile's example addresses (no
    one's machines: connect to none of them)."""
    from kkui.core.config.profiles import uses_example_addresses
    from kkui.core.kk.evidence import target_hosts

    return [] if uses_example_addresses(plan.model) else target_hosts(plan.model, failed)[0]


def collect_after_failure(plan: InstallPlan, failed: Sequence[str], *,
                          budget_s: float = EVIDENCE_BUDGET_S) -> FailureEvidence:
    """Visit the ``failed`` hosts (kk's names) within ``budget_s``; never raises for a host.
    The slow half, for a worker thread; :meth:`FailureEvidence.feed` is the quick half."""
    from kkui.core.kk.evidence import collect_evidence

    hosts = hosts_to_visit(plan, failed)
    if not hosts:
        return FailureEvidence(None, ())
    box: list[EvidenceRun] = []
    started = time.monotonic()
    # a daemon thread: a host that outlives the budget is abandoned, never waited for
    worker = threading.Thread(target=lambda: box.append(collect_evidence(
                                  plan.model, failed, budget_s=budget_s)),
                              name="kkui-evidence", daemon=True)
    worker.start()
    worker.join(budget_s + 2.0)
    elapsed = time.monotonic() - started
    if not box:
        names = ", ".join(h.name for h in hosts)
        return FailureEvidence(None, (L_("Host evidence: no answer from {hosts} within "
                                         "{seconds:.0f} s; collect it later with `kkui triage "
                                         "LOG -f CONFIG --collect`.", hosts=names,
                                         seconds=budget_s),), elapsed)
    run = box[0]
    visited = [item.host for item in run.hosts if not item.error]
    lines: list[str] = [L_("Host evidence collected from {hosts} in {seconds:.1f} s (journals, "
                           "containers, ports, disk, clock); the findings use it.",
                           hosts=", ".join(visited), seconds=elapsed)] if visited else []
    lines += [L_("Host evidence: {note}", note=note) for note in run.notes]
    return FailureEvidence(run, tuple(lines), elapsed)


def gather_after_failure(plan: InstallPlan, triage: Triage, *,
                         budget_s: float = EVIDENCE_BUDGET_S) -> FailureEvidence:
    """Collect from the hosts ``triage`` saw fail and feed it what was found."""
    evidence = collect_after_failure(plan, triage.report().failed_hosts, budget_s=budget_s)
    evidence.feed(triage)
    return evidence
