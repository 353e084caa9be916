"""Verify: the read-only acceptance checks of an installed cluster (as ``kkui verify``).

Nothing connects to a host until the operator presses ``v``; the worker calls the same core
function as the CLI (:func:`kkui.core.verify.engine.run_verify`) and each result fills a row as
it arrives.  The highlighted row's detail and fix are shown in full below the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from kkui.core.config.profiles import uses_example_addresses
from kkui.core.errors import KkuiError, message_of
from kkui.core.verify.report import VerifyResult
from kkui.i18n import N_, _, shown
from kkui.tui.messages import VerifyChecked, VerifyFinished
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar
from kkui.tui.widgets.tr import add_columns

STYLES = {"pass": (N_("✔ pass"), "green"), "warn": (N_("! warn"), "yellow"),
          "fail": (N_("✘ FAIL"), "bold red"), "error": (N_("? error"), "bold red")}
COLUMNS = (("status", N_("status")), ("check", N_("check")), ("target", N_("target")),
           ("detail", N_("detail")))


class VerifyScreen(KkuiScreen):
    CSS_PATH = "verify.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "Verify the cluster"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: list[VerifyResult] = []
        self.outcome: VerifyFinished | None = None  # the last run's end, re-shown on f2

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("verify")
        yield Static("", id="verify-summary")
        yield DataTable(id="verify-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="verify-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#verify-table", DataTable)
        add_columns(table, COLUMNS)
        self._show_outcome()

    def _show_outcome(self) -> None:
        message = self.outcome
        if message is None:
            self._summary(Text(_("After an install: v runs the read-only checks over SSH "
                                 "(etcd quorum, the API through the endpoint, nodes, "
                                 "certificates, the LB pair). Nothing is changed on any "
                                 "host."), style="dim"))
        elif message.report is None:
            self._summary(Text(_("✘ verify could not run: {error}").format(
                error=shown(message.error)), style="bold red"))
        else:
            ok = message.report.ok
            self._summary(Text(f"{'✔' if ok else '✘'} {message.report.summary_line()}",
                               style="bold green" if ok else "bold red"))

    def relabel(self) -> None:
        """New language: the rows, the summary and the detail re-rendered from the results."""
        table = self.query_one("#verify-table", DataTable)
        row = table.cursor_row
        table.clear()
        for result in self.results:
            table.add_row(*self._cells(result))
        if self.results:
            table.move_cursor(row=min(row, len(self.results) - 1))
            self._show_detail(table.cursor_row)
        if not self.running():
            self._show_outcome()

    def _cells(self, r: VerifyResult) -> tuple[Text, str, str, Text]:
        label, style = STYLES[r.status]
        return Text(_(label), style=style), r.id, r.target, Text(str(shown(r.detail)))

    def _summary(self, text: Text) -> None:
        self.query_one("#verify-summary", Static).update(text)

    def running(self) -> bool:
        return any(w.group == "verify" and w.is_running for w in self.kapp.workers)

    def action_verify(self) -> None:
        if self.running():
            return
        model = self.doc.model()
        if uses_example_addresses(model):
            self.notify(_("This config still has the profile's example addresses "
                          "(192.168.233.x): put your hosts in first"), severity="warning")
            return
        errors = [p for p in self.doc.validate() if p.severity == "error"]
        if errors:
            self.notify(_("{count} error(s) in the config: see Review (4)").format(
                count=len(errors)), severity="error", title=_("Not started"))
            return
        self.results = []
        self.outcome = None
        self.query_one("#verify-table", DataTable).clear()
        self._summary(Text(_("Verifying… (read-only)"), style="bold"))
        try:  # the config as verified, for the run history (read here, in the editing thread)
            text: str | None = self.doc.to_text()
        except KkuiError:
            text = None
        self._run(model, text, self.doc.path)

    @work(thread=True, exclusive=True, group="verify", name="verify", exit_on_error=False)
    def _run(self, model: Any, config_text: str | None = None,
             config_path: Path | None = None) -> None:
        from kkui.core.runs import recorded_run
        from kkui.core.verify.engine import run_verify

        try:
            def checked(result: VerifyResult) -> None:
                self.post_message(VerifyChecked(result))

            # a run-history record, as `kkui verify` makes (issue #14); read-only: no lock
            with recorded_run("verify", model=model, config_text=config_text,
                              config_path=config_path, argv=("tui",)) as history:
                history.stage("verify")
                report = run_verify(model, on_result=checked)
                history.add_findings(report.findings())  # as `kkui verify` records them
                history.finish(0 if report.ok else 1)
        except Exception as exc:  # noqa: BLE001 - shown on screen, never a crash
            self.post_message(VerifyFinished(None, message_of(exc)))
            return
        self.post_message(VerifyFinished(report))

    @on(VerifyChecked)
    def _checked(self, message: VerifyChecked) -> None:
        self.results.append(message.result)
        self.query_one("#verify-table", DataTable).add_row(*self._cells(message.result))

    @on(VerifyFinished)
    def _finished(self, message: VerifyFinished) -> None:
        self.outcome = message
        self._show_outcome()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        if 0 <= row < len(self.results):
            r = self.results[row]
            parts: list[str | tuple[str, str]] = [(f"{r.id} · {r.target}\n", "bold"),
                                                  str(shown(r.detail))]
            if r.fix and r.status != "pass":
                parts += [(_("\nfix: "), "bold"), str(shown(r.fix))]
            self.query_one("#verify-detail", Static).update(Text.assemble(*parts))
