"""Precheck: SSH checks of every host in a worker; the host × check grid fills in live."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker, WorkerState

from kkui.core.config.model import ClusterModel
from kkui.core.config.profiles import uses_example_addresses
from kkui.core.errors import KkuiError, message_of, shown_error
from kkui.core.precheck.checks import REGISTRY
from kkui.i18n import N_, _, shown
from kkui.tui.messages import HostChecked, PackagesFixed, PrecheckFinished
from kkui.tui.modals.confirm import Confirm
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar
from kkui.tui.widgets.tr import add_columns

STATUS_CELL = {
    "pass": ("✔", "green"),
    "warn": ("!", "bold yellow"),
    "fail": ("✘", "bold red"),
    "error": ("?", "bold magenta"),
}


ROLE_SHORT = {"etcd": "etcd", "control-plane": "cp", "worker": "w", "loadbalancer": "lb"}
NOT_CHECKED = "–"  # a finished run did not get to this check (host unreachable, cancelled)
HEAD_COLUMNS = (("host", N_("Host")), ("role", N_("Role")))
# the summary's status words (check ids and JSON keep the English)
STATUS_WORDS = {"pass": N_("pass"), "warn": N_("warn"), "fail": N_("fail"),
                "error": N_("error")}


def compact_role(role: str) -> str:
    """``etcd,control-plane,worker`` -> ``etcd cp w``: the Host column stays narrow."""
    parts = [p.strip() for p in role.replace(",", " ").split() if p.strip()]
    return " ".join(ROLE_SHORT.get(p, p) for p in parts) or "—"


def status_cell(status: str) -> Text:
    if status == NOT_CHECKED:
        return Text(NOT_CHECKED, style="dim", justify="center")
    mark, style = STATUS_CELL.get(status, ("…", "dim"))
    return Text(mark, style=style, justify="center")


class PrecheckScreen(KkuiScreen):
    CSS_PATH = "precheck.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run precheck"),
        Binding("x", "cancel", "Cancel run"),
        Binding("f", "fix", "Fix packages"),
        Binding("o", "failing_only", "Failing checks only"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.reports: dict[str, Any] = {}  # host name -> HostReport
        self.check_ids: list[str] = []
        self.cancel_event: threading.Event | None = None
        self.running = False
        self.final: Any = None
        self.failing_only = False  # show only the checks that did not pass somewhere

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("precheck")
        yield Static("", id="precheck-status")
        yield Static("", id="fix-result")
        # the Host column stays put while the checks scroll sideways
        table: DataTable[Any] = DataTable(id="grid", cursor_type="cell", fixed_columns=1)
        add_columns(table, HEAD_COLUMNS)
        yield table
        yield Static("", id="check-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#grid").focus()

    # ------------------------------------------------------------------ view
    def refresh_from_document(self) -> None:
        if self.running:
            return
        model = self.doc.model()
        table = self.query_one("#grid", DataTable)
        names = [h.name for h in (*model.hosts, *model.kkui.load_balancer.hosts)]
        existing = [str(row.key.value) for row in table.ordered_rows]
        if existing != names:
            table.clear()
            for host in model.hosts:
                self._add_row(host.name, ", ".join(model.roles_of(host.name)) or "—")
            for host in model.kkui.load_balancer.hosts:
                self._add_row(host.name, "loadbalancer")
            for name in names:
                if name in self.reports:
                    self._show_report(self.reports[name])
        if not self.reports:
            self._status(Text(_("Not run yet. Press r to connect to every host over SSH and "
                                "check it (nothing is changed on the hosts)."), style="dim"))

    def _add_row(self, name: str, role: str) -> None:
        table = self.query_one("#grid", DataTable)
        cells = [Text(name, style="bold"), Text(compact_role(role))]
        cells += [status_cell("")] * len(self.shown_checks())
        table.add_row(*cells, key=name)

    def _status(self, text: Text | str) -> None:
        self.query_one("#precheck-status", Static).update(text)

    def shown_checks(self) -> list[str]:
        """The check columns on screen: all, or those that did not pass on some host."""
        if not self.failing_only:
            return list(self.check_ids)
        return [c for c in self.check_ids if any(
            (found := r.check(c)) is not None and found.status != "pass"
            for r in self.reports.values())]

    def action_failing_only(self) -> None:
        self.failing_only = not self.failing_only
        self._rebuild_grid()
        self.notify(_("Showing only checks that did not pass") if self.failing_only else
                    _("Showing every check"), timeout=3)

    def _rebuild_grid(self) -> None:
        """Columns from ``shown_checks``, one row per host, cells from the reports."""
        table = self.query_one("#grid", DataTable)
        model = self.doc.model()
        rows = [(h.name, ",".join(model.roles_of(h.name))) for h in model.hosts]
        rows += [(h.name, "loadbalancer") for h in model.kkui.load_balancer.hosts]
        rows += [(n, r.role) for n, r in self.reports.items() if n not in dict(rows)]
        table.clear(columns=True)
        add_columns(table, HEAD_COLUMNS)
        shown = self.shown_checks()
        for check_id in shown:
            table.add_column(REGISTRY.title(check_id), key=check_id,
                             default=status_cell(""))
        for name, role in rows:
            report = self.reports.get(name)
            cells = [Text(name, style="bold"), Text(compact_role(role or ""))]
            for check_id in shown:
                found = report.check(check_id) if report is not None else None
                cells.append(status_cell(found.status if found else (
                    NOT_CHECKED if self.final is not None else "")))
            table.add_row(*cells, key=name)
        self._show_detail()

    def _show_report(self, report: Any) -> None:
        table = self.query_one("#grid", DataTable)
        if self.failing_only:
            for check in report.checks:
                if check.id not in self.check_ids:
                    self.check_ids.append(check.id)
            self._rebuild_grid()
            return
        for check in report.checks:
            if check.id not in self.check_ids:
                self.check_ids.append(check.id)
                # the registry's short title (the same as the CLI grid); the key stays the id
                table.add_column(REGISTRY.title(check.id), key=check.id,
                                 default=status_cell(""))
        if report.name not in [str(r.key.value) for r in table.ordered_rows]:
            self._add_row(report.name, report.role or "—")
        for check in report.checks:
            table.update_cell(report.name, check.id, status_cell(check.status))
        self._show_detail()

    def _summary(self) -> Text:
        counts = dict.fromkeys(STATUS_CELL, 0)
        for report in self.reports.values():
            for check in report.checks:
                counts[check.status] = counts.get(check.status, 0) + 1
        parts: list[Any] = []
        for status, (mark, style) in STATUS_CELL.items():
            parts += [(f"{mark} {counts[status]} {_(STATUS_WORDS[status])}",
                       style if counts[status] else "dim"),
                      "  "]
        return Text.assemble(*parts)

    # ------------------------------------------------------------------ detail
    @on(DataTable.CellHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _selected_check(self) -> tuple[Any, Any] | None:
        table = self.query_one("#grid", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate)
        report = self.reports.get(str(key.row_key.value))
        if report is None:
            return None
        column = str(key.column_key.value)
        check = report.check(column) if column in self.check_ids else None
        if check is None:  # on the host/role columns: the worst check of that host
            order = {"pass": 0, "warn": 1, "fail": 2, "error": 3}
            check = max(report.checks, key=lambda c: order.get(c.status, 0), default=None)
        return report, check

    def _show_detail(self) -> None:
        detail = self.query_one("#check-detail", Static)
        found = self._selected_check()
        if found is None or found[1] is None:
            detail.update(Text(_("Select a cell to see what was found and how to fix it."),
                               style="dim"))
            return
        report, check = found
        mark, style = STATUS_CELL.get(check.status, ("…", ""))
        status = _(STATUS_WORDS.get(check.status, check.status))
        text = Text.assemble((f"{mark} {report.name} · {check.id}: {status}", style),
                             "\n", str(shown(check.detail or "")))
        if check.fix:
            text.append(_("\nfix: "), style="bold")
            text.append(str(shown(check.fix)), style="cyan")
        detail.update(text)

    # ------------------------------------------------------------------ run
    def action_run(self) -> None:
        if self.running:
            return
        model = self.doc.model()
        if not model.hosts:
            self.notify(_("No hosts to check: add hosts first"), severity="warning")
            return
        if uses_example_addresses(model):
            self.app.push_screen(Confirm(
                _("These are example addresses"), _("Some hosts still have the profile's "
                                                    "example addresses (192.168.233.x). "
                                                    "Connect to them anyway?"),
                yes=_("Connect")),
                lambda yes: self._start(model) if yes else None)
            return
        self._start(model)

    def _start(self, model: ClusterModel) -> None:
        self.reports.clear()
        self.final = None
        self._rebuild_grid()  # every cell back to "…" (running)
        self.cancel_event = threading.Event()
        self.running = True
        self.kapp.busy["precheck"] = self.cancel_event.set
        total = len(model.hosts) + len(model.kkui.load_balancer.hosts)
        self.total_hosts = total
        self._status(Text(_("Checking {count} host(s)… (x cancels)").format(count=total),
                          style="bold"))
        self.refresh_bindings()
        try:  # the config as checked, for the run history (read here, in the editing thread)
            text: str | None = self.doc.to_text()
        except KkuiError:
            text = None
        self.check_hosts(model, self.cancel_event, text, self.doc.path)

    @work(thread=True, exclusive=True, group="precheck", name="precheck", exit_on_error=False)
    def check_hosts(self, model: ClusterModel, cancel: threading.Event,
                    config_text: str | None = None, config_path: Path | None = None) -> None:
        try:
            from kkui.core.precheck import run_precheck
            from kkui.core.runs import recorded_run

            def host_done(report: Any) -> None:
                self.post_message(HostChecked(report))

            # a run-history record, as `kkui precheck` makes (issue #14); read-only: no lock
            with recorded_run("precheck", model=model, config_text=config_text,
                              config_path=config_path, argv=("tui",)) as history:
                history.stage("precheck")
                report = run_precheck(model, on_host_done=host_done, cancel=cancel)
                history.add_findings(f"{host.name} {check.id} {check.status}: {check.detail}"
                                     for host in report.hosts for check in host.checks
                                     if check.status in ("fail", "error"))
                history.finish(130 if report.cancelled else 0 if report.ok else 1)
        except KkuiError as exc:
            self.post_message(PrecheckFinished(None, message_of(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - shown to the operator, never a traceback
            self.post_message(PrecheckFinished(None, _("precheck failed: {error}").format(
                error=exc)))
            return
        self.post_message(PrecheckFinished(report))

    @on(HostChecked)
    def _host_checked(self, message: HostChecked) -> None:
        self.reports[message.report.name] = message.report
        self._show_report(message.report)
        self._status(Text.assemble((_("Checking… {done}/{total} host(s) done  ").format(
            done=len(self.reports), total=self.total_hosts), "bold"), self._summary()))

    @on(PrecheckFinished)
    def _finished(self, message: PrecheckFinished) -> None:
        self.running = False
        self.kapp.busy.pop("precheck", None)
        self.refresh_bindings()
        if message.report is None:
            self._status(Text(f"✘ {shown(message.error)}", style="bold red"))
            return
        self.final = message.report
        self.kapp.last_precheck = message.report  # Install consults it (core install gate)
        for report in message.report.hosts:
            self.reports[report.name] = report
            self._show_report(report)
        self._rebuild_grid()  # checks a host never got to read "–", not "…" (still running)
        self._show_final()

    def _show_final(self) -> None:
        report = self.final
        if report.cancelled:
            head = Text(_("Cancelled — "), style="bold yellow")
        elif report.ok:
            head = Text(_("✔ Ready for kk — "), style="bold green")
        else:
            head = Text(_("✘ Fix the failures before installing — "), style="bold red")
        self._status(Text.assemble(head, self._summary(), (_("r re-runs"), "dim")))

    def relabel(self) -> None:
        """New language: check titles, the summary and the detail re-rendered from the
        reports (nothing is re-run)."""
        if self.reports or self.final is not None:
            self._rebuild_grid()
        if self.final is not None and not self.running:
            self._show_final()
        self.refresh_from_document()
        self._show_detail()

    def action_cancel(self) -> None:
        if self.cancel_event is not None and self.running:
            self.cancel_event.set()
            self._status(Text(_("Cancelling… (hosts in progress finish their current "
                                "check)"), style="yellow"))

    # ------------------------------------------------------------------ fix
    def fix_plans(self) -> list[Any]:
        from kkui.core.precheck import PrecheckReport, plan_fixes

        return plan_fixes(PrecheckReport(hosts=list(self.reports.values())))

    def action_fix(self) -> None:
        plans = self.fix_plans() if not self.running else []
        if not plans:
            self.notify(_("Nothing that installing packages would fix (run the precheck "
                          "first)"), severity="information")
            return
        lines = [f"{p.name}: {p.command}" + (_("  (cannot: {reason})").format(
            reason=shown(p.blocked)) if p.blocked else "") for p in plans]
        runnable = [p for p in plans if not p.blocked]
        if not runnable:
            self.notify("\n".join(lines), title=_("kkui cannot install these"),
                        severity="warning")
            return
        self.app.push_screen(Confirm(_("Install missing packages?"), "\n".join(lines)
                                     + _("\n\nkkui runs these over SSH as root, then re-runs "
                                         "the precheck."), yes=_("Install")),
                             lambda yes: self._fix(runnable) if yes else None)

    def _fix(self, plans: list[Any]) -> None:
        self.running = True
        self.refresh_bindings()
        self._status(Text(_("Installing packages on {count} host(s)…").format(
            count=len(plans)), style="bold"))
        self.fix_packages(self.doc.model(), plans)

    @work(thread=True, exclusive=True, group="fix", name="fix packages", exit_on_error=False)
    def fix_packages(self, model: ClusterModel, plans: list[Any]) -> None:
        from kkui.core.precheck import apply_fix

        outcomes = []
        for plan in plans:
            try:
                outcomes.append(apply_fix(model, plan))
            except Exception as exc:  # noqa: BLE001 - shown to the operator
                self.post_message(PackagesFixed(f"{plan.name}: {shown_error(exc)}", False))
                return
        failed = [o for o in outcomes if not o.ok]
        summary = "; ".join(f"{o.name}: {shown(o.detail)}" for o in outcomes)
        self.post_message(PackagesFixed(summary, not failed))

    @on(PackagesFixed)
    def _fixed(self, message: PackagesFixed) -> None:
        self.running = False
        self.refresh_bindings()
        # the result stays on screen (a toast alone disappears before it is read)
        result = self.query_one("#fix-result", Static)
        result.update(Text.assemble((_("✔ Packages installed: ") if message.ok else
                                     _("✘ Package install failed: "), "bold"), message.summary))
        result.set_classes("-ok" if message.ok else "-failed")
        self.action_run()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that died of a kkui bug ends its run like any failure: one line, the
        screen usable again (exit_on_error=False keeps the app and the session alive)."""
        if event.state != WorkerState.ERROR:
            return
        error = type(event.worker.error).__name__
        if event.worker.group == "precheck":
            self.post_message(PrecheckFinished(None, _("precheck stopped by a kkui bug "
                                                       "({error})").format(error=error)))
        elif event.worker.group == "fix":
            self.post_message(PackagesFixed(_("stopped by a kkui bug ({error})").format(
                error=error), False))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.running or None
        if action in ("run", "fix"):
            return not self.running or None
        return True
