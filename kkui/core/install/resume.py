"""Resume a failed install with kk's phases, or refuse with the safe alternative (issue #14).

kk v3.1.12 cannot resume ``create cluster``; its only way to run part of an install is
``kk alpha create phase binary|os|images|etcd|init|join|configure|addons`` ("for testing",
kubekey v3.1.12 cmd/kk/cmd/create/phase/phase.go).  :data:`MODULES` maps every module that
``create cluster`` logs (kkui.core.kk.stages, names as kk logs them) to the phase that redoes
it, or to a refusal when no phase does (kk's phase pipelines, cmd/kk/pkg/phase/*/).  A resume
runs the failed module's phase and every later one, after checking over SSH the state those
phases assume (:data:`STATE_CHECKS`).

Phases in the order ``create cluster`` runs their modules:

- binary: NodePreCheck, NodeBinaries, SyncBinary (phase/binary/create_binary.go:32-35; its
  SyncKubeBinary is the task InstallKubeBinariesModule runs, so a resume before init starts
  with binary: kube binaries are only installed after etcd in ``create cluster``)
- os: NodePreCheck, Repository, ConfigureOS (phase/os/config.go:31-34)
- images: NodePreCheck, setBinaryCache, KubernetesStatus, InstallContainer
  (phase/images/create_images.go:31-35; it pulls no image)
- etcd: ETCDPreCheck, Certs, InstallETCDBinary, ETCDConfigure, ETCDBackup (phase/etcd/etcd.go:30-35)
- init: NodePreCheck, KubernetesStatus, confirm, InstallKubelet, InitKubernetes, ClusterDNS
  (phase/kubernetes/init.go:32-38)
- join: NodePreCheck, KubernetesStatus, JoinNodes (phase/kubernetes/join.go:30-33)
- configure: NodePreCheck, KubernetesStatus, DeployNetworkPlugin, ConfigureKubernetes, Chown,
  AutoRenewCerts, SaveKubeConfig, DeployPlugins, Addons, DeployLocalVolume
  (phase/kubernetes/configure.go:42-52)
- addons: Greetings, NodePreCheck, KubernetesStatus, Addons (phase/addons/addons.go:41-45)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kkui.core.config.model import ClusterModel, Host
from kkui.core.errors import KkuiError

if TYPE_CHECKING:
    from kkui.core.install.plan import InstallPlan
    from kkui.core.kk.events import KkEvent, PromptShown
    from kkui.core.ssh import KnownHosts

PHASES = ("binary", "os", "images", "etcd", "init", "join", "configure", "addons")
SAFE_ALTERNATIVE = ("the safe way on: `kkui delete` (kk delete cluster) and a scan of the hosts "
                    "for leftovers, then `kkui install` from the start")
RESTART = "restart"  # kk changed nothing yet: the whole install can simply run again
REFUSE = "refuse"


@dataclass(frozen=True)
class Entry:
    phase: str  # a PHASES name, RESTART or REFUSE
    why: str = ""  # for REFUSE/RESTART: the reason shown


def _refuse(why: str) -> Entry:
    return Entry(REFUSE, why)


MODULES: dict[str, Entry] = {
    "GreetingsModule": Entry(RESTART, "kk failed while connecting to the hosts"),
    "CustomScriptsModule Phase:PreInstall": Entry(RESTART, "kk failed in your preInstall "
                                                  "scripts, before changing anything"),
    "NodePreCheckModule": Entry(RESTART, "kk failed in its own precheck"),
    "ConfirmModule": Entry(RESTART, "kk stopped at its confirmation"),
    "UnArchiveArtifactModule": _refuse("unpacking an offline artifact belongs to no phase"),
    "RepositoryModule": Entry("os"),
    "NodeBinariesModule": Entry("binary"),
    "ConfigureOSModule": Entry("os"),
    "KubernetesStatusModule": Entry("images"),  # its second run (after init) is join's
    "InstallContainerModule": Entry("images"),
    "InstallCriDockerdModule": _refuse("cri-dockerd belongs to no phase"),
    "CopyImagesToRegistryModule": _refuse("pushing images to a registry belongs to no phase"),
    "PullModule": _refuse("pulling images belongs to no phase (the images phase installs "
                          "only the container runtime)"),
    "ETCDPreCheckModule": Entry("etcd"),
    "CertsModule": Entry("etcd"),
    "InstallETCDBinaryModule": Entry("etcd"),
    "ETCDConfigureModule": Entry("etcd"),
    "ETCDBackupModule": Entry("etcd"),
    "InstallKubeBinariesModule": _refuse("installing the kube binaries belongs to no phase"),
    "InternalLoadbalancerModule": _refuse("the internal load balancer (HAProxy or kube-vip) "
                                          "belongs to no phase"),
    "InitKubernetesModule": Entry("init"),
    "ClusterDNSModule": Entry("init"),
    "JoinNodesModule": Entry("join"),
    "DeployNetworkPluginModule": Entry("configure"),
    "ConfigureKubernetesModule": Entry("configure"),
    "ChownModule": Entry("configure"),
    "AutoRenewCertsModule": Entry("configure"),
    "SecurityEnhancementModule": _refuse("security enhancement belongs to no phase"),
    "SaveKubeConfigModule": Entry("configure"),
    "DeployPluginsModule": Entry("configure"),
    "CustomScriptsModule Phase:PostClusterInstall": _refuse("your postClusterInstall scripts "
                                                            "belong to no phase"),
    "AddonsModule": Entry("addons"),
    "DeployStorageClassModule": Entry("configure"),
    "DeployKubeSphereModule": _refuse("KubeSphere is not resumed by kkui"),
    "CheckResultModule": _refuse("KubeSphere is not resumed by kkui"),
    "CustomScriptsModule Phase:PostInstall": _refuse("your postInstall scripts belong to no "
                                                     "phase"),
}


# ------------------------------------------------------------------ state checks
@dataclass(frozen=True)
class StateCheck:
    id: str
    assumption: str  # what the phases assume, shown in the plan
    needed_from: tuple[str, ...]  # first phases that assume it


STATE_CHECKS: tuple[StateCheck, ...] = (
    StateCheck("reachable", "the failed host(s) answer over SSH", PHASES),
    StateCheck("etcd-healthy", "etcd is healthy (kkui verify's etcd-health)",
               ("init", "join", "configure")),
    StateCheck("control-plane", "/etc/kubernetes/admin.conf exists and kubelet is active on "
               "the first control-plane node", ("join", "configure", "addons")),
)


@dataclass(frozen=True)
class CheckOutcome:
    id: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class ResumePlan:
    failed_module: str
    failed_hosts: tuple[str, ...]
    from_run: int
    phases: tuple[str, ...] = ()  # empty: refused
    refusal: str = ""
    checks: tuple[StateCheck, ...] = ()
    outcomes: tuple[CheckOutcome, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return bool(self.phases) and not self.refusal and all(o.ok for o in self.outcomes)

    def argv(self, phase: str) -> list[str]:
        from kkui.core.kk.process import KK_CONFIG_NAME

        return ["./kk", "alpha", "create", "phase", phase, "-f", KK_CONFIG_NAME]

    def lines(self) -> list[str]:
        hosts = f" on {', '.join(self.failed_hosts)}" if self.failed_hosts else ""
        out = [f"resume of run {self.from_run}: kk failed in {self.failed_module or '?'}{hosts}"]
        if not self.phases:
            out.append(f"not resumable: {self.refusal}")
            return out
        out.append("phases to run: " + ", ".join(self.phases))
        for phase in self.phases:
            out.append(f"  {' '.join(self.argv(phase))}")
        for check in self.checks:
            outcome = next((o for o in self.outcomes if o.id == check.id), None)
            mark = "ok  " if outcome and outcome.ok else ("FAIL" if outcome else "    ")
            detail = f": {outcome.detail}" if outcome and outcome.detail else ""
            out.append(f"  {mark} {check.assumption}{detail}")
        if self.refusal:
            out.append(f"not resumable: {self.refusal}")
        return out


def phases_from(first: str) -> tuple[str, ...]:
    """The phases a resume runs when ``first`` failed: that one and every later one up to
    configure (configure runs the add-ons too); binary first when kube binaries were never
    installed (they come after etcd in create cluster)."""
    if first == "addons":
        return ("addons",)
    later = PHASES[PHASES.index(first):PHASES.index("configure") + 1]
    if PHASES.index(first) <= PHASES.index("etcd") and first != "binary":
        return ("binary", *later)
    return later


def plan_resume(failed_module: str, failed_hosts: Sequence[str], modules_seen: Sequence[str],
                *, from_run: int) -> ResumePlan:
    """The phases to run, or a refusal; ``modules_seen`` (the run's timeline) tells the second
    KubernetesStatusModule (after InitKubernetes: join) from the first (images)."""
    def plan(**rest: Any) -> ResumePlan:
        return ResumePlan(failed_module=failed_module, failed_hosts=tuple(failed_hosts),
                          from_run=from_run, **rest)

    entry = MODULES.get(failed_module)
    if entry is None:
        return plan(refusal=f"kkui does not know kk's module {failed_module!r}; "
                          + SAFE_ALTERNATIVE)
    if entry.phase == RESTART:
        return plan(refusal=f"{entry.why}, before it changed the hosts: run "
                          "`kkui install` again (nothing to resume)")
    if entry.phase == REFUSE:
        return plan(refusal=f"{entry.why}; {SAFE_ALTERNATIVE}")
    phase = entry.phase
    if failed_module == "KubernetesStatusModule" and "InitKubernetesModule" in modules_seen:
        phase = "join"
    phases = phases_from(phase)
    checks = tuple(c for c in STATE_CHECKS if phase in c.needed_from)
    return plan(phases=phases, checks=checks)


# ------------------------------------------------------------------ checking the state
def _reachable(model: ClusterModel, hosts: Sequence[Host], known: KnownHosts | None
               ) -> CheckOutcome:
    from kkui.core.ssh import SshError, connect

    bad = []
    for host in hosts:
        try:
            with connect(host, known_hosts=known) as session:
                session.run("true", timeout=15)
        except SshError as exc:
            bad.append(str(exc))
    return CheckOutcome("reachable", not bad, "; ".join(bad) or
                        f"{', '.join(h.name for h in hosts)} answered")


def _etcd_healthy(model: ClusterModel, known: KnownHosts | None) -> CheckOutcome:
    if model.etcd_type != "kubekey":
        return CheckOutcome("etcd-healthy", True, f"etcd type {model.etcd_type}: not kk's")
    from kkui.core.verify.engine import run_verify

    report = run_verify(model, only=["etcd-health"], timeout=15, known_hosts=known)
    bad = [f"{r.target}: {r.detail}" for r in report.results if r.status != "pass"]
    return CheckOutcome("etcd-healthy", report.ok and not bad, "; ".join(bad) or "healthy")


def _control_plane(model: ClusterModel, known: KnownHosts | None) -> CheckOutcome:
    from kkui.core.ssh import SshError, connect

    first = next(iter(model.control_plane_hosts), None)
    if first is None:
        return CheckOutcome("control-plane", False, "the config has no control-plane node")
    try:
        with connect(first, known_hosts=known) as session:
            res = session.run("test -f /etc/kubernetes/admin.conf && systemctl is-active "
                              "--quiet kubelet", sudo=True, timeout=20)
    except SshError as exc:
        return CheckOutcome("control-plane", False, str(exc))
    if not res.ok:
        return CheckOutcome("control-plane", False, f"{first.name}: no /etc/kubernetes/"
                            "admin.conf or kubelet not active: the control plane was never "
                            "initialised")
    return CheckOutcome("control-plane", True, f"{first.name}: admin.conf present, kubelet "
                        "active")


def check_state(plan: ResumePlan, model: ClusterModel, *, known: KnownHosts | None = None,
                on_check: Callable[[CheckOutcome], None] | None = None) -> ResumePlan:
    """Run the plan's state checks (in order, stopping at the first failure)."""
    outcomes: list[CheckOutcome] = []
    hosts = [h for h in model.hosts if h.name in plan.failed_hosts] or list(model.hosts)
    for check in plan.checks:
        if check.id == "reachable":
            outcome = _reachable(model, hosts, known)
        elif check.id == "etcd-healthy":
            outcome = _etcd_healthy(model, known)
        else:
            outcome = _control_plane(model, known)
        outcomes.append(outcome)
        if on_check is not None:
            on_check(outcome)
        if not outcome.ok:
            break
    refusal = "" if all(o.ok for o in outcomes) else (
        f"the state the phases assume is not there ({outcomes[-1].detail}); {SAFE_ALTERNATIVE}")
    return ResumePlan(failed_module=plan.failed_module, failed_hosts=plan.failed_hosts,
                      from_run=plan.from_run, phases=plan.phases, refusal=refusal,
                      checks=plan.checks, outcomes=tuple(outcomes))


# ------------------------------------------------------------------ from the history
class NothingToResume(KkuiError):
    exit_code = 2


def resume_from_history(model: ClusterModel, *, db: Path | None = None) -> ResumePlan:
    """The plan for the cluster's newest install in the run history (failed, interrupted or
    cancelled); :class:`NothingToResume` when there is none or it succeeded."""
    from kkui.core.runs.query import last_run
    from kkui.core.runs.store import connect

    conn = connect(db)
    try:
        last = last_run(conn, model.name, "install")
    finally:
        conn.close()
    if last is None:
        raise NothingToResume(f"no install of cluster {model.name} in the run history: nothing "
                              "to resume; run `kkui install`")
    outcome = last.summary.outcome
    if outcome in ("success", "running"):
        why = "installed the cluster" if outcome == "success" else "is still running"
        raise NothingToResume(f"the last install of {model.name} (run {last.summary.id}) {why}"
                              ": nothing to resume")
    seen = [s.name.removeprefix("kk: ") for s in last.stages if s.name.startswith("kk: ")]
    failed = last.summary.failed_module or (seen[-1] if seen else "")
    if not failed:
        raise NothingToResume(f"the last install of {model.name} (run {last.summary.id}, "
                              f"{outcome}) stopped before kk ran a module: run `kkui install`")
    return plan_resume(failed, last.failed_hosts, seen, from_run=last.summary.id)


# ------------------------------------------------------------------ running the phases
@dataclass(frozen=True)
class PhasesResult:
    code: int
    phase: str | None  # the phase that failed or was stopped (None: all ran)
    cancelled: bool = False
    declined: bool = False


def run_phases(install: InstallPlan, plan: ResumePlan, *,
               on_event: Callable[[KkEvent], None],
               on_prompt: Callable[[PromptShown], bool | None] | None = None,
               on_tick: Callable[[], None] | None = None,
               on_phase: Callable[[str], None] | None = None,
               on_process: Callable[[Any], None] | None = None) -> PhasesResult:
    """``./kk alpha create phase P -f config-sample.yaml`` for each phase, in the install
    plan's workdir and environment, stopping at the first that does not succeed;
    ``on_process`` gets each phase's KkProcess before it runs (the TUI cancels through it)."""
    from kkui.core.kk.process import KkProcess

    for phase in plan.phases:
        if on_phase is not None:
            on_phase(phase)
        proc = KkProcess(plan.argv(phase), workdir=install.workdir, on_event=on_event,
                         on_prompt=on_prompt, zone=install.zone, secrets=install.secrets,
                         log_path=install.log_path, on_tick=on_tick, env=install.env)
        if on_process is not None:
            on_process(proc)
        code = proc.run()
        if proc.cancelled or proc.declined or code != 0:
            return PhasesResult(130 if proc.cancelled else (0 if proc.declined else code),
                                phase, cancelled=proc.cancelled, declined=proc.declined)
    return PhasesResult(0, None)


def verify_after_resume(model: ClusterModel, run: Any) -> Any:
    """Verify after a successful resume (issue #14), for the CLI and the TUI alike: kk's
    phases skip the modules of no phase, so the cluster is checked end to end (read-only) and
    what failed is recorded with the run as findings.  Returns the VerifyReport."""
    from kkui.core.verify.engine import run_verify

    run.stage("verify")
    report = run_verify(model, timeout=10)
    run.add_findings([f"{r.id} {r.target} {r.status}: {r.detail}" for r in report.results
                      if r.status in ("fail", "error")])
    return report
