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
from kkui.i18n import L_, N_

if TYPE_CHECKING:
    from kkui.core.install.plan import InstallPlan
    from kkui.core.kk.events import KkEvent, PromptShown
    from kkui.core.ssh import KnownHosts

PHASES = ("binary", "os", "images", "etcd", "init", "join", "configure", "addons")
SAFE_ALTERNATIVE = N_("the safe way on: `kkui delete` (kk delete cluster) and a scan of the "
                      "hosts for leftovers, then `kkui install` from the start")
RESTART = "restart"  # kk changed nothing yet: the whole install can simply run again
REFUSE = "refuse"


@dataclass(frozen=True)
class Entry:
    phase: str  # a PHASES name, RESTART or REFUSE
    why: str = ""  # for REFUSE/RESTART: the reason shown (English, N_: translated when shown)


def _refuse(why: str) -> Entry:
    return Entry(REFUSE, why)


MODULES: dict[str, Entry] = {
    "GreetingsModule": Entry(RESTART, N_("kk failed while connecting to the hosts")),
    "CustomScriptsModule Phase:PreInstall": Entry(RESTART, N_("kk failed in your preInstall "
                                                     "scripts, before changing anything")),
    "NodePreCheckModule": Entry(RESTART, N_("kk failed in its own precheck")),
    "ConfirmModule": Entry(RESTART, N_("kk stopped at its confirmation")),
    "UnArchiveArtifactModule": _refuse(N_("unpacking an offline artifact belongs to no phase")),
    "RepositoryModule": Entry("os"),
    "NodeBinariesModule": Entry("binary"),
    "ConfigureOSModule": Entry("os"),
    "KubernetesStatusModule": Entry("images"),  # its second run (after init) is join's
    "InstallContainerModule": Entry("images"),
    "InstallCriDockerdModule": _refuse(N_("cri-dockerd belongs to no phase")),
    "CopyImagesToRegistryModule": _refuse(N_("pushing images to a registry belongs to no phase")),
    "PullModule": _refuse(N_("pulling images belongs to no phase (the images phase installs "
                             "only the container runtime)")),
    "ETCDPreCheckModule": Entry("etcd"),
    "CertsModule": Entry("etcd"),
    "InstallETCDBinaryModule": Entry("etcd"),
    "ETCDConfigureModule": Entry("etcd"),
    "ETCDBackupModule": Entry("etcd"),
    "InstallKubeBinariesModule": _refuse(N_("installing the kube binaries belongs to no phase")),
    "InternalLoadbalancerModule": _refuse(N_("the internal load balancer (HAProxy or kube-vip) "
                                             "belongs to no phase")),
    "InitKubernetesModule": Entry("init"),
    "ClusterDNSModule": Entry("init"),
    "JoinNodesModule": Entry("join"),
    "DeployNetworkPluginModule": Entry("configure"),
    "ConfigureKubernetesModule": Entry("configure"),
    "ChownModule": Entry("configure"),
    "AutoRenewCertsModule": Entry("configure"),
    "SecurityEnhancementModule": _refuse(N_("security enhancement belongs to no phase")),
    "SaveKubeConfigModule": Entry("configure"),
    "DeployPluginsModule": Entry("configure"),
    "CustomScriptsModule Phase:PostClusterInstall": _refuse(N_("your postClusterInstall scripts "
                                                               "belong to no phase")),
    "AddonsModule": Entry("addons"),
    "DeployStorageClassModule": Entry("configure"),
    "DeployKubeSphereModule": _refuse(N_("KubeSphere is not resumed by kkui")),
    "CheckResultModule": _refuse(N_("KubeSphere is not resumed by kkui")),
    "CustomScriptsModule Phase:PostInstall": _refuse(N_("your postInstall scripts belong to no "
                                                        "phase")),
}


# ------------------------------------------------------------------ state checks
@dataclass(frozen=True)
class StateCheck:
    id: str
    assumption: str  # what the phases assume, shown in the plan
    needed_from: tuple[str, ...]  # first phases that assume it


STATE_CHECKS: tuple[StateCheck, ...] = (
    StateCheck("reachable", N_("the failed host(s) answer over SSH"), PHASES),
    StateCheck("etcd-healthy", N_("etcd is healthy (kkui verify's etcd-health)"),
               ("init", "join", "configure")),
    StateCheck("control-plane", N_("/etc/kubernetes/admin.conf exists and kubelet is active on "
                                   "the first control-plane node"),
               ("join", "configure", "addons")),
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
        """The plan as shown (L_ messages: English str, translated by kkui.i18n.shown)."""
        values = {"run": self.from_run, "module": self.failed_module or "?",
                  "hosts": ", ".join(self.failed_hosts)}
        out: list[str] = [
            L_("resume of run {run}: kk failed in {module} on {hosts}", **values)
            if self.failed_hosts else L_("resume of run {run}: kk failed in {module}", **values)]
        if not self.phases:
            out.append(L_("not resumable: {why}", why=self.refusal))
            return out
        out.append(L_("phases to run: {phases}", phases=", ".join(self.phases)))
        for phase in self.phases:
            out.append(f"  {' '.join(self.argv(phase))}")
        for check in self.checks:
            outcome = next((o for o in self.outcomes if o.id == check.id), None)
            mark = "ok  " if outcome and outcome.ok else ("FAIL" if outcome else "    ")
            if outcome and outcome.detail:
                out.append(L_("  {mark} {assumption}: {detail}", mark=mark,
                              assumption=L_(check.assumption), detail=outcome.detail))
            else:
                out.append(L_("  {mark} {assumption}", mark=mark,
                              assumption=L_(check.assumption)))
        if self.refusal:
            out.append(L_("not resumable: {why}", why=self.refusal))
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
        return plan(refusal=L_("kkui does not know kk's module {module}; {alternative}",
                               module=repr(failed_module), alternative=L_(SAFE_ALTERNATIVE)))
    if entry.phase == RESTART:
        return plan(refusal=L_("{why}, before it changed the hosts: run `kkui install` again "
                               "(nothing to resume)", why=L_(entry.why)))
    if entry.phase == REFUSE:
        return plan(refusal=L_("{why}; {alternative}", why=L_(entry.why),
                               alternative=L_(SAFE_ALTERNATIVE)))
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
                        L_("{hosts} answered", hosts=", ".join(h.name for h in hosts)))


def _etcd_healthy(model: ClusterModel, known: KnownHosts | None) -> CheckOutcome:
    if model.etcd_type != "kubekey":
        return CheckOutcome("etcd-healthy", True, L_("etcd type {type}: not kk's",
                                                     type=model.etcd_type))
    from kkui.core.verify.engine import run_verify

    report = run_verify(model, only=["etcd-health"], timeout=15, known_hosts=known)
    bad = [f"{r.target}: {r.detail}" for r in report.results if r.status != "pass"]
    return CheckOutcome("etcd-healthy", report.ok and not bad, "; ".join(bad) or L_("healthy"))


def _control_plane(model: ClusterModel, known: KnownHosts | None) -> CheckOutcome:
    from kkui.core.ssh import SshError, connect

    first = next(iter(model.control_plane_hosts), None)
    if first is None:
        return CheckOutcome("control-plane", False, L_("the config has no control-plane node"))
    try:
        with connect(first, known_hosts=known) as session:
            res = session.run("test -f /etc/kubernetes/admin.conf && systemctl is-active "
                              "--quiet kubelet", sudo=True, timeout=20)
    except SshError as exc:
        return CheckOutcome("control-plane", False, str(exc))
    if not res.ok:
        return CheckOutcome("control-plane", False, L_(
            "{host}: no /etc/kubernetes/admin.conf or kubelet not active: the control plane was "
            "never initialised", host=first.name))
    return CheckOutcome("control-plane", True, L_("{host}: admin.conf present, kubelet active",
                                                  host=first.name))


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
    refusal = "" if all(o.ok for o in outcomes) else L_(
        "the state the phases assume is not there ({detail}); {alternative}",
        detail=outcomes[-1].detail, alternative=L_(SAFE_ALTERNATIVE))
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
        raise NothingToResume(L_("no install of cluster {name} in the run history: nothing to "
                                 "resume; run `kkui install`", name=model.name))
    outcome = last.summary.outcome
    if outcome in ("success", "running"):
        raise NothingToResume(
            L_("the last install of {name} (run {run}) installed the cluster: nothing to "
               "resume", name=model.name, run=last.summary.id) if outcome == "success" else
            L_("the last install of {name} (run {run}) is still running: nothing to resume",
               name=model.name, run=last.summary.id))
    seen = [s.name.removeprefix("kk: ") for s in last.stages if s.name.startswith("kk: ")]
    failed = last.summary.failed_module or (seen[-1] if seen else "")
    if not failed:
        raise NothingToResume(L_("the last install of {name} (run {run}, {outcome}) stopped "
                                 "before kk ran a module: run `kkui install`", name=model.name,
                                 run=last.summary.id, outcome=outcome))
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
    run.add_findings(report.findings())
    return report
