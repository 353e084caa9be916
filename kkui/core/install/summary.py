"""What an install ended with, and what to do next: one text for the CLI and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kkui.core.kk.process import KK_CONFIG_NAME
from kkui.core.kk.stages import format_elapsed

if TYPE_CHECKING:
    from kkui.core.config.model import Host
    from kkui.core.install.plan import InstallPlan
    from kkui.core.kk.events import PipelineFailed
    from kkui.core.kk.hints import Hint
    from kkui.core.kk.stages import InstallProgress


def kubeconfig_path(user: str) -> str:
    """Where kk leaves the admin kubeconfig for the SSH user: kk copies admin.conf to
    /root/.kube/config and to ``$HOME/.kube/config`` of the user it logs in as
    (kk v3.1.12 cmd/kk/pkg/kubernetes/tasks.go:353-379, CopyKubeConfigForControlPlane)."""
    return "/root/.kube/config" if user == "root" else f"~{user}/.kube/config"


def restart_note(plan: InstallPlan) -> str:
    """kk v3 has no resume: ``create cluster`` runs its whole pipeline again; it only skips
    binaries already in kubekey/ whose sha256 matches (kk v3.1.12
    cmd/kk/pkg/binaries/kubernetes.go:77-79)."""
    return (f"kk v3 does not resume: running the install again starts over (kk reuses the "
            f"downloads in {plan.workdir}/kubekey). Hosts may be half-configured: `./kk delete "
            f"cluster -f {KK_CONFIG_NAME}` in {plan.workdir} cleans up first.")


def next_steps(plan: InstallPlan) -> list[str]:
    first: Host | None = next(iter(plan.model.control_plane_hosts), None)
    steps = []
    if first is not None:
        h = first
        steps += [
            f"The kubeconfig is on the control-plane nodes: {kubeconfig_path(h.user)} (also "
            f"/etc/kubernetes/admin.conf), e.g. on {h.name} ({h.address}).",
            f"ssh -p {h.port} {h.user}@{h.address} kubectl get nodes",
            f"or here: scp -P {h.port} {h.user}@{h.address}:.kube/config ~/.kube/config && "
            "kubectl get nodes",
        ]
    steps.append("kubectl get pod -A        # all system pods Running")
    return steps


@dataclass(frozen=True)
class InstallResult:
    """How kk ended, as the front end saw it."""

    code: int | None
    progress: InstallProgress
    cancelled: bool = False
    declined: bool = False
    failure: PipelineFailed | None = None
    problems: tuple[str, ...] = ()  # kk's [ERRO]/[FATA] lines (failures without a Pipeline)
    hints: tuple[Hint, ...] = ()  # the best hints for a failure
    live_hints: tuple[Hint, ...] = ()  # shown while kk ran (why one may have cancelled)
    evidence: tuple[str, ...] = ()  # what was collected from the failed hosts (evidence.py)
    evidence_from: tuple[str, ...] = ()  # the hosts whose evidence the findings use


@dataclass(frozen=True)
class InstallSummary:
    outcome: str  # "succeeded", "failed", "cancelled" or "declined"
    headline: str  # one sentence, no trailing period
    details: tuple[str, ...] = ()  # failed hosts and what kk said
    hints: tuple[Hint, ...] = ()
    next_steps: tuple[str, ...] = ()
    log: str = ""
    kk_log: str = ""
    notes: tuple[str, ...] = field(default=())  # e.g. the restart note


def summarize(plan: InstallPlan, result: InstallResult) -> InstallSummary:
    p = result.progress
    elapsed = format_elapsed(p.elapsed)
    where = f"stage {p.stage}/{p.total} {p.stage_title}"
    log = str(plan.log_path)
    kk_log = f"{plan.workdir}/kubekey/logs/kubekey.log"
    if result.cancelled:
        return InstallSummary(
            "cancelled", f"install interrupted after {elapsed} ({where}); kk and every process "
            "it started were stopped", hints=result.live_hints, log=log,
            notes=(restart_note(plan),))
    if result.declined:
        return InstallSummary(
            "declined", "install cancelled: you answered no at kk's prompt; kk stopped before "
            "changing any host", log=log)
    if result.code == 0:
        return InstallSummary("succeeded", f"cluster installed in {elapsed}",
                              next_steps=tuple(next_steps(plan)), log=log)
    failure = result.failure
    module = (failure.module if failure and failure.module else p.module) or "?"
    details: list[str] = []
    if failure and failure.hosts:
        for host, task, reason in failure.hosts:
            lines = [line.strip()[:200] for line in reason.splitlines() if line.strip()]
            details.append(f"{host}: {task + ': ' if task else ''}{lines[0] if lines else ''}")
            details += [f"    {line}" for line in lines[1:4]]
    else:
        details += list(result.problems[-5:])
    return InstallSummary(
        "failed", f"kk failed (exit {result.code}) after {elapsed} in {module} ({where})",
        details=tuple(details), hints=result.hints, log=log, kk_log=kk_log,
        notes=(restart_note(plan), *result.evidence,
               *triage_note(plan, collected=bool(result.evidence_from))))


def triage_note(plan: InstallPlan, *, collected: bool = False) -> tuple[str, ...]:
    """Where the rest of the answer is: the failed hosts' own logs (issue #12)."""
    if plan.source is None:  # a profile: no config file for --collect to read hosts from
        return ()
    if collected:  # the install already gathered it: only the bundle is left to say
        return (f"`kkui bundle -f {plan.source}` packs the log, the findings and the host "
                "evidence without secrets.",)
    return (f"Evidence from the failed hosts (journals, ports, disk, clock): `kkui triage "
            f"{plan.log_path} -f {plan.source} --collect`; `kkui bundle -f {plan.source}` "
            "packs it all without secrets.",)
