"""Run a failure drill: plan, safety checks, host-side undo, break, watch, restore, re-verify.

Order of a drill (every step is a timeline event):
1. plan the targets (``--target`` or a default) and refuse what is unsafe: a master drill with
   no other control plane, or one that would stop more etcd members than the quorum allows;
2. ``kkui verify`` must be clean first (``force`` skips this);
3. on every target host the restore is written and a timer armed that runs it after
   ``max_outage`` seconds even if kkui dies (:mod:`kkui.core.drill.guard`);
4. a monitor samples the cluster every second from a control-plane node that is not a target;
5. the failure is made, held for ``hold`` seconds (a node drill also ends once the node is seen
   NotReady), then kkui restores (also on Ctrl-C or any error) and disarms the timers;
6. wait until the API, etcd and every node are back, then verify again; verdicts per expectation.
"""

from __future__ import annotations

import secrets
import shlex
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from kkui.core.config.model import ClusterModel, Host
from kkui.core.drill.actions import HostAction, Mode, lb_action, master_action, worker_action
from kkui.core.drill.guard import arm_script, disarm_script, parse_armed
from kkui.core.drill.monitor import Monitor, Sample, namespace_script
from kkui.core.drill.report import DrillReport, Event, Verdict
from kkui.core.errors import KkuiError, message_of
from kkui.core.ssh import KnownHosts, SshError, SshSession, connect
from kkui.core.verify.checks import endpoint_url
from kkui.core.verify.report import VerifyReport
from kkui.i18n import L_

Kind = Literal["master", "node", "reference"]
KINDS: tuple[Kind, ...] = ("master", "node", "reference")
DEFAULT_HOLD = {"master": 20.0, "node": 60.0, "reference": 30.0}


class DrillRefused(KkuiError):
    """The drill would be unsafe or the cluster is not healthy enough: nothing was changed."""


@dataclass(frozen=True)
class DrillOptions:
    kind: Kind
    target: str | None = None
    mode: Mode = "stop"
    max_outage: float = 120.0
    hold: float | None = None
    recovery_timeout: float = 120.0
    api_tolerance: float = 10.0      # longest API outage through the endpoint that passes
    write_tolerance: float = 10.0
    force: bool = False
    timeout: float = 10.0
    strict_host_keys: bool = False


@dataclass
class DrillPlan:
    actions: list[HostAction]
    observer_candidates: list[Host]
    etcd_stopped: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def targets(self) -> dict[str, str]:
        return {a.host: a.description for a in self.actions}


def _pick(model: ClusterModel, candidates: Sequence[Host], wanted: str | None,
          what: str) -> Host:
    if wanted:
        host = next((h for h in candidates if h.name == wanted), None)
        if host is None:
            names = ", ".join(h.name for h in candidates) or L_("none")
            raise DrillRefused(L_("--target {wanted}: not a {what} of the config ({what}s: "
                                  "{names})", wanted=wanted, what=what, names=names))
        return host
    if not candidates:
        raise DrillRefused(L_("the config has no {what} to drill", what=what))
    return candidates[-1]   # the last one: usually not the first master kk set up


def plan_drill(model: ClusterModel, options: DrillOptions,
               lb_holder: str | None = None) -> DrillPlan:
    """The actions and the safety arithmetic; DrillRefused when unsafe (pure, no I/O)."""
    masters = list(model.control_plane_hosts)
    etcd_names = {h.name for h in model.etcd_hosts}
    workers = [h for h in model.worker_hosts if h.name not in {m.name for m in masters}]
    actions: list[HostAction] = []
    notes: list[str] = []
    if options.kind in ("master", "reference"):
        if len(masters) < 2:
            raise DrillRefused(L_("a master drill needs at least two control-plane nodes: with "
                                  "one, stopping it stops the cluster"))
        target = _pick(model, masters, options.target if options.kind == "master" else None,
                       L_("control-plane node"))
        actions.append(master_action(target.name, etcd=target.name in etcd_names,
                                     mode=options.mode))
    if options.kind in ("node", "reference"):
        target = _pick(model, workers, options.target if options.kind == "node" else None,
                       L_("worker (not a control plane)"))
        actions.append(worker_action(target.name, mode=options.mode))
    if options.kind == "reference":
        if model.kkui.load_balancer.configured:
            if lb_holder is None:
                raise DrillRefused(L_("no LB holds the VIP: fix the pair first (kkui lb status)"))
            actions.insert(0, lb_action(lb_holder))
        else:
            notes.append(L_("the config has no kkui LB pair: the reference drill stops a master "
                            "and a worker only"))
    stopped = [a.host for a in actions if a.host in etcd_names and a.role == "master"]
    total = len(etcd_names)
    needed = total // 2 + 1
    if model.etcd_type == "kubekey" and total and total - len(stopped) < needed:
        raise DrillRefused(L_("stopping {hosts} leaves {left} of {total} etcd members, below the "
                              "quorum of {needed}: refused", hosts=", ".join(stopped),
                              left=total - len(stopped), total=total, needed=needed))
    broken = {a.host for a in actions}
    observers = [m for m in masters if m.name not in broken]
    return DrillPlan(actions, observers, stopped, notes)


class _Timeline:
    def __init__(self, on_event: Callable[[Event], None] | None) -> None:
        self.start = time.monotonic()
        self.events: list[Event] = []
        self.on_event = on_event
        self.lock = threading.Lock()

    def note(self, text: str) -> Event:
        event = Event(time.time(), time.monotonic() - self.start, text)
        with self.lock:
            self.events.append(event)
        if self.on_event:
            self.on_event(event)
        return event


def _root_run(session: SshSession, script: str, timeout: float) -> str:
    res = session.run(f"/bin/bash -c {shlex.quote(script)}", sudo=True, timeout=timeout)
    if not res.ok:
        why = (res.stderr.strip().splitlines() or [L_("exit status {rc}", rc=res.exit_status)])[-1]
        raise SshError(f"{session.host.name}: {why}", host=session.host.name)
    return res.stdout


class _SampleWatcher:
    """Turns samples into timeline events when something changes."""

    def __init__(self, timeline: _Timeline) -> None:
        self.timeline = timeline
        self.last: Sample | None = None

    def __call__(self, s: Sample) -> None:
        prev = self.last
        self.last = s
        if prev is None or prev.api_ok != s.api_ok:
            self.timeline.note(L_("the API answers through the endpoint") if s.api_ok else
                               L_("the API does NOT answer through the endpoint"))
        if prev is None or prev.write_ok != s.write_ok:
            self.timeline.note(L_("test writes succeed") if s.write_ok else
                               L_("test writes FAIL"))
        if s.etcd_healthy is not None and (prev is None or prev.etcd_healthy != s.etcd_healthy):
            self.timeline.note(L_("etcd: {count} healthy members", count=s.etcd_healthy))
        for name, ready in sorted(s.nodes.items()):
            before = None if prev is None else prev.nodes.get(name)
            if before is not None and before != ready:
                self.timeline.note(L_("node {name} is {state}", name=name,
                                      state="Ready" if ready else "NotReady"))


def run_drill(model: ClusterModel, options: DrillOptions, *,
              verify: Callable[[], VerifyReport],
              lb_holder: Callable[[], str | None] | None = None,
              on_event: Callable[[Event], None] | None = None,
              cancel: threading.Event | None = None,
              known_hosts: KnownHosts | None = None,
              connector: Callable[..., SshSession] = connect) -> DrillReport:
    """Run the drill; DrillRefused (nothing changed) for unsafe plans or an unclean verify."""
    cancel = cancel or threading.Event()
    holder = lb_holder() if (options.kind == "reference" and lb_holder) else None
    plan = plan_drill(model, options, holder)
    timeline = _Timeline(on_event)
    etcd_total = len(model.etcd_hosts) if model.etcd_type == "kubekey" else 0
    report = DrillReport(options.kind, options.mode, plan.targets, endpoint_url(model),
                         etcd_total, events=timeline.events)
    for note in plan.notes:
        timeline.note(note)
    if not options.force:
        timeline.note(L_("verifying the cluster before the drill"))
        before = verify()
        bad = [f"{r.id} {r.target}: {r.status}" for r in before.results
               if r.status in ("fail", "error")]
        if bad:
            raise DrillRefused(L_("kkui verify is not clean, so the drill could not tell its "
                                  "own damage from what is already broken: {failing}. Fix it "
                                  "first, or pass --force", failing="; ".join(bad[:5])))
        timeline.note(L_("verify is clean ({passed} passed, {warnings} warnings)",
                         passed=before.summary["pass"], warnings=before.summary["warn"]))
    known = known_hosts if known_hosts is not None else KnownHosts()
    sessions: dict[str, SshSession] = {}
    hosts = {h.name: h for h in (*model.hosts, *model.kkui.load_balancer.hosts)}

    def session(name: str) -> SshSession:
        if name not in sessions or not sessions[name].active:
            sessions[name] = connector(hosts[name], known_hosts=known,
                                       strict_host_keys=options.strict_host_keys,
                                       connect_timeout=min(5.0, options.timeout))
        return sessions[name]

    drill_id = time.strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)
    armed: list[str] = []
    broken: list[HostAction] = []
    monitor: Monitor | None = None
    try:
        observer = _observer(plan, session, timeline)
        etcd_node = observer.name if observer.name in {h.name for h in model.etcd_hosts} \
            else None
        # 3. the undo on every host first; any failure here changes nothing
        for action in plan.actions:
            handle = parse_armed(_root_run(session(action.host), arm_script(
                f"{drill_id}-{action.host}", action.restore_script, options.max_outage),
                options.timeout))
            armed.append(action.host)
            timeline.note(L_("{host}: restore registered on the host ({handle}, runs after "
                             "{seconds:g} s unless kkui restores first)", host=action.host,
                             handle=handle, seconds=options.max_outage))
        with_ns = namespace_script(report.endpoint)
        session(observer.name).run(f"/bin/bash -c {shlex.quote(with_ns)}", sudo=True,
                                   timeout=options.timeout)
        monitor = Monitor(session(observer.name), endpoint=report.endpoint,
                          etcd_node=etcd_node,
                          etcd_endpoints=[f"https://{h.internal_ipv4}:2379"
                                          for h in model.etcd_hosts],
                          start=timeline.start, timeout=options.timeout,
                          on_sample=_SampleWatcher(timeline))
        monitor.start()
        _wait(cancel, 2.0)     # a baseline before the failure
        # 5. the failure
        for action in plan.actions:
            if cancel.is_set():
                break
            _root_run(session(action.host), action.break_script, options.timeout)
            broken.append(action)
            timeline.note(L_("{host}: {what}", host=action.host, what=action.description))
        hold = options.hold if options.hold is not None else DEFAULT_HOLD[options.kind]
        until = time.monotonic() + hold
        watched = [a.host for a in plan.actions if a.role == "worker"]
        while time.monotonic() < until and not cancel.is_set():
            last = monitor.samples[-1] if monitor.samples else None
            if options.kind == "node" and last and watched and \
                    all(last.nodes.get(n) is False for n in watched):
                timeline.note(L_("{hosts} seen NotReady: restoring", hosts=", ".join(watched)))
                break
            cancel.wait(0.2)
        if cancel.is_set():
            timeline.note(L_("interrupted: restoring now"))
    except (KkuiError, OSError) as exc:
        report.error = message_of(exc)
        timeline.note(L_("drill stopped: {error}", error=message_of(exc)))
    finally:
        _restore(plan, broken, armed, session, drill_id, options, timeline, report)
    try:
        if monitor is not None and report.error is None:
            _wait_recovered(model, monitor, options, timeline, cancel)
    finally:
        if monitor is not None:
            monitor.stop()
            report.samples = list(monitor.samples)
        for s in sessions.values():
            s.close()
    after = verify()
    report.verdicts = _verdicts(model, plan, report, after, options)
    return report


def _observer(plan: DrillPlan, session: Callable[[str], SshSession],
              timeline: _Timeline) -> Host:
    errors = []
    for host in plan.observer_candidates:
        try:
            session(host.name)
            timeline.note(L_("watching from {host}", host=host.name))
            return host
        except SshError as exc:
            errors.append(str(exc))
    raise DrillRefused(L_("no control-plane node outside the drill is reachable to watch from: "
                          "{errors}", errors="; ".join(errors)))


def _restore(plan: DrillPlan, broken: list[HostAction], armed: list[str],
             session: Callable[[str], SshSession], drill_id: str, options: DrillOptions,
             timeline: _Timeline, report: DrillReport) -> None:
    for action in plan.actions:
        if action.host not in armed:
            continue
        try:
            if action in broken:
                _root_run(session(action.host), action.restore_script, options.timeout)
                timeline.note(L_("{host}: restored", host=action.host))
            _root_run(session(action.host), disarm_script(f"{drill_id}-{action.host}"),
                      options.timeout)
        except (KkuiError, OSError) as exc:
            report.error = report.error or L_("could not restore {host}: {error}",
                                              host=action.host, error=message_of(exc))
            timeline.note(L_("{host}: kkui could not restore it ({error}); the host's own timer "
                             "restores it within {seconds:g} s of the start", host=action.host,
                             error=message_of(exc), seconds=options.max_outage))


def _wait(cancel: threading.Event, seconds: float) -> None:
    cancel.wait(seconds)


def _wait_recovered(model: ClusterModel, monitor: Monitor, options: DrillOptions,
                    timeline: _Timeline, cancel: threading.Event) -> None:
    deadline = time.monotonic() + options.recovery_timeout
    total = len(model.etcd_hosts)
    while time.monotonic() < deadline:
        last = monitor.samples[-1] if monitor.samples else None
        if last and last.api_ok and last.write_ok and all(last.nodes.values()) and \
                (last.etcd_healthy is None or last.etcd_healthy == total):
            timeline.note(L_("recovered: API, writes, etcd and every node are back"))
            return
        time.sleep(0.2)
    timeline.note(L_("not recovered after {seconds:g} s", seconds=options.recovery_timeout))


def _verdicts(model: ClusterModel, plan: DrillPlan, report: DrillReport,
              after: VerifyReport, options: DrillOptions) -> list[Verdict]:
    verdicts = [
        Verdict(L_("the API kept answering through the endpoint"),
                report.api_outage <= options.api_tolerance,
                L_("longest outage {outage:.1f} s (tolerance {tolerance:g} s)",
                   outage=report.api_outage, tolerance=options.api_tolerance)),
        Verdict(L_("no test write failed for longer than {tolerance:g} s",
                   tolerance=options.write_tolerance),
                report.write_failure <= options.write_tolerance,
                L_("longest run of failed writes {seconds:.1f} s",
                   seconds=report.write_failure)),
    ]
    total = report.etcd_members
    if total and report.etcd_min_healthy is not None:
        needed = total // 2 + 1
        verdicts.append(Verdict(L_("etcd kept its quorum"), report.etcd_min_healthy >= needed,
                                L_("lowest: {lowest} of {total} healthy ({needed} needed)",
                                   lowest=report.etcd_min_healthy, total=total,
                                   needed=needed)))
    # a node drill holds until the worker is seen NotReady: that is its expectation; for the
    # master and reference drills NotReady depends on the hold time against
    # kube-controller-manager's 40 s grace period, so it is in the timeline, not a verdict
    for action in plan.actions:
        if options.kind == "node" and action.role == "worker":
            seen = any(s.nodes.get(action.host) is False for s in report.samples)
            verdicts.append(Verdict(L_("{host} was seen NotReady", host=action.host), seen,
                                    L_("seen") if seen else
                                    L_("not within the hold time (kube-controller-manager "
                                       "waits 40 s by default: raise --hold)")))
    bad = [f"{r.id} {r.target}" for r in after.results if r.status in ("fail", "error")]
    verdicts.append(Verdict(L_("the cluster is back to a clean verify"), not bad,
                            L_("clean") if not bad else
                            L_("still failing: {checks}", checks=", ".join(bad[:5]))))
    return verdicts
