"""Cluster ops: day 2 of an installed cluster (issue #15) — the certificate calendar and its
renewal, an etcd snapshot, the upgrade to a version one step away, adding and deleting nodes.

Each action calls the same core functions as the CLI (``kkui certs``, ``etcd snapshot``,
``upgrade``, ``nodes add|delete``): the calendar and the snapshot from kkui.core.day2, kk's runs
through :func:`kkui.core.day2.kkflow.recorded_operation` (history record, cluster lock, precheck
gate, kk binary, workdir) with the after-steps of :mod:`kkui.core.day2.flows`.  Anything that
changes the cluster asks first in a dialog naming what will change; the dialog is the answer
to kk's own ``[yes/no]``.  Output goes to the pane; ``x`` stops a kk run (its whole tree).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, RichLog, Static
from textual.worker import Worker, WorkerState

from kkui.core.config import ClusterDocument
from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLE_ETCD, ClusterModel
from kkui.core.config.profiles import uses_example_addresses
from kkui.core.errors import KkuiError
from kkui.core.kk.workdir import default_workdir
from kkui.core.sanitize import for_display
from kkui.tui.batching import EventBatcher
from kkui.tui.messages import (
    KkEventsReceived,
    OpsCertsRead,
    OpsFinished,
    OpsOutput,
    OpsVersionsRead,
)
from kkui.tui.modals.choose import Choose
from kkui.tui.modals.confirm import Confirm
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar

if TYPE_CHECKING:
    from kkui.core.install import InstallPlan
    from kkui.core.runs import Run

CERT_STYLES = {"pass": ("✔ pass", "green"), "warn": ("! warn", "yellow"),
               "fail": ("✘ FAIL", "bold red"), "error": ("? error", "bold red")}
SAY_STYLES = {"ok": "green", "fail": "bold red", "warn": "yellow", "note": "", "gate": "red",
              "detail": ""}
ACTIONS = ("certs", "renew", "snapshot", "upgrade", "add_nodes", "delete_node")
IDLE_TEXT = ("c reads the certificate calendar, R renews (kk certs renew), s takes an etcd "
             "snapshot, u upgrades one step, a adds the new hosts of the config, d deletes a "
             "worker. Nothing connects to a host before you press a key; anything that changes "
             "the cluster asks first.")

# kk's after-step: gets the plan, the run and say(kind, text); returns the exit status
After = Callable[["InstallPlan", "Run", Callable[[str, str], None]], int]
Before = Callable[["InstallPlan", "Run", Callable[[str, str], None]], "int | None"]


@dataclass
class KkJob:
    """One kk run from this screen: what it is, its after-steps, and the cancel handle the app
    calls on quit (``x`` here)."""

    action: str  # "certs renew", "upgrade", "nodes add", "nodes delete" (kkops OPERATIONS)
    value: str  # kk's argument (the version, the node) or ""
    doc: ClusterDocument  # a snapshot: the worker never reads the document being edited
    before: Before | None = None
    after: After | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    process: Any = None
    started: threading.Event = field(default_factory=threading.Event)  # kk runs
    kk_succeeded: bool = False

    def cancel(self) -> None:
        self.cancelled.set()
        if self.process is not None:
            self.process.cancel()  # each call escalates: SIGINT, SIGTERM, SIGKILL of the tree


class OpsScreen(KkuiScreen):
    CSS_PATH = "ops.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "certs", "Certificates"),
        Binding("R", "renew", "Renew certs"),
        Binding("s", "snapshot", "etcd snapshot"),
        Binding("u", "upgrade", "Upgrade"),
        Binding("a", "add_nodes", "Add nodes"),
        Binding("d", "delete_node", "Delete node"),
        Binding("x", "cancel", "Cancel kk"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.job: KkJob | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("ops")
        yield Static("", id="ops-summary")
        yield Static("", id="ops-state")
        yield DataTable(id="ops-certs", cursor_type="row", zebra_stripes=True)
        yield RichLog(id="ops-output", wrap=True, markup=False, max_lines=3000)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#ops-certs", DataTable).add_columns(
            "status", "days", "expires (UTC)", "host", "kk renews", "path")
        self._state(Text(IDLE_TEXT, style="dim"))

    # ------------------------------------------------------------------ view
    def refresh_from_document(self) -> None:
        model = self.doc.model()
        planes = len(model.control_plane_hosts)
        workers = sum(1 for h in model.hosts if "worker" in model.roles_of(h.name))
        lb = model.kkui.load_balancer
        self.query_one("#ops-summary", Static).update(Text.assemble(
            ("cluster", "bold"), f" {model.name} · ", ("Kubernetes", "bold"),
            f" {model.kubernetes_version} · {planes} control plane(s), {workers} worker(s), "
            f"{len(model.etcd_hosts)} etcd · ",
            ("LB pair", "bold"), f" {', '.join(h.name for h in lb.hosts) or 'none'}"))
        self.refresh_bindings()

    def _state(self, text: Text) -> None:
        self.query_one("#ops-state", Static).update(text)

    def out(self, line: Text | str) -> None:
        self.query_one("#ops-output", RichLog).write(line)

    def running(self) -> str:
        """The running action's name ("" when idle), from the app's workers."""
        return next((w.name for w in self.kapp.workers if w.group == "ops" and w.is_running),
                    "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action in ACTIONS:
            return not self.running() or None
        if action == "cancel":
            return bool(self.running() and self.job is not None) or None
        return True

    def say_poster(self) -> Callable[[str, str], None]:
        """Core's ``say(kind, text)`` from a worker thread, as lines in the pane."""
        def say(kind: str, text: str) -> None:
            line = f"  {text}" if kind in ("detail", "gate") else text
            self.post_message(OpsOutput(Text(for_display(line), style=SAY_STYLES.get(kind, ""))))
        return say

    @on(OpsOutput)
    def _output(self, message: OpsOutput) -> None:
        self.out(message.line)

    @on(KkEventsReceived)
    def _kk_lines(self, message: KkEventsReceived) -> None:
        from kkui.core.kk.events import RawLine

        for event in message.events:
            if isinstance(event, RawLine):
                self.out(Text(event.text, style="dim"))

    # ------------------------------------------------------------------ gates
    def _model_ready(self) -> ClusterModel | None:
        model = self.doc.model()
        if uses_example_addresses(model):
            self.notify("This config still has the profile's example addresses "
                        "(192.168.233.x): put your hosts in first", severity="warning")
            return None
        errors = [p for p in self.doc.validate() if p.severity == "error"]
        if errors:
            self.notify(f"{len(errors)} error(s) in the config: see Review (4)",
                        severity="error", title="Not started")
            return None
        return model

    def _begin(self, title: str) -> None:
        self.out(Text(f"── {title}", style="bold"))
        self._state(Text(f"Running: {title}…", style="bold"))

    # ------------------------------------------------------------------ certificates
    def action_certs(self) -> None:
        model = self._model_ready()
        if model is None:
            return
        self._begin("certificate calendar (read-only)")
        self.read_certs(model)

    @work(thread=True, exclusive=True, group="ops", name="certs", exit_on_error=False)
    def read_certs(self, model: ClusterModel) -> None:
        from kkui.core.day2.certs import NOT_RENEWED_BY_KK, collect_certs

        try:
            rows, unreachable = collect_certs(model)
        except (KkuiError, OSError) as exc:
            self.post_message(OpsFinished("certs", None, f"✘ certificates not read: {exc}"))
            return
        self.post_message(OpsCertsRead(rows, unreachable))
        bad = sum(r.status in ("fail", "error") for r in rows) + len(unreachable)
        warn = sum(r.status == "warn" for r in rows)
        self.post_message(OpsOutput(Text(NOT_RENEWED_BY_KK, style="dim")))
        self.post_message(OpsFinished(
            "certs", 1 if bad else 0,
            f"{'✘' if bad else '✔'} {len(rows)} certificates: {bad} failing or unreadable "
            f"(< 7 days), {warn} expiring within 30 days"))

    @on(OpsCertsRead)
    def _certs_read(self, message: OpsCertsRead) -> None:
        table = self.query_one("#ops-certs", DataTable)
        table.clear()
        for r in message.rows:
            label, style = CERT_STYLES[r.status]
            days = "?" if r.days_left is None else f"{r.days_left:.0f}"
            when = (r.not_after or "unreadable")[:16].replace("T", " ")
            renews = "yes" if r.renewed_by_kk else ("CA" if r.is_ca else "no")
            table.add_row(Text(label, style=style), days, when, r.host, renews, r.path)
        for host, why in message.unreachable.items():
            table.add_row(Text("? error", style="bold red"), "?", "unreadable", host, "",
                          for_display(why, newlines=False))

    def action_renew(self) -> None:
        model = self._model_ready()
        if model is None:
            return
        from kkui.core.day2.certs import NOT_RENEWED_BY_KK

        planes = ", ".join(h.name for h in model.control_plane_hosts)
        self._confirm_kk(KkJob("certs renew", "", self._doc_copy(), after=self._after_renew),
                         "Renew the certificates?",
                         f"kk certs renew runs `kubeadm certs renew` on {planes} and restarts "
                         f"the control-plane components there.\n\n{NOT_RENEWED_BY_KK}",
                         yes="Renew")

    def _after_renew(self, plan: InstallPlan, run: Run, say: Callable[[str, str], None]) -> int:
        from kkui.core.day2.certs import NOT_RENEWED_BY_KK, collect_certs

        say("warn", NOT_RENEWED_BY_KK)
        say("note", "the calendar after the renewal: in the table above")
        rows, unreachable = collect_certs(plan.model)
        self.post_message(OpsCertsRead(rows, unreachable))
        return 1 if unreachable or any(r.status in ("fail", "error") for r in rows) else 0

    # ------------------------------------------------------------------ etcd
    def snapshot_dir(self) -> Path:
        workdir = self.kapp.workdir or default_workdir(self.doc.model().name, self.doc.path)
        return workdir / "etcd-snapshots"

    def action_snapshot(self) -> None:
        model = self._model_ready()
        if model is None:
            return
        out = self.snapshot_dir()
        members = ", ".join(h.name for h in model.etcd_hosts) or "(no etcd group)"
        text = (f"kkui takes `etcdctl snapshot save` on the first healthy member of {members} "
                f"with kk's certificates, copies it here and removes it from the host (it holds "
                f"every Secret of the cluster).\n\nKept in {out} (0600, with its sha256).")

        def start() -> None:
            self._begin("etcd snapshot")
            self.take_snapshot(model, out)

        self.app.push_screen(Confirm("Take an etcd snapshot?", text, yes="Snapshot"),
                             lambda yes: start() if yes else None)

    @work(thread=True, exclusive=True, group="ops", name="etcd snapshot", exit_on_error=False)
    def take_snapshot(self, model: ClusterModel, out: Path) -> None:
        from kkui.core.day2.etcd import take_snapshot

        say = self.say_poster()
        try:
            snap = take_snapshot(model, out, on_step=lambda text: say("note", text))
        except (KkuiError, OSError) as exc:
            self.post_message(OpsFinished("snapshot", 1, f"✘ no snapshot: {exc}"))
            return
        self.post_message(OpsFinished(
            "snapshot", 0, f"✔ snapshot {snap.path} ({snap.size} bytes, revision "
            f"{snap.revision}, {snap.total_keys} keys, from {snap.member}, sha256 "
            f"{snap.sha256})"))

    # ------------------------------------------------------------------ upgrade
    def action_upgrade(self) -> None:
        model = self._model_ready()
        if model is None:
            return
        self._begin("upgrade: reading the running version")
        self.read_versions(model)

    @work(thread=True, exclusive=True, group="ops", name="versions", exit_on_error=False)
    def read_versions(self, model: ClusterModel) -> None:
        from kkui.core.day2.upgrade import next_steps, running_version

        try:
            running = running_version(model)
        except (KkuiError, OSError) as exc:
            self.post_message(OpsVersionsRead(None, [], str(exc)))
            return
        self.post_message(OpsVersionsRead(running, next_steps(running.version)))

    @on(OpsVersionsRead)
    def _versions_read(self, message: OpsVersionsRead) -> None:
        running = message.running
        if running is None:
            self._finished(OpsFinished("upgrade", None, f"✘ {message.error}"))
            return
        self.out(f"the cluster runs Kubernetes {running.version} (asked on {running.via})")
        if not message.steps:
            self._finished(OpsFinished("upgrade", 0, f"✔ nothing kk v3.1.12 supports is one "
                                       f"step away from {running.version}"))
            return
        self._state(Text(IDLE_TEXT, style="dim"))

        def chosen(target: str | None) -> None:
            if target is None:
                return
            self._confirm_kk(
                KkJob("upgrade", target, self._doc_copy(), after=self._after_upgrade),
                f"Upgrade to {target}?",
                f"kk upgrade --with-kubernetes {target}: {running.version} → {target} on every "
                "node, control planes first, one at a time (kubeadm upgrade; each node "
                "drained and restarted). Then verify; the config's version is set to "
                f"{target}.", yes="Upgrade")

        self.app.push_screen(Choose(
            "Upgrade to which version?",
            f"Running {running.version}. kubeadm upgrades one minor at a time; these are the "
            "versions kk v3.1.12 supports one step away:",
            [(v, v) for v in message.steps]), chosen)

    def _after_upgrade(self, plan: InstallPlan, run: Run,
                       say: Callable[[str, str], None]) -> int:
        from kkui.core.day2.flows import verify_step

        return verify_step(plan.model, say, run)

    # ------------------------------------------------------------------ nodes
    def action_add_nodes(self) -> None:
        from kkui.core.day2.nodes import applied_config, diff_hosts, lb_followup

        model = self._model_ready()
        if model is None:
            return
        workdir = self.kapp.workdir or default_workdir(model.name, self.doc.path)
        found = applied_config(model, workdir)
        if found is None:
            self.notify("No applied config to compare with: no install or nodes add in the "
                        f"history and no {workdir}/config-sample.yaml", severity="error",
                        title="Not started")
            return
        applied = ClusterDocument.from_text(found[0], source=found[1]).model()
        diff = diff_hosts(applied, model, found[1])
        if not diff.new:
            self.notify("No new host in the config: add host rows and roles on Hosts (1) and "
                        "Roles (2) first", severity="warning", title="Nothing to add")
            return
        roles = {n: "/".join(model.roles_of(n)) for n in diff.new}
        lines = [f"New: {', '.join(f'{n} ({roles[n]})' for n in diff.new)}",
                 f"Touched by kk (precheck, OS configuration, etcd certificates re-run on "
                 f"every existing host, kubekey#1638, #1787): {', '.join(diff.touched)}"]
        if diff.changed:
            lines.append(f"Changed rows kk does NOT apply: {', '.join(diff.changed)}")
        note = lb_followup(diff, model, "the config")
        if note:
            lines.append(f"Then: {note}")
        lines.append(f"Compared with {diff.baseline}.")

        def after(plan: InstallPlan, run: Run, say: Callable[[str, str], None]) -> int:
            from kkui.core.day2.flows import after_nodes_add

            return after_nodes_add(diff, plan.model, say, run)

        self._confirm_kk(KkJob("nodes add", "", self._doc_copy(), after=after),
                         f"Add {len(diff.new)} node(s) with kk add nodes?", "\n\n".join(lines),
                         yes="Add nodes")

    def action_delete_node(self) -> None:
        model = self._model_ready()
        if model is None:
            return
        workers = [h.name for h in model.hosts
                   if not {ROLE_CONTROL_PLANE, ROLE_ETCD} & set(model.roles_of(h.name))
                   and "worker" in model.roles_of(h.name)]
        if not workers:
            self.notify("No worker-only node to delete (control-plane and etcd nodes are "
                        "replaced with `kkui nodes replace`)", severity="warning")
            return
        self.app.push_screen(Choose(
            "Delete which worker?", "kkui drains it, kk deletes it, its row leaves the config, "
            "then verify. Control-plane and etcd nodes are not offered (kk deletes workers "
            "only; use `kkui nodes replace`).", [(n, n) for n in workers]),
            self._delete_chosen)

    def _delete_chosen(self, name: str | None) -> None:
        from kkui.core.day2.nodes import NodeRefused, removal_check

        if name is None:
            return
        model = self.doc.model()
        try:
            check = removal_check(model, name, force=False)
        except NodeRefused as exc:
            self.notify(str(exc), severity="error", title="Refused", timeout=15)
            return
        rest = ClusterDocument.from_text(self.doc.to_text(), source="<ops>")
        rest.remove_host(name)

        def before(plan: InstallPlan, run: Run, say: Callable[[str, str], None]) -> int | None:
            from kkui.core.day2.flows import before_nodes_delete

            return before_nodes_delete(model, name, check.roles, say, run)

        def after(plan: InstallPlan, run: Run, say: Callable[[str, str], None]) -> int:
            from kkui.core.day2.flows import verify_step

            return verify_step(rest.model(), say, run)

        self._confirm_kk(KkJob("nodes delete", name, self._doc_copy(), before=before,
                               after=after),
                         f"Delete {name}?",
                         f"kubectl cordon + drain {name} (on another control-plane node), then "
                         f"kk delete node {name} (kubeadm reset there), then its row leaves the "
                         "config and verify runs.", yes=f"Delete {name}")

    # ------------------------------------------------------------------ kk runs
    def _doc_copy(self) -> ClusterDocument:
        return ClusterDocument.from_text(self.doc.to_text(), source=self.doc.source)

    def _confirm_kk(self, job: KkJob, title: str, text: str, *, yes: str) -> None:
        from kkui.core.day2.kkops import OPERATIONS, plan_operation
        from kkui.core.install import InstallOptions

        app = self.kapp
        options = InstallOptions(workdir=app.workdir, kk_binary=app.kk_binary,
                                 base_url=app.kk_base_url, log_dir=app.log_dir,
                                 skip_precheck=app.skip_precheck)
        try:
            plan = plan_operation(job.doc, options, job.action, job.value)
        except KkuiError as exc:
            problems = getattr(exc, "problems", None)
            self.notify(f"{sum(p.severity == 'error' for p in problems)} error(s) in the "
                        "config: see Review (4)" if problems else str(exc),
                        severity="error", title="Not started")
            return
        argv = " ".join(plan.argv)
        text += (f"\n\nkk: {argv} in {plan.workdir}; "
                 + ("kkui's precheck is skipped (--skip-precheck)." if plan.skip_precheck
                    else "kkui's precheck of every host runs first."))

        def start() -> None:
            self.job = job
            self.kapp.busy["ops"] = job.cancel
            self._begin(f"{OPERATIONS[job.action].title}: {argv}")
            self.run_kk(job, plan)

        self.app.push_screen(Confirm(title, text, yes=yes),
                             lambda ok: start() if ok else None)

    @work(thread=True, exclusive=True, group="ops", name="kk", exit_on_error=False)
    def run_kk(self, job: KkJob, plan: InstallPlan) -> None:
        from kkui.core.day2.kkflow import OperationHooks, recorded_operation
        from kkui.core.download.fetch import DownloadCancelled

        say = self.say_poster()
        def send(batch: list[Any]) -> None:
            self.post_message(KkEventsReceived(batch))

        batcher = EventBatcher(send)

        def started(process: Any) -> None:
            job.process = process
            job.started.set()
            if job.cancelled.is_set():
                process.cancel()

        def step(fn: Any) -> Any:
            if fn is None:
                return None

            def call(plan: InstallPlan, run: Run) -> Any:
                batcher.flush()
                if fn is job.after:
                    job.kk_succeeded = True  # after-steps only run when kk exited 0
                return fn(plan, run, say)
            return call

        hooks = OperationHooks(say=say, on_event=batcher.add, on_tick=batcher.tick,
                               on_started=started, cancel=job.cancelled)
        try:
            code = recorded_operation(job.doc, plan, job.action, hooks,
                                      argv=("tui", "ops", job.action),
                                      before=step(job.before), after=step(job.after))
        except DownloadCancelled:
            code = 130
        except (KkuiError, OSError) as exc:
            batcher.flush()
            self.post_message(OpsFinished(job.action, None, f"✘ {job.action}: {exc}"))
            return
        batcher.flush()
        summary = {0: f"✔ {job.action} done", 130: f"■ {job.action} cancelled"}.get(
            code, f"✘ {job.action} failed (exit {code}); full output: {plan.log_path}")
        self.post_message(OpsFinished(job.action, code, summary, job.kk_succeeded))

    def action_cancel(self) -> None:
        job = self.job
        if job is None or not self.running():
            return
        self.app.push_screen(Confirm("Stop kk?", f"kkui stops {job.action} now: kk and every "
                                     "process it started. A host may be left half-changed; "
                                     "the log says where kk was.", yes="Stop kk"),
                             lambda yes: job.cancel() if yes else None)

    # ------------------------------------------------------------------ the end
    @on(OpsFinished)
    def _finished(self, message: OpsFinished) -> None:
        job = self.job if message.action == getattr(self.job, "action", None) else None
        if job is not None:
            self.kapp.busy.pop("ops", None)
            self.job = None
            if message.kk_succeeded:
                self._apply_config_change(job)
        ok = message.code == 0
        self.out(Text(message.summary, style="bold green" if ok else "bold red"))
        self._state(Text(message.summary, style="bold green" if ok else "bold red"))
        self.refresh_bindings()

    def _apply_config_change(self, job: KkJob) -> None:
        """What kk changed, in the document (the operator saves it, as every TUI edit)."""
        from kkui.core.day2.flows import remove_deleted_host, set_upgraded_version

        lines: list[str] = []
        if job.action == "upgrade":
            self.kapp.edit(lambda: lines.append(
                set_upgraded_version(self.doc, job.value, save=False)))
        elif job.action == "nodes delete" and job.value in self.doc.host_names():
            self.kapp.edit(lambda: lines.append(
                remove_deleted_host(self.doc, job.value, save=False)))
        for line in lines:
            self.out(Text(line, style="yellow"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "ops":
            return
        if event.state == WorkerState.ERROR:
            self.post_message(OpsFinished(
                getattr(self.job, "action", event.worker.name), None,
                f"✘ {event.worker.name} stopped by a kkui bug "
                f"({type(event.worker.error).__name__})"))
        self.refresh_bindings()
