"""What an install ended with, and what to do next: one text for the CLI and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kkui.core.kk.process import KK_CONFIG_NAME
from kkui.core.kk.stages import format_elapsed
from kkui.i18n import L_

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
    return L_("kk v3 does not resume: running the install again starts over (kk reuses the "
              "downloads in {workdir}/kubekey). Hosts may be half-configured: `./kk delete "
              "cluster -f {config}` in {workdir} cleans up first.", workdir=str(plan.workdir),
              config=KK_CONFIG_NAME)


def next_steps(plan: InstallPlan) -> list[str]:
    first: Host | None = next(iter(plan.model.control_plane_hosts), None)
    steps = []
    if first is not None:
        h = first
        steps += [
            L_("The kubeconfig is on the control-plane nodes: {path} (also "
               "/etc/kubernetes/admin.conf), e.g. on {host} ({address}).",
               path=kubeconfig_path(h.user), host=h.name, address=h.address),
            f"ssh -p {h.port} {h.user}@{h.address} kubectl get nodes",
            L_("or here: {command}", command=f"scp -P {h.port} {h.user}@{h.address}:.kube/"
               "config ~/.kube/config && kubectl get nodes"),
        ]
    steps.append(L_("kubectl get pod -A        # all system pods Running"))
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
    where = L_("stage {stage}/{total} {title}", stage=p.stage, total=p.total,
               title=p.stage_title)
    log = str(plan.log_path)
    kk_log = f"{plan.workdir}/kubekey/logs/kubekey.log"
    if result.cancelled:
        return InstallSummary(
            "cancelled", L_("install interrupted after {elapsed} ({where}); kk and every "
                            "process it started were stopped", elapsed=elapsed, where=where),
            hints=result.live_hints, log=log,
            notes=(restart_note(plan),))
    if result.declined:
        return InstallSummary(
            "declined", L_("install cancelled: you answered no at kk's prompt; kk stopped "
                           "before changing any host"), log=log)
    if result.code == 0:
        return InstallSummary("succeeded", L_("cluster installed in {elapsed}",
                                              elapsed=elapsed),
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
        "failed", L_("kk failed (exit {code}) after {elapsed} in {module} ({where})",
                     code=result.code, elapsed=elapsed, module=module, where=where),
        details=tuple(details), hints=result.hints, log=log, kk_log=kk_log,
        notes=(restart_note(plan), *result.evidence,
               *triage_note(plan, collected=bool(result.evidence_from))))


def triage_note(plan: InstallPlan, *, collected: bool = False) -> tuple[str, ...]:
    """Where the rest of the answer is: the failed hosts' own logs (issue #12)."""
    if plan.source is None:  # a profile: no config file for --collect to read hosts from
        return ()
    if collected:  # the install already gathered it: only the bundle is left to say
        return (L_("`kkui bundle -f {source}` packs the log, the findings and the host "
                   "evidence without secrets.", source=str(plan.source)),)
    return (L_("Evidence from the failed hosts (journals, ports, disk, clock): `kkui triage "
               "{log} -f {source} --collect`; `kkui bundle -f {source}` packs it all without "
               "secrets.", log=str(plan.log_path), source=str(plan.source)),)
