"""History: the runs kkui recorded (issue #14), newest first, as `kkui history` lists them.

The highlighted run's detail (versions, stage timeline, findings, log path) and the structural
diff of its config against the cluster's previous stored config fill the pane below; both are
read in workers from the same core functions as the CLI (:mod:`kkui.core.runs.query`,
:mod:`kkui.core.runs.browse`).  ``r`` re-runs the highlighted run with the session's settings:
an install opens the Install screen's confirm dialog, a precheck or verify runs on its screen.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Static

from kkui.core.errors import KkuiError, message_of
from kkui.core.install import InstallOptions
from kkui.core.runs.browse import RunView
from kkui.core.runs.query import RunSummary
from kkui.i18n import N_, _, shown
from kkui.tui.messages import HistoryLoaded, RunDetailLoaded
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar
from kkui.tui.widgets.tr import add_columns

SHOWN = 300  # rows in the table (fast to fill); `kkui history` lists them all
OUTCOME_STYLE = {"success": (N_("✔ success"), "green"), "failed": (N_("✘ failed"), "bold red"),
                 "interrupted": (N_("✘ interrupted"), "bold red"),
                 "cancelled": (N_("■ cancelled"), "yellow"),
                 "running": (N_("▶ running"), "bold")}
# a stage's outcome in the timeline (the records keep the English word)
OUTCOME_WORDS = {"success": N_("success"), "failed": N_("failed"),
                 "interrupted": N_("interrupted"), "cancelled": N_("cancelled"),
                 "running": N_("running")}
COLUMNS = (("id", "ID"), ("started", N_("Started")), ("command", N_("Command")),
           ("cluster", N_("Cluster")), ("outcome", N_("Outcome")), ("exit", N_("Exit")),
           ("module", N_("Failed module")))
# the detail pane's row names, padded to one width in either language
DETAIL_ROWS = {"command": N_("command"), "config": N_("config"), "endpoint": N_("endpoint"),
               "started": N_("started"), "versions": N_("versions"), "log": N_("log"),
               "failed": N_("failed")}
# commands the console re-runs, and the screen that runs each (mode, action)
RERUN = {"precheck": ("precheck", "action_run"), "verify": ("verify", "action_verify"),
         "install": ("install", "action_install")}


def local_time(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def outcome_cell(outcome: str) -> tuple[str, str]:
    label, style = OUTCOME_STYLE.get(outcome, (outcome, "bold"))
    return _(label), style


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (CJK characters take two)."""
    from kkui.i18n.width import cells

    return text + " " * max(width - cells(text), 0)


def detail_text(view: RunView) -> Text:
    """What `kkui history show ID` and `kkui history diff ID` print, as one pane."""
    run, s = view.run, view.run.summary
    text = Text.assemble((_("run {id} · {command} · cluster {cluster} · ").format(
        id=s.id, command=s.command, cluster=s.cluster or "-"), "bold"), outcome_cell(s.outcome),
        "" if s.exit_code is None else _(" (exit {code})").format(code=s.exit_code))
    kk = run.kk_version or "-"
    if run.kk_sha256:
        kk += f" (sha256 {run.kk_sha256[:12]}…)"
    rows = [("command", f"kkui {' '.join(run.argv)}"), ("config", s.config or "-"),
            ("endpoint", run.endpoint or "-"),
            ("started", _("{started}  finished {finished}").format(
                started=local_time(s.started), finished=local_time(s.finished))),
            ("versions", f"kkui {run.kkui_version} · kk {kk}"), ("log", s.log or "-")]
    if s.failed_module or run.failed_hosts:
        rows.append(("failed", _("{module} on {hosts}").format(
            module=s.failed_module or "-", hosts=", ".join(run.failed_hosts) or "-")))
    for key, value in rows:
        text.append(f"\n{pad(_(DETAIL_ROWS[key]), 9)}", style="dim")
        text.append(f" {value}", style="bold red" if key == "failed" else "")
    if run.stages:
        text.append(_("\ntimeline"), style="bold")
        for st in run.stages:
            took = f"{st.finished - st.started:7.1f}s" if st.finished else "       -"
            outcome = st.outcome or "running"
            text.append(f"\n  {local_time(st.started)[11:]} {took}  ")
            text.append(pad(_(OUTCOME_WORDS.get(outcome, outcome)), 11),
                        style=OUTCOME_STYLE.get(outcome, ("", ""))[1])
            text.append(f"  {shown(st.name)}")
    if run.findings:
        text.append(_("\nfindings"), style="bold")
        for finding in run.findings:
            text.append(f"\n  - {shown(finding)}")
    text.append(_("\ndiff with run {id}").format(id=view.previous) if view.previous
                else _("\ndiff"), style="bold")
    if view.diff_note:
        text.append(f"\n  {shown(view.diff_note)}", style="dim")
    for change in view.changes:
        color = {"added": "green", "removed": "red", "changed": "yellow"}[change.kind]
        text.append(f"\n  {shown(change.line())}", style=color)
    return text


class HistoryScreen(KkuiScreen):
    CSS_PATH = "history.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rerun", "Re-run (same settings)"),
        Binding("g", "reload", "Reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[RunSummary] = []
        self.view: RunView | None = None  # the highlighted run's detail, once read
        self.selected: int | None = None  # the highlighted run's id
        self.loaded = False  # the list was read at least once

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("history")
        yield Static("", id="history-status")
        table: DataTable[Text | str] = DataTable(id="history-runs", cursor_type="row",
                                                 zebra_stripes=True)
        add_columns(table, COLUMNS)
        yield table
        with VerticalScroll(id="history-detail-scroll"):
            yield Static("", id="history-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._status(Text(_("Reading the run history…"), style="dim"))

    def refresh_from_document(self) -> None:
        """Shown again (or the config edited): read the list again, it may have grown."""
        self.action_reload()

    def relabel(self) -> None:
        """New language: the list, its status and the detail re-rendered (nothing re-read)."""
        if self.loaded:
            self._fill()
        if self.view is not None and self.view.run.summary.id == self.selected:
            self.query_one("#history-detail", Static).update(detail_text(self.view))

    def _status(self, text: Text) -> None:
        self.query_one("#history-status", Static).update(text)

    # ------------------------------------------------------------------ the list
    def action_reload(self) -> None:
        self.load_runs()

    @work(thread=True, exclusive=True, group="history", name="history list",
          exit_on_error=False)
    def load_runs(self) -> None:
        from kkui.core.runs.query import list_runs
        from kkui.core.runs.store import connect

        try:
            conn = connect()
            try:
                runs = list_runs(conn, limit=SHOWN)
            finally:
                conn.close()
        except (KkuiError, OSError) as exc:
            self.post_message(HistoryLoaded([], message_of(exc)))
            return
        self.post_message(HistoryLoaded(runs))

    @on(HistoryLoaded)
    def _loaded(self, message: HistoryLoaded) -> None:
        if message.error:
            self._status(Text(_("✘ the run history could not be read: {error}").format(
                error=shown(message.error)), style="bold red"))
            return
        self.runs, self.loaded = message.runs, True
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#history-runs", DataTable)
        table.clear()
        for r in self.runs:
            table.add_row(str(r.id), local_time(r.started), r.command, r.cluster or "-",
                          Text(*outcome_cell(r.outcome)),
                          "" if r.exit_code is None else str(r.exit_code),
                          Text(r.failed_module or "", style="red"), key=str(r.id))
        if not self.runs:
            self._status(Text(_("No runs recorded yet: precheck, install, LB actions, verify "
                                "and drills are recorded here (and in `kkui history`)."),
                              style="dim"))
            self.query_one("#history-detail", Static).update("")
            return
        more = _(" (newest shown; `kkui history` lists all)") if len(self.runs) >= SHOWN \
            else ""
        self._status(Text.assemble((_("{count} run(s), newest first{more}. ").format(
            count=len(self.runs), more=more), "bold"),
            (_("r re-runs the highlighted one with this session's settings; g reloads."),
             "dim")))
        ids = [r.id for r in self.runs]
        row = ids.index(self.selected) if self.selected in ids else 0
        table.move_cursor(row=row)
        self._show(self.runs[row].id)

    @on(DataTable.RowHighlighted, "#history-runs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.runs):
            self._show(self.runs[event.cursor_row].id)

    # ------------------------------------------------------------------ one run
    def _show(self, run_id: int) -> None:
        if self.selected == run_id and self.view is not None and \
                self.view.run.summary.id == run_id:
            return
        self.selected = run_id
        self.load_detail(run_id)

    @work(thread=True, exclusive=True, group="history-detail", name="history detail",
          exit_on_error=False)
    def load_detail(self, run_id: int) -> None:
        from kkui.core.runs.browse import run_view
        from kkui.core.runs.store import connect

        try:
            conn = connect()
            try:
                view = run_view(conn, run_id)
            finally:
                conn.close()
        except (KkuiError, OSError) as exc:
            self.post_message(RunDetailLoaded(None, message_of(exc)))
            return
        self.post_message(RunDetailLoaded(view))

    @on(RunDetailLoaded)
    def _detail_loaded(self, message: RunDetailLoaded) -> None:
        pane = self.query_one("#history-detail", Static)
        if message.view is None:
            pane.update(Text(f"✘ {shown(message.error)}", style="bold red"))
            return
        if message.view.run.summary.id != self.selected:
            return  # the cursor moved on while this one was read
        self.view = message.view
        pane.update(detail_text(message.view))

    # ------------------------------------------------------------------ re-run
    async def action_rerun(self) -> None:
        view = self.view
        if view is None or view.run.summary.id != self.selected:
            self.notify(_("No run selected yet"), severity="warning")
            return
        s = view.run.summary
        target = RERUN.get(s.command)
        if target is None:
            self.notify(_("The console re-runs precheck, verify and install; run `kkui "
                          "{argv}` from a shell for this one.").format(
                              argv=" ".join(view.run.argv)),
                        title=_("Not re-run"), severity="warning", timeout=10)
            return
        model = self.doc.model()
        if s.cluster and s.cluster != model.name:
            where = f"`kkui tui -f {s.config}`" if s.config else _("kkui with its config")
            self.notify(_("Run {id} is of cluster {cluster}; this session edits {name}. Start "
                          "{where} to re-run it.").format(id=s.id, cluster=s.cluster,
                                                          name=model.name, where=where),
                        title=_("Not re-run"), severity="error", timeout=10)
            return
        mode, action = target
        if s.command == "install":
            applied = self.apply_install_options(view.run.argv)
            if applied:
                self.notify(_("Install options of run {id} applied to this session: "
                              "{applied}").format(id=s.id, applied=applied),
                            title=_("Same settings"), timeout=10)
        await self.kapp.switch_mode(mode)
        start = getattr(self.kapp.screen, action, None)
        if callable(start):
            start()

    def apply_install_options(self, argv: list[str]) -> str:
        """The recorded `kkui install` flags (workdir, kk binary, mirror, skip precheck) become
        the session's install options; what was applied, or "" (a TUI run: the session's).
        Relative paths are skipped: the recorded run's working directory is not known."""
        options = recorded_install_options(argv)
        if options is None:
            return ""
        app, applied = self.kapp, []
        for attr, flag in (("workdir", "--workdir"), ("kk_binary", "--kk")):
            path = getattr(options, attr)
            if path is not None and path.is_absolute():
                setattr(app, attr, path)
                applied.append(f"{flag} {path}")
        if options.base_url:
            app.kk_base_url = options.base_url
            applied.append(f"--base-url {options.base_url}")
        app.skip_precheck = options.skip_precheck
        applied.append("--skip-precheck" if options.skip_precheck else _("precheck first"))
        return ", ".join(applied)


def recorded_install_options(argv: list[str]) -> InstallOptions | None:
    """`kkui install ...` as recorded in the history, read by the CLI's own parser; None for
    anything else (a TUI run records ``["tui"]``)."""
    if not argv or argv[0] != "install":
        return None
    import contextlib
    import io

    from kkui.cli import build_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            args = build_parser(("install",)).parse_args(argv)
    except SystemExit:  # an argv this kkui no longer parses: keep the session's options
        return None
    return InstallOptions(workdir=Path(args.workdir) if args.workdir else None,
                          kk_binary=Path(args.kk) if args.kk else None,
                          base_url=args.base_url, skip_precheck=args.skip_precheck)
