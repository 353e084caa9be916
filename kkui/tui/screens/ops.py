"""Cluster ops: day 2 of an installed cluster (issue #15) — the certificate calendar and its
renewal, an etcd snapshot, the upgrade to a version one step away, adding, deleting and
replacing nodes.

Each action calls the same core functions as the CLI (``kkui certs``, ``etcd snapshot``,
``upgrade``, ``nodes add|delete|replace``): the calendar and the snapshot from kkui.core.day2,
kk's runs through :func:`kkui.tui.screens.ops_kk.run_recorded` (history record, cluster lock,
precheck gate, kk binary, workdir) with the after-steps of :mod:`kkui.core.day2.flows`, the
node dialogs in :mod:`kkui.tui.screens.ops_nodes`, the replacement's checklist in
:class:`kkui.tui.screens.ops_replace.ReplaceChecklist`.  Anything that changes the cluster asks
first in a dialog naming what will change; the dialog is the answer to kk's own ``[yes/no]``.
Output goes to the pane; ``x`` stops a kk run (its whole tree).

The footer shows one set of keys at a time: the actions when idle, only ``x`` while something
runs; the three node operations share ``n`` (a chooser) so that every key fits 120 columns in
English and 80 in Chinese; ``a``, ``d`` and ``r`` still start them directly (listed by ``?``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, RichLog, Static
from textual.worker import Worker, WorkerState

from kkui.core.config.model import ClusterModel
from kkui.core.config.profiles import uses_example_addresses
from kkui.core.errors import KkuiError, shown_error
from kkui.i18n import N_, _, shown
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
from kkui.tui.screens.ops_certs import CertCalendar
from kkui.tui.screens.ops_kk import (
    KkJob,
    Say,
    doc_copy,
    kk_options,
    ops_workdir,
    run_recorded,
    say_poster,
)
from kkui.tui.screens.ops_nodes import NodeDialogs
from kkui.tui.screens.ops_replace import ReplaceChecklist
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar

if TYPE_CHECKING:
    from kkui.core.install import InstallPlan
    from kkui.core.runs import Run

ACTIONS = ("certs", "renew", "snapshot", "upgrade", "nodes", "add_nodes", "delete_node",
           "replace_node")
IDLE_TEXT = N_("c reads the certificate calendar, R renews (kk certs renew), s takes an etcd "
               "snapshot, u upgrades one step, n offers the node operations: a adds the new "
               "hosts of the config, d deletes a worker, r replaces a control-plane/etcd node. "
               "Nothing connects to a host before you press a key; anything that changes the "
               "cluster asks first.")


class OpsScreen(KkuiScreen):
    CSS_PATH = "ops.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        # short English labels: every key and the palette fit a 100-column footer
        Binding("c", "certs", "Certs"),
        Binding("R", "renew", "Renew"),
        Binding("s", "snapshot", "Snapshot"),
        Binding("u", "upgrade", "Upgrade"),
        Binding("n", "nodes", "Nodes…"),
        Binding("a", "add_nodes", "Add nodes", show=False),
        Binding("d", "delete_node", "Delete node", show=False),
        Binding("r", "replace_node", "Replace node", show=False),
        Binding("x", "cancel", "Cancel kk"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.job: KkJob | None = None
        self.nodes = NodeDialogs(self)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("ops")
        yield Static("", id="ops-summary")
        yield Static("", id="ops-state")
        yield CertCalendar(id="ops-certs")
        yield ReplaceChecklist(id="ops-steps")
        yield RichLog(id="ops-output", wrap=True, markup=False, max_lines=3000)
        yield Footer()

    def on_mount(self) -> None:
        self._state(Text(_(IDLE_TEXT), style="dim"))

    # ------------------------------------------------------------------ view
    def refresh_from_document(self) -> None:
        model = self.doc.model()
        planes = len(model.control_plane_hosts)
        workers = sum(1 for h in model.hosts if "worker" in model.roles_of(h.name))
        lb = model.kkui.load_balancer
        self.query_one("#ops-summary", Static).update(Text.assemble(
            (_("cluster"), "bold"), f" {model.name} · ", ("Kubernetes", "bold"), " ",
            _("{version} · {planes} control plane(s), {workers} worker(s), {etcd} etcd").format(
                version=model.kubernetes_version, planes=planes, workers=workers,
                etcd=len(model.etcd_hosts)), " · ",
            (_("LB pair"), "bold"), " " + (", ".join(h.name for h in lb.hosts) or _("none"))))
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
        # one set of keys at a time (the footer fits 80 columns in Chinese): the actions when
        # idle, only `x` while something runs
        if action in ACTIONS:
            return not self.running()
        if action == "cancel":
            return bool(self.running() and self.job is not None)
        return True

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
    def model_ready(self) -> ClusterModel | None:
        """The model, when an action may start from it (real addresses, no errors)."""
        model = self.doc.model()
        if uses_example_addresses(model):
            self.notify(_("This config still has the profile's example addresses "
                          "(192.168.233.x): put your hosts in first"), severity="warning")
            return None
        errors = [p for p in self.doc.validate() if p.severity == "error"]
        if errors:
            self.notify(_("{n} error(s) in the config: see Review (4)").format(n=len(errors)),
                        severity="error", title=_("Not started"))
            return None
        return model

    def _begin(self, title: str) -> None:
        self.out(Text(f"── {title}", style="bold"))
        self._state(Text(_("Running: {title}…").format(title=title), style="bold"))

    def _show_table(self, table: str) -> None:
        """The calendar or the checklist under the state line (one at a time)."""
        self.query_one(CertCalendar).display = table == "certs"
        self.query_one(ReplaceChecklist).display = table == "steps"

    # ------------------------------------------------------------------ certificates
    def action_certs(self) -> None:
        model = self.model_ready()
        if model is None:
            return
        self._begin(_("certificate calendar (read-only)"))
        self._show_table("certs")
        self.read_certs(model)

    @work(thread=True, exclusive=True, group="ops", name="certs", exit_on_error=False)
    def read_certs(self, model: ClusterModel) -> None:
        from kkui.core.day2.certs import NOT_RENEWED_BY_KK, collect_certs

        try:
            rows, unreachable = collect_certs(model)
        except (KkuiError, OSError) as exc:
            self.post_message(OpsFinished("certs", None, _("✘ certificates not read: {why}")
                                          .format(why=shown_error(exc))))
            return
        self.post_message(OpsCertsRead(rows, unreachable))
        bad = sum(r.status in ("fail", "error") for r in rows) + len(unreachable)
        warn = sum(r.status == "warn" for r in rows)
        self.post_message(OpsOutput(Text(str(shown(NOT_RENEWED_BY_KK)), style="dim")))
        self.post_message(OpsFinished(
            "certs", 1 if bad else 0,
            _("{mark} {n} certificates: {bad} failing or unreadable (< 7 days), {warn} expiring "
              "within 30 days").format(mark="✘" if bad else "✔", n=len(rows), bad=bad,
                                       warn=warn)))

    @on(OpsCertsRead)
    def _certs_read(self, message: OpsCertsRead) -> None:
        self.query_one(CertCalendar).show(message.rows, message.unreachable)

    def action_renew(self) -> None:
        model = self.model_ready()
        if model is None:
            return
        from kkui.core.day2.certs import NOT_RENEWED_BY_KK

        planes = ", ".join(h.name for h in model.control_plane_hosts)
        self.confirm_kk(KkJob("certs renew", "", doc_copy(self.doc), after=self._after_renew),
                        _("Renew the certificates?"),
                        _("kk certs renew runs `kubeadm certs renew` on {planes} and restarts "
                          "the control-plane components there.").format(planes=planes)
                        + f"\n\n{shown(NOT_RENEWED_BY_KK)}", yes=N_("Renew"))

    def _after_renew(self, plan: InstallPlan, run: Run, say: Say) -> int:
        from kkui.core.day2.certs import NOT_RENEWED_BY_KK, collect_certs

        say("warn", NOT_RENEWED_BY_KK)
        say("note", _("the calendar after the renewal: in the table above"))
        rows, unreachable = collect_certs(plan.model)
        self.post_message(OpsCertsRead(rows, unreachable))
        return 1 if unreachable or any(r.status in ("fail", "error") for r in rows) else 0

    # ------------------------------------------------------------------ etcd
    def snapshot_dir(self) -> Path:
        return ops_workdir(self.kapp) / "etcd-snapshots"

    def action_snapshot(self) -> None:
        model = self.model_ready()
        if model is None:
            return
        out = self.snapshot_dir()
        members = ", ".join(h.name for h in model.etcd_hosts) or _("(no etcd group)")
        text = _("kkui takes `etcdctl snapshot save` on the first healthy member of {members} "
                 "with kk's certificates, copies it here and removes it from the host (it holds "
                 "every Secret of the cluster).\n\nKept in {out} (0600, with its sha256).").format(
                     members=members, out=out)

        def start() -> None:
            self._begin(_("etcd snapshot"))
            self.take_snapshot(model, out)

        self.app.push_screen(Confirm(_("Take an etcd snapshot?"), text, yes=N_("Snapshot")),
                             lambda yes: start() if yes else None)

    @work(thread=True, exclusive=True, group="ops", name="etcd snapshot", exit_on_error=False)
    def take_snapshot(self, model: ClusterModel, out: Path) -> None:
        from kkui.core.day2.etcd import take_snapshot

        say = say_poster(self.post_message)
        try:
            snap = take_snapshot(model, out, on_step=lambda text: say("note", text))
        except (KkuiError, OSError) as exc:
            self.post_message(OpsFinished("snapshot", 1, _("✘ no snapshot: {why}").format(
                why=shown_error(exc))))
            return
        self.post_message(OpsFinished(
            "snapshot", 0, _("✔ snapshot {path} ({size} bytes, revision {revision}, {keys} "
                             "keys, from {member}, sha256 {sha256})").format(
                path=snap.path, size=snap.size, revision=snap.revision, keys=snap.total_keys,
                member=snap.member, sha256=snap.sha256)))

    # ------------------------------------------------------------------ upgrade
    def action_upgrade(self) -> None:
        model = self.model_ready()
        if model is None:
            return
        self._begin(_("upgrade: reading the running version"))
        self.read_versions(model)

    @work(thread=True, exclusive=True, group="ops", name="versions", exit_on_error=False)
    def read_versions(self, model: ClusterModel) -> None:
        from kkui.core.day2.upgrade import next_steps, running_version

        try:
            running = running_version(model)
        except (KkuiError, OSError) as exc:
            self.post_message(OpsVersionsRead(None, [], shown_error(exc)))
            return
        self.post_message(OpsVersionsRead(running, next_steps(running.version)))

    @on(OpsVersionsRead)
    def _versions_read(self, message: OpsVersionsRead) -> None:
        running = message.running
        if running is None:
            self._finished(OpsFinished("upgrade", None, f"✘ {message.error}"))
            return
        self.out(_("the cluster runs Kubernetes {version} (asked on {via})").format(
            version=running.version, via=running.via))
        if not message.steps:
            self._finished(OpsFinished("upgrade", 0, _(
                "✔ nothing kk v3.1.12 supports is one step away from {version}").format(
                    version=running.version)))
            return
        self._state(Text(_(IDLE_TEXT), style="dim"))

        def chosen(target: str | None) -> None:
            if target is None:
                return
            self.confirm_kk(
                KkJob("upgrade", target, doc_copy(self.doc), after=self._after_upgrade),
                _("Upgrade to {target}?").format(target=target),
                _("kk upgrade --with-kubernetes {target}: {running} → {target} on every node, "
                  "control planes first, one at a time (kubeadm upgrade; each node drained and "
                  "restarted). Then verify; the config's version is set to {target}.").format(
                      target=target, running=running.version), yes=N_("Upgrade"))

        self.app.push_screen(Choose(
            _("Upgrade to which version?"),
            _("Running {running}. kubeadm upgrades one minor at a time; these are the "
              "versions kk v3.1.12 supports one step away:").format(running=running.version),
            [(v, v) for v in message.steps]), chosen)

    def _after_upgrade(self, plan: InstallPlan, run: Run, say: Say) -> int:
        from kkui.core.day2.flows import verify_step

        return verify_step(plan.model, say, run)

    # ------------------------------------------------------------------ nodes
    def action_nodes(self) -> None:
        self.nodes.choose()

    def action_add_nodes(self) -> None:
        self.nodes.add()

    def action_delete_node(self) -> None:
        self.nodes.delete()

    def action_replace_node(self) -> None:
        self.nodes.replace()

    def start_replace(self, old: str, new: str, workdir: Path) -> None:
        """The replacement's dialog said yes: the checklist runs (or continues)."""
        job = KkJob("nodes replace", old, doc_copy(self.doc), new=new)
        self.job = job
        self.kapp.busy["ops"] = job.cancel
        self._begin(_("replace {old} with {new}").format(old=old, new=new))
        checklist = self.query_one(ReplaceChecklist)
        checklist.show(old, new)
        self._show_table("steps")
        checklist.run(job, workdir)

    @on(ReplaceChecklist.ConfigReplaced)
    def _config_replaced(self, message: ReplaceChecklist.ConfigReplaced) -> None:
        """The config step, in the document too (the operator saves it, as every TUI edit)."""
        from kkui.core.day2.replace import roles_after

        old, new = message.old, message.new
        if old not in self.doc.host_names():
            return
        roles = roles_after(self.doc.model(), old)

        def edit() -> None:
            self.doc.set_roles(new, roles)
            self.doc.remove_host(old)

        self.kapp.edit(edit)
        self.out(Text(_("{new} is {roles}, {old} removed from the config (ctrl+s saves "
                        "it)").format(new=new, roles="/".join(roles), old=old), style="yellow"))

    # ------------------------------------------------------------------ kk runs
    def confirm_kk(self, job: KkJob, title: str, text: str, *, yes: str) -> None:
        """The dialog before one kk run (it names kk's command line), then the run."""
        from kkui.core.day2.kkops import OPERATIONS, plan_operation

        try:
            plan = plan_operation(job.doc, kk_options(self.kapp), job.action, job.value)
        except KkuiError as exc:
            problems = getattr(exc, "problems", None)
            self.notify(_("{n} error(s) in the config: see Review (4)").format(
                n=sum(p.severity == "error" for p in problems)) if problems else
                shown_error(exc), severity="error", title=_("Not started"))
            return
        argv = " ".join(plan.argv)
        text += "\n\n" + (_("kk: {argv} in {workdir}; kkui's precheck is skipped "
                             "(--skip-precheck).") if plan.skip_precheck else
                           _("kk: {argv} in {workdir}; kkui's precheck of every host runs "
                             "first.")).format(argv=argv, workdir=plan.workdir)

        def start() -> None:
            self.job = job
            self.kapp.busy["ops"] = job.cancel
            self._begin(f"{_(OPERATIONS[job.action].title)}: {argv}")
            self.run_kk(job, plan)

        self.app.push_screen(Confirm(title, text, yes=yes),
                             lambda ok: start() if ok else None)

    @work(thread=True, exclusive=True, group="ops", name="kk", exit_on_error=False)
    def run_kk(self, job: KkJob, plan: InstallPlan) -> None:
        from kkui.core.download.fetch import DownloadCancelled

        try:
            code = run_recorded(job, plan, job.action, job.doc, self.post_message,
                                job.before, job.after)
        except DownloadCancelled:
            code = 130
        except (KkuiError, OSError) as exc:
            self.post_message(OpsFinished(job.action, None, f"✘ {job.action}: "
                                          f"{shown_error(exc)}"))
            return
        summary = {0: _("✔ {action} done"), 130: _("■ {action} cancelled")}.get(
            code, _("✘ {action} failed (exit {code}); full output: {log}")).format(
                action=job.action, code=code, log=plan.log_path)
        self.post_message(OpsFinished(job.action, code, summary, job.kk_succeeded))

    def action_cancel(self) -> None:
        job = self.job
        if job is None or not self.running():
            return
        self.app.push_screen(Confirm(_("Stop kk?"), _(
            "kkui stops {action} now: kk and every process it started. A host may be left "
            "half-changed; the log says where kk was.").format(action=job.action),
            yes=N_("Stop kk")),
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
            self.out(Text(str(shown(line)), style="yellow"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "ops":
            return
        if event.state == WorkerState.ERROR:
            self.post_message(OpsFinished(
                getattr(self.job, "action", event.worker.name), None,
                _("✘ {name} stopped by a kkui bug ({error})").format(
                    name=event.worker.name, error=type(event.worker.error).__name__)))
        self.refresh_bindings()
