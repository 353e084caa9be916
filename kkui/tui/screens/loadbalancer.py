"""LB pair: kkui's external HAProxy + Keepalived pair — render, check, deploy, status, drill.

Every action calls the same core functions as ``kkui lb …`` (kkui/core/lb/) from a worker and
writes what happened into the output pane; nothing connects to a host before the operator asks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, RichLog, Static
from textual.worker import Worker, WorkerState

from kkui.core.config.model import ClusterModel
from kkui.core.config.profiles import uses_example_addresses
from kkui.core.errors import KkuiError, shown_error
from kkui.core.fsutil import atomic_write
from kkui.core.kk.workdir import default_workdir
from kkui.i18n import N_, _, shown
from kkui.tui.messages import LbActionFinished, LbOutput
from kkui.tui.modals.confirm import Confirm
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar

HOLDER_WAIT = 15.0  # VRRP needs a few adverts before one LB holds the VIP
# the workers' names, as the state line shows them
ACTION_WORDS = {"check": N_("check"), "deploy": N_("deploy"), "status": N_("status"),
                "drill": N_("drill")}


def lb_secrets(model: ClusterModel) -> list[str]:
    s = model.kkui.load_balancer.secrets
    return [x for x in (s.auth_pass, s.stats_password) if x]


def status_lines(status: Any) -> list[Text]:
    """A ``PairStatus`` as the console shows it (the same facts as ``kkui lb status``)."""
    lines: list[Text] = []
    for host in status.hosts:
        vip = {True: (_("holds the VIP"), "bold green"), False: (_("backup"), ""),
               None: (_("unknown"), "yellow")}[host.holds_vip]
        lines.append(Text.assemble((host.name, "bold"), f": haproxy {host.haproxy}, "
                                   f"keepalived {host.keepalived}, ", vip))
        for b in host.backends:
            lines.append(Text.assemble(f"    {b.name:<16} {b.address:<22} ",
                                       ("up", "green") if b.up else ("DOWN", "bold red"),
                                       f" ({b.status})"))
        if host.error:
            lines.append(Text(_("    error: {error}").format(error=shown(host.error)),
                              style="red"))
    holders, vip = ", ".join(status.holders), status.vip
    verdict = {
        "ok": (_("VIP {vip} is on {holders}").format(vip=vip, holders=holders), "bold green"),
        "no-holder": (_("no LB holds the VIP {vip}: check keepalived and its haproxy check "
                        "on both LBs").format(vip=vip), "bold red"),
        "split-brain": (_("split brain: {holders} both hold {vip} — the LBs cannot hear each "
                          "other's VRRP adverts").format(
                              holders=_(" and ").join(status.holders), vip=vip), "bold red"),
        "unreachable": (_("an LB could not be asked, so the VIP holder is uncertain"),
                        "bold red"),
    }[status.verdict]
    lines.append(Text(*verdict))
    if status.frontend_answers is not None:
        answers = _("{vip}:{port} answers from this machine") if status.frontend_answers \
            else _("{vip}:{port} does NOT answer from this machine")
        lines.append(Text(answers.format(vip=vip, port=status.port),
                          style="green" if status.frontend_answers else "bold red"))
    return lines


class LoadBalancerScreen(KkuiScreen):
    CSS_PATH = "loadbalancer.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "render", "Render"),
        Binding("k", "check", "Check (haproxy -c, keepalived -t)"),
        Binding("d", "deploy", "Deploy"),
        Binding("s", "status", "Status"),
        Binding("D", "drill", "Failover drill"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.last_action = ""

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("loadbalancer")
        yield Static("", id="lb-summary")
        yield Static("", id="lb-state")
        yield RichLog(id="lb-output", wrap=True, markup=False, max_lines=2000)
        yield Footer()

    # ------------------------------------------------------------------ view
    def refresh_from_document(self) -> None:
        model = self.doc.model()
        lb = model.kkui.load_balancer
        summary = self.query_one("#lb-summary", Static)
        if model.lb_mode != "external":
            summary.update(Text(_("No external load-balancer pair in this config. Choose "
                                  "\"external HAProxy + Keepalived pair\" as the endpoint "
                                  "mode on the Cluster screen (3), then add LB hosts on Hosts "
                                  "(1)."), style="dim"))
        else:
            hosts = ", ".join(f"{h.name} ({h.address})" for h in lb.hosts) or _("none yet")
            unset = _("(not set)")
            summary.update(Text.assemble(
                ("VIP", "bold"), f" {lb.vip or unset}:{lb.port}/{lb.prefix} · ",
                (_("interface"), "bold"), f" {lb.interface or unset} · ",
                (_("LB hosts"), "bold"), f" {hosts}"))
        self._show_state()
        self.refresh_bindings()

    def _show_state(self) -> None:
        state = self.kapp.lb_state
        text = {
            "": Text(_("Not deployed or checked in this session. r renders, k checks the "
                       "files, d deploys over SSH, s asks both LBs, D runs a failover drill."),
                     style="dim"),
            "answering": Text(_("✔ the pair answers: one LB holds the VIP and VIP:port "
                                "answers"), style="bold green"),
            "failed": Text(_("✘ the last deploy or status found a problem (output below)"),
                           style="bold red"),
        }.get(state, Text(state))
        if self.running_action():
            action = self.running_action()
            text = Text(_("Running: {action}…").format(action=_(ACTION_WORDS.get(action,
                                                                                 action))),
                        style="bold")
        self.query_one("#lb-state", Static).update(text)

    def running_action(self) -> str:
        return next((w.name for w in self.kapp.workers
                     if w.group == "lb" and w.is_running), "")

    def out(self, line: Text | str) -> None:
        self.query_one("#lb-output", RichLog).write(line)

    @on(LbOutput)
    def _output(self, message: LbOutput) -> None:
        self.out(message.line)

    @on(LbActionFinished)
    def _action_finished(self, message: LbActionFinished) -> None:
        if message.state:
            self.kapp.lb_state = message.state
        self.out(Text(str(shown(message.summary)),
                      style="bold green" if message.ok else "bold red"))
        self._show_state()
        self.refresh_bindings()

    # ------------------------------------------------------------------ actions
    def _ready(self) -> ClusterModel | None:
        """The model when the LB settings are valid, else a one-line reason in the pane."""
        from kkui.core.lb.validate import validate_lb

        model = self.doc.model()
        if model.lb_mode != "external":
            self.notify(_("No external load-balancer pair: set the endpoint mode on Cluster "
                          "(3)"), severity="warning")
            return None
        errors = [p for p in validate_lb(model) if p.severity == "error"]
        if errors:
            for problem in errors:
                self.out(Text(f"✘ {problem.path}: {shown(problem.message)}", style="red"))
            self.notify(_("{count} error(s) in the LB settings (listed here): fix them "
                          "first").format(count=len(errors)), severity="error",
                        title=_("Not started"))
            return None
        return model

    def _secured(self) -> ClusterModel | None:
        """Generate the VRRP and stats passwords once, as an edit the title shows."""
        from kkui.core.lb.secrets import ensure_secrets

        if self._ready() is None:
            return None
        generated: list[str] = []
        if not self.kapp.edit(lambda: generated.extend(ensure_secrets(self.doc))):
            return None
        if generated:
            self.out(Text(_("generated {names} (values not shown): stored in kkui's document, "
                            "ctrl+s saves them so the next render is the same").format(
                                names=_(" and ").join(generated)), style="yellow"))
        return self.doc.model()

    def output_dir(self) -> Path:
        workdir = self.kapp.workdir or default_workdir(self.doc.model().name, self.doc.path)
        return workdir / "lb"

    def action_render(self) -> None:
        self._write_files(check=False)

    def action_check(self) -> None:
        self._write_files(check=True)

    def _write_files(self, *, check: bool) -> None:
        from kkui.core.lb.render import render_all

        model = self._secured()
        if model is None:
            return
        out = self.output_dir()
        try:
            for host in render_all(model):
                for name, text in (("haproxy.cfg", host.haproxy_cfg),
                                   ("keepalived.conf", host.keepalived_conf)):
                    path = atomic_write(out / host.name / name, text, mode=0o600,
                                        keep_backup=False)
                    self.out(_("wrote {path}").format(path=path))
        except (KkuiError, OSError) as exc:
            self.out(Text(_("✘ render failed: {error}").format(error=shown_error(exc)),
                          style="bold red"))
            return
        if check:
            self.run_check(model, out)

    @work(thread=True, exclusive=True, group="lb", name="check", exit_on_error=False)
    def run_check(self, model: ClusterModel, out: Path) -> None:
        from kkui.core.lb.check import check_rendered

        lb = model.kkui.load_balancer
        failed = skipped = 0
        try:
            for result in check_rendered(out, [h.name for h in lb.hosts], lb.interface,
                                         lb_secrets(model)):
                style = {"ok": "green", "failed": "bold red", "skipped": "yellow"}[
                    result.status]
                self.post_message(LbOutput(Text.assemble(
                    (result.status, style), f": {result.path}: {shown(result.detail)}")))
                failed += result.status == "failed"
                skipped += result.status == "skipped"
        except (KkuiError, OSError) as exc:
            self.post_message(LbActionFinished("check", False, _("✘ check failed: {error}")
                                               .format(error=shown_error(exc))))
            return
        if failed:
            summary = _("✘ {count} file(s) failed the check (above)").format(count=failed)
        elif skipped:
            summary = _("! {count} file(s) not checked: haproxy or keepalived is not "
                        "installed on this machine (above)").format(count=skipped)
        else:
            summary = _("✔ every file passed haproxy -c / keepalived -t")
        self.post_message(LbActionFinished("check", not failed and not skipped, summary))

    def _confirm_network(self, then: Any, title: str, text: str, yes: str) -> None:
        model = self.doc.model()
        if uses_example_addresses(model):
            text += _("\n\nWARNING: some hosts still have the profile's example addresses "
                      "(192.168.233.x).")
        self.app.push_screen(Confirm(title, text, yes=yes),
                             lambda ok: then() if ok else None)

    def action_deploy(self) -> None:
        from kkui.core.lb.deploy import plan
        from kkui.core.lb.render import render_all

        model = self._secured()
        if model is None:
            return
        rendered = render_all(model)

        def start() -> None:
            self.out(Text(_("deploy:"), style="bold"))
            self.run_deploy(self.doc.model(), rendered)
            self._show_state()

        self._confirm_network(start, _("Deploy the load-balancer pair?"),
                              "\n".join(str(shown(line)) for line in plan(rendered)),
                              _("Deploy"))

    @work(thread=True, exclusive=True, group="lb", name="deploy", exit_on_error=False)
    def run_deploy(self, model: ClusterModel, rendered: list[Any]) -> None:
        """``rendered`` was shown in the dialog; the deploy renders the same model again."""
        from kkui.core.lb.apply import deploy_pair
        from kkui.core.lb.deploy import StepResult

        def step(result: StepResult) -> None:
            style = {"done": "green", "skipped": "dim", "failed": "bold red"}[result.status]
            detail = f" — {shown(result.detail)}" if result.detail else ""
            self.post_message(LbOutput(Text.assemble(f"  {result.host}: {shown(result.step)}: ",
                                                     (result.status, style), detail)))

        try:  # the same core flow as `kkui lb deploy` and `kkui nodes add`
            outcome = deploy_pair(model, on_step=step, holder_wait=HOLDER_WAIT)
        except (KkuiError, OSError) as exc:
            self.post_message(LbActionFinished("deploy", False, _("✘ deploy failed: {error}")
                                               .format(error=shown_error(exc)),
                                               state="failed"))
            return
        if outcome.status is None:
            self.post_message(LbActionFinished(
                "deploy", False, _("✘ deploy stopped: fix the failed step above and deploy "
                                   "again"), state="failed"))
            return
        self._post_status("deploy", outcome.status)

    def _post_status(self, action: str, status: Any) -> None:
        for line in status_lines(status):
            self.post_message(LbOutput(line))
        answering = bool(status.ok and status.frontend_answers)
        self.post_message(LbActionFinished(
            action, answering, _("✔ the pair answers") if answering else
            _("✘ the pair does not answer yet (see above)"),
            state="answering" if answering else "failed"))

    def action_status(self) -> None:
        if self._ready() is None:
            return
        self._confirm_network(lambda: self.run_status(self.doc.model()),
                              _("Ask the LB hosts?"), _("kkui connects to every LB host over "
                                                        "SSH and reads haproxy, keepalived and "
                                                        "the VIP (nothing changes)."),
                              _("Connect"))

    @work(thread=True, exclusive=True, group="lb", name="status", exit_on_error=False)
    def run_status(self, model: ClusterModel) -> None:
        from kkui.core.lb.ops import tcp_answers
        from kkui.core.lb.remote import lb_ops_tolerant
        from kkui.core.lb.status import backend_addresses, collect_status

        lb = model.kkui.load_balancer
        try:
            with lb_ops_tolerant(lb) as ops:
                status = collect_status(ops, vip=lb.vip, port=lb.port,
                                        probe=lambda: tcp_answers(lb.vip, lb.port),
                                        addresses=backend_addresses(model))
        except (KkuiError, OSError) as exc:
            self.post_message(LbActionFinished("status", False, _("✘ status failed: {error}")
                                               .format(error=shown_error(exc)),
                                               state="failed"))
            return
        self._post_status("status", status)

    def action_drill(self) -> None:
        if self._ready() is None:
            return
        self._confirm_network(lambda: self.run_drill(self.doc.model()),
                              _("Run the failover drill?"),
                              _("kkui stops haproxy on the LB holding the VIP, times how long "
                                "until VIP:port answers via the peer, then starts haproxy "
                                "again. API traffic is interrupted for a few seconds."),
                              _("Run drill"))

    @work(thread=True, exclusive=True, group="lb", name="drill", exit_on_error=False)
    def run_drill(self, model: ClusterModel) -> None:
        from kkui.core.lb.drill import TimelineEvent, run_drill
        from kkui.core.lb.ops import tcp_answers
        from kkui.core.lb.remote import lb_sessions, systemd_ops

        lb = model.kkui.load_balancer
        target = f"{lb.vip}:{lb.port}"

        def show(event: TimelineEvent) -> None:
            self.post_message(LbOutput(f"+{event.offset:7.3f}s  {shown(event.text)}"))

        try:
            with lb_sessions(lb.hosts) as sessions:
                report = run_drill([systemd_ops(s, lb) for s in sessions],
                                   lambda: tcp_answers(lb.vip, lb.port, timeout=0.5),
                                   target=target, on_event=show)
        except (KkuiError, OSError) as exc:
            self.post_message(LbActionFinished("drill", False, _("✘ drill failed: {error}")
                                               .format(error=shown_error(exc))))
            return
        if report.ok and report.outage is not None:
            self.post_message(LbActionFinished(
                "drill", True, _("✔ total outage {outage:.3f} s (haproxy stopped on {holder} → "
                                 "{target} answered via {new_holder})").format(
                                     outage=report.outage, holder=report.holder, target=target,
                                     new_holder=report.new_holder)))
        else:
            self.post_message(LbActionFinished("drill", False, _("✘ drill failed: {error}")
                                               .format(error=shown(report.error))))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "lb":
            return
        if event.state == WorkerState.ERROR:
            self.post_message(LbActionFinished(
                event.worker.name, False, _("✘ {action} stopped by a kkui bug ({error})").format(
                    action=event.worker.name, error=type(event.worker.error).__name__)))
        self._show_state()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("render", "check", "deploy", "status", "drill"):
            if not self.is_mounted:
                return True
            return not self.running_action() or None
        return True
