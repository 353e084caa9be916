"""Install: get kk, run ``kk create cluster`` in a worker, watch stages, hosts and the log."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, ProgressBar, Static
from textual.worker import Worker, WorkerState

from kkui.core.config.profiles import uses_example_addresses
from kkui.core.errors import KkuiError, message_of, shown_error
from kkui.core.fsutil import atomic_copy, atomic_write
from kkui.core.install import (
    InstallOptions,
    InstallPlan,
    InstallResult,
    check_precheck,
    describe,
    kubeconfig_path,
    plan_install,
    prepare_workdir,
    resolve_kk,
    summarize,
)
from kkui.core.install.resume import ResumePlan
from kkui.core.kk.events import (
    PipelineFailed,
    PipelineSucceeded,
    ProcessExited,
    ProcessStarted,
    RawLine,
)
from kkui.core.kk.hints import Hint, HintCollector
from kkui.core.kk.silence import silence_note
from kkui.core.kk.stages import InstallProgress, format_elapsed
from kkui.i18n import N_, _, shown
from kkui.tui.batching import EventBatcher
from kkui.tui.messages import (
    DownloadProgressed,
    EvidenceCollected,
    EvidenceCollecting,
    HintFound,
    HostChecked,
    InstallFinished,
    KkEventsReceived,
    KkPromptShown,
    ResumeChecked,
    ResumeFinished,
    ResumePhaseStarted,
)
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.kk_prompt import KkPrompt
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.log_pane import LogPane
from kkui.tui.widgets.navbar import NavBar
from kkui.tui.widgets.tr import add_columns

# kk's hard stops after its precheck table print one `[ERRO] <host>: <tool> is required.` per
# missing tool and exit 1 with no pipeline failure (shared/KUBEKEY.md, "Hard stops"): the
# banner and the host panel name the host from these lines.
HARD_STOP = re.compile(r"\[ERRO\] ([A-Za-z0-9._-]+): (.+)$")

HOST_COLUMNS = (("host", N_("Host")), ("state", N_("State")), ("task", N_("Task")),
                ("retries", N_("Retries")))
# the host panel's state words (English message ids)
STATE_WORDS = {"pending": N_("pending"), "success": N_("success"), "failed": N_("failed"),
               "skipped": N_("skipped"), "retry": N_("retry"), "rollback": N_("rollback")}
HOST_STATE = {
    "pending": ("·", "dim"), "success": ("✔", "green"), "failed": ("✘", "bold red"),
    "skipped": ("-", "dim"), "retry": ("↻", "yellow"), "rollback": ("↺", "magenta"),
}


class InstallRun:
    """The worker's handle: cancel from the UI thread (stops the kk download or kk's whole
    process tree, whichever is running), answer kk's prompt."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self.process: Any = None
        self.answers: queue.Queue[bool | None] | None = None

    def cancel(self) -> None:
        self.cancelled.set()
        if self.answers is not None:
            self.answers.put(None)
        if self.process is not None:
            self.process.cancel()


class InstallScreen(KkuiScreen):
    CSS_PATH = "install.tcss"
    # below 30 rows (80x24) the middle and the banner shrink so the log keeps >= 5 lines
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "install", "Install"),
        Binding("x", "cancel", "Cancel"),
        Binding("s", "save_log", "Save log"),
        Binding("v", "verify", "Verify the cluster"),
        Binding("r", "resume", "Resume"),
    ]

    def __init__(self, *, max_lines: int = 5000) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.job: InstallRun | None = None
        self.progress = InstallProgress()
        self.hints = HintCollector()
        self.failure: PipelineFailed | None = None
        self.log_path: Path | None = None
        self.pid: int | None = None
        self.outcome = ""
        self.host_order: list[str] = []
        self.live_hints: list[Hint] = []  # shown while kk runs; repeated if it is cancelled
        self.last_output_at: float | None = None  # kapp.clock() of kk's last line
        self.hard_stops: dict[str, str] = {}  # host -> kk's "[ERRO] host: ..." reason
        self.plan: InstallPlan | None = None  # the core install plan of the current run
        self.prechecked: set[str] = set()  # hosts the install's own precheck has finished
        self.resume_phases: tuple[str, ...] = ()  # the phases of the running/last resume
        self.evidence_lines: tuple[str, ...] = ()  # host evidence after a failure (#12)
        self.exit_code: int | None = None  # kk's, once it exited
        # the banner, rebuilt in the new language when the language is switched (f2)
        self.banner_text: Callable[[], Text] | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("install")
        yield Static("", id="install-status")
        yield ProgressBar(total=100, show_eta=False, id="install-bar")
        with Horizontal(id="install-middle"):
            yield Static("", id="stages")
            table: DataTable[Any] = DataTable(id="install-hosts", cursor_type="row")
            add_columns(table, HOST_COLUMNS)
            yield table
        yield Static("", id="banner")
        yield LogPane(max_lines=self.max_lines, id="log-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.progress = InstallProgress(clock=self.kapp.clock)
        self._reset_view()
        self.query_one(LogPane).log_widget.focus()
        # A banner (or a terminal resize) takes rows from the log after its last write.
        self.screen_layout_refresh_signal.subscribe(self, self._keep_log_end)
        # the clock ticks while kk is silent (a hang must not look like a frozen 00:05)
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        """Once a second while kk runs: elapsed time and "no output from kk for N s"."""
        if self.running and self.pid is not None and not self.outcome:
            self._render_status()

    def _keep_log_end(self, _screen: object) -> None:
        """While the log follows kk, its last line stays in view across layout changes."""
        pane = self.query_one(LogPane)
        log = pane.log_widget
        if pane.following and not log.is_vertical_scroll_end:
            log.scroll_end(animate=False, immediate=True)

    def on_unmount(self) -> None:
        # The app is closing (or the screen goes away) with kk running or its prompt open:
        # release the worker and stop kk's whole process tree, or shutdown would wait forever.
        if self.job is not None:
            self.job.cancel()

    @property
    def running(self) -> bool:
        return self.job is not None

    # ------------------------------------------------------------------ view
    def refresh_from_document(self) -> None:
        if not self.running and not self.outcome:
            self._reset_view()

    def _reset_view(self) -> None:
        model = self.doc.model()
        self.host_order = [h.name for h in model.hosts]
        try:
            what = describe(plan_install(self.doc, self.install_options(), preview=True))
        except KkuiError as exc:
            self._status(Text.assemble((_("Not ready: "), "bold"), shown_error(exc)))
        else:
            self._status(Text.assemble((_("Ready. "), "bold"),
                                       _("i runs {what}.").format(what=shown(what))))
        self._render_stages()
        self._render_hosts()

    def _status(self, text: Text | str) -> None:
        self.query_one("#install-status", Static).update(text)

    def _render_stages(self) -> None:
        progress = self.progress
        lines = []
        for index, stage in enumerate(progress.stages, start=1):
            if index < progress.stage or progress.outcome == "succeeded":
                mark, style = "✔", "green"
            elif index == progress.stage:
                failed = progress.outcome in ("failed", "cancelled")
                mark, style = ("✘", "bold red") if failed else ("▶", "bold")
            else:
                mark, style = "·", "dim"
            lines.append(Text(f"{mark} {index:>2} {_(stage.title)}", style=style))
        widget = self.query_one("#stages", Static)
        height = max(widget.size.height, 5)
        current = max(progress.stage - 1, 0)
        start = max(0, min(current - height // 2, len(lines) - height))
        widget.update(Text("\n").join(lines[start:start + height]))

    def _render_hosts(self) -> None:
        table = self.query_one("#install-hosts", DataTable)
        table.clear()
        rows = self.progress.hosts
        names = self.host_order + [n for n in rows if n not in self.host_order]
        for name in names:
            row = rows.get(name)
            state = row.status if row else "pending"
            mark, style = HOST_STATE.get(state, ("?", ""))
            task = f"{row.module} {row.task}".strip() if row else ""
            if row and row.reason:
                task = str(shown(row.reason))
            if name in self.hard_stops:  # kk's own precheck stopped on this host
                state, task = "failed", self.hard_stops[name]
                mark, style = HOST_STATE["failed"]
            word = _(STATE_WORDS[state]) if state in STATE_WORDS else state
            table.add_row(Text(name, style="bold"), Text(f"{mark} {word}", style=style),
                          Text(task, overflow="ellipsis", no_wrap=True),
                          Text(str(row.retries) if row and row.retries else ""), key=name)

    def _render_status(self) -> None:
        progress = self.progress
        text = Text(str(shown(progress.status_line())), style="bold")
        if self.running and self.last_output_at is not None and not progress.outcome:
            note = silence_note(self.kapp.clock() - self.last_output_at, progress.stage_title)
            if note:
                text.append(f" · {shown(note)}", style="bold yellow")
        self._status(text)
        self.query_one("#install-bar", ProgressBar).update(progress=progress.percent)

    # ------------------------------------------------------------------ events
    def ingest(self, events: Iterable[Any]) -> None:
        """Apply one batch: the log gets one write, the panels one refresh."""
        lines: list[str] = []
        stage_changed = hosts_changed = False
        finished: ProcessExited | None = None
        for event in events:
            if isinstance(event, RawLine):
                lines.append(event.text)
                stop = HARD_STOP.search(event.text)
                if stop and stop[1] in self.host_order:
                    self.hard_stops.setdefault(stop[1], stop[2].strip())
                    hosts_changed = True
            elif isinstance(event, ProcessStarted):
                self.last_output_at = self.kapp.clock()
                self.pid = event.pid
            elif isinstance(event, PipelineFailed):
                self.failure = event
            elif isinstance(event, ProcessExited):
                finished = event
            stage_changed |= self.progress.feed(event)
            hosts_changed |= type(event).__name__ in ("HostStatus", "PipelineFailed")
        self.query_one(LogPane).append(lines)
        if lines:
            self.last_output_at = self.kapp.clock()
        if stage_changed:
            self._render_stages()
            self._render_status()
        if hosts_changed:
            self._render_hosts()
        if finished is not None:
            self._show_end(finished)

    @on(KkEventsReceived)
    def _events(self, message: KkEventsReceived) -> None:
        self.ingest(message.events)

    @on(DownloadProgressed)
    def _download(self, message: DownloadProgressed) -> None:
        bar = self.query_one("#install-bar", ProgressBar)
        mib = 1024 * 1024
        if message.total:
            bar.update(total=message.total, progress=message.done)
            text = _("Downloading kk… {done:.1f} / {total:.1f} MiB").format(
                done=message.done / mib, total=message.total / mib)
        else:
            bar.update(total=None)
            text = _("Downloading kk… {done:.1f} MiB").format(done=message.done / mib)
        self._status(Text(text, style="bold"))

    @on(KkPromptShown)
    def _prompt(self, message: KkPromptShown) -> None:
        if self.job is not None:
            self.job.answers = message.answers
        self.app.push_screen(KkPrompt(message.prompt), message.answers.put)

    @on(HintFound)
    def _hint_found(self, message: HintFound) -> None:
        hint: Hint = message.hint
        if self.outcome or hint in self.live_hints:
            return  # the end banner (which repeats it) is already up
        self.live_hints.append(hint)

        def text() -> Text:
            shown_text = Text(_("⚠ kk may be stuck: "), style="bold")
            shown_text.append(f"{shown(hint.title)}. ", style="bold")
            shown_text.append(_("{text} x cancels.").format(text=shown(hint.text)))
            return shown_text

        self._banner_of(text, "-hint")

    @on(InstallFinished)
    def _finished(self, message: InstallFinished) -> None:
        self.job = None
        self.kapp.busy.pop("install", None)
        self.refresh_bindings()
        if message.cancelled:
            self.outcome = "cancelled"
            error = str(shown(message.error))
            detail = f" {error[:1].upper()}{error[1:]}." if error else ""
            self._banner_of(lambda: Text.assemble(
                (_("■ Install cancelled before kk started"), "bold"),
                _(": no host was changed.{detail}").format(detail=detail)), "-cancelled")
            self._status(Text(_("■ install cancelled before kk started"),
                              style="bold yellow"))
        elif message.refused or message.error.startswith("precheck"):
            self.outcome = "refused"
            def refused() -> Text:
                text = Text.assemble((_("✘ kk was not started: "), "bold"),
                                     str(shown(message.error)), ".")
                for line in message.refused[:4]:
                    text.append(f"\n{shown(line)}")
                if len(message.refused) > 4:
                    text.append(_("\n… and {count} more (Precheck screen, 5)").format(
                        count=len(message.refused) - 4))
                return text

            self._banner_of(refused, "-failure")
            self._status(Text(_("✘ install refused by kkui's precheck"), style="bold red"))
        elif message.error:
            self.outcome = "failed"
            self._banner_of(lambda: Text.assemble((_("✘ Could not start kk: "), "bold"),
                                               str(shown(message.error))), "-failure")
            self._status(Text(_("✘ install did not start"), style="bold red"))

    def _show_end(self, exited: ProcessExited) -> None:
        progress = self.progress
        self.exit_code = exited.code
        self.outcome = progress.outcome
        self._render_status()
        self._render_stages()
        elapsed = format_elapsed(progress.elapsed)
        plan = self.plan or plan_install(self.doc, self.install_options(), preview=True)
        summary = summarize(plan, InstallResult(
            code=exited.code, progress=progress, cancelled=exited.cancelled,
            declined=exited.declined, failure=self.failure, hints=tuple(self.hints.best(1)),
            live_hints=tuple(self.live_hints)))
        if progress.outcome == "succeeded":
            first = next(iter(plan.model.control_plane_hosts), None)
            kubeconfig = kubeconfig_path(first.user) if first else "~/.kube/config"

            def installed() -> Text:
                where = _("on {host} ").format(host=first.name) if first else ""
                return Text.assemble(
                    (_("✔ Cluster installed"), "bold"),
                    _(" in {elapsed}. Next: ").format(elapsed=elapsed), ("v", "bold"),
                    _(" verifies it is whole and HA (etcd quorum, API through the endpoint, "
                      "nodes, certificates); {where}run ").format(where=where),
                    ("kubectl get nodes", "bold"),
                    _(" (kubeconfig: {kubeconfig} there); s saves this log.").format(
                        kubeconfig=kubeconfig))

            self._banner_of(installed, "-success")
        elif progress.outcome == "cancelled":
            def cancelled() -> Text:
                text = Text.assemble((_("■ Cancelled"), "bold"), _(
                    " after {elapsed}: kk and every process it started were stopped. ").format(
                        elapsed=elapsed), *(str(shown(note)) for note in summary.notes))
                for hint in summary.hints:  # most likely why the operator gave up waiting
                    text.append(_("\nHint: "), style="bold yellow")
                    text.append(f"{shown(hint.title)}. {shown(hint.text)}")
                return text

            self._banner_of(cancelled, "-cancelled")
        elif progress.outcome == "declined":
            self._banner_of(lambda: Text(_("■ You answered no: kk stopped before changing any "
                                        "host."), style="bold"), "-cancelled")
        else:
            self._banner_of(lambda: self._failure_text(exited.code), "-failure")

    @on(EvidenceCollecting)
    def _evidence_collecting(self, message: EvidenceCollecting) -> None:
        self.evidence_lines = (_("Collecting evidence from {hosts} over SSH (read-only, "
                                 "bounded)…").format(hosts=", ".join(message.hosts)),)
        if self.outcome == "failed":
            self._banner_of(lambda: self._failure_text(self.exit_code or 1), "-failure")

    @on(EvidenceCollected)
    def _evidence_collected(self, message: EvidenceCollected) -> None:
        message.evidence.feed(self.hints.triage)
        self.evidence_lines = message.evidence.lines
        if self.outcome == "failed":
            self._banner_of(lambda: self._failure_text(self.exit_code or 1), "-failure")

    def _failure_text(self, code: int, what: str = "") -> Text:
        failure = self.failure
        text = Text("✘ " + (what or _("Install failed")), style="bold")
        if failure is not None and failure.module:
            text.append(_(" in {module}").format(module=failure.module))
        hosts = [h for h, _t, _r in failure.hosts] if failure else []
        if hosts:
            text.append(_(" on {hosts}").format(hosts=", ".join(hosts)))
        if failure is not None and failure.hosts:
            _host, task, reason = failure.hosts[0]
            first = reason.splitlines()[0] if reason else ""
            if len(first) > 110:
                first = first[:109] + "…"
            text.append(f": {('[' + task + '] ') if task else ''}{first}" if first else "")
        elif self.hard_stops:
            stops = "; ".join(f"{h}: {r}" for h, r in self.hard_stops.items())
            text.append(_(" in kk's precheck on {hosts}: {stops}").format(
                hosts=", ".join(self.hard_stops), stops=stops))
        elif not failure:
            text.append(_(" (kk exit code {code})").format(code=code))
        for hint in self.hints.best(1):
            text.append(_("\nHint: "), style="bold yellow")
            text.append(f"{shown(hint.title)}. {shown(hint.text)}")
        for line in self.evidence_lines:
            text.append(f"\n{shown(line)}", style="dim")
        if self.log_path is not None:
            text.append(_("\nFull log: {path}").format(path=self.log_path), style="dim")
        return text

    def _banner(self, text: Text, kind: str) -> None:
        self.banner_text = None
        banner = self.query_one("#banner", Static)
        banner.update(text)
        banner.set_classes(kind)

    def _banner_of(self, make: Callable[[], Text], kind: str) -> None:
        """A banner in words: ``make`` builds it, and again in the new language when the
        language is switched (f2)."""
        self._banner(make(), kind)
        self.banner_text = make

    def relabel(self) -> None:
        """New language: stages, hosts, status and the banner re-rendered from the run's
        state (kk's log is kk's own words: it stays as it is)."""
        self._render_stages()
        self._render_hosts()
        if self.running or self.outcome:
            self._render_status()
        else:
            self._reset_view()
        if self.banner_text is not None:
            self.query_one("#banner", Static).update(self.banner_text())

    # ------------------------------------------------------------------ actions
    def install_options(self) -> InstallOptions:
        """The app's start-up options, as ``kkui install`` takes them from its flags."""
        app = self.kapp
        return InstallOptions(workdir=app.workdir, kk_binary=app.kk_binary,
                              base_url=app.kk_base_url, log_dir=app.log_dir,
                              skip_precheck=app.skip_precheck)

    def action_install(self) -> None:
        if self.running:
            return
        try:
            plan = plan_install(self.doc, self.install_options(), preview=True)
        except KkuiError as exc:
            errors = getattr(exc, "problems", None)
            detail = _("{count} error(s) in the config: fix them on the Review screen (4) "
                       "first").format(count=sum(p.severity == "error" for p in errors)) \
                if errors else shown_error(exc)
            self.notify(detail, severity="error", title=_("Not started"))
            return
        model = plan.model
        text = _("Run {what}? kk configures the OS of every host (swap off, SELinux disabled, "
                 "firewalld stopped) and installs Kubernetes {version}.").format(
                     what=shown(describe(plan)), version=model.kubernetes_version)
        if plan.skip_precheck:
            text += _("\n\nkkui's precheck is skipped (--skip-precheck).")
        else:
            text += _("\n\nkkui's precheck runs first (or its last run of these hosts is "
                      "used).")
        if uses_example_addresses(model):
            text += _("\n\nWARNING: some hosts still have the profile's example addresses "
                      "(192.168.233.x).")
        if model.lb_mode == "external" and self.kapp.lb_state != "answering":
            lb = model.kkui.load_balancer
            text += _("\n\nWARNING: the load-balancer pair has not answered in this session: "
                      "kk reaches the control plane through {vip}:{port}, which only works "
                      "once the pair is deployed. Deploy or check it first on the LB pair "
                      "screen (7: d deploys, s asks both LBs).").format(vip=lb.vip,
                                                                         port=lb.port)
        if self.doc.path is None or self.doc.is_modified:
            unsaved = _("\n\nWARNING: the config is not saved to a file yet.") \
                if self.doc.path is None else \
                _("\n\nWARNING: the config has unsaved changes.")
            text += unsaved + _(" The install writes its workdir {workdir} and kk's copy of "
                                "the config there; save first (ctrl+s) to keep a file of "
                                "what was installed.").format(workdir=plan.workdir)
        from kkui.core.install.hostplan import plan_from_history

        # issue #14: what kk will do to each host, as `kkui install --plan` prints it
        hosts_plan, note = plan_from_history(model, workdir=str(plan.workdir))
        text += _("\n\nPlan: {summary}; per host below.").format(
            summary=shown(hosts_plan.summary()))
        detail = "\n".join([*(str(shown(line)) for line in hosts_plan.lines()),
                            *([f"({shown(note)})"] if note else [])])
        self.app.push_screen(Confirm(_("Start the install?"), text, yes=_("Install"),
                                     detail=detail),
                             lambda yes: self._start() if yes else None)

    def _start(self) -> None:
        try:  # the snapshot kk will get: rendered here, in the UI thread that edits the doc
            plan = plan_install(self.doc, self.install_options())
        except KkuiError as exc:
            self.notify(shown_error(exc), severity="error", title=_("Not started"))
            return
        self._begin(plan)
        first = _("Checking every host over SSH (kkui's precheck)…") \
            if not plan.skip_precheck else _("Preparing {workdir}…").format(
                workdir=plan.workdir)
        self._status(Text(first, style="bold"))
        assert self.job is not None
        self.install(plan, self.kapp.last_precheck, self.job)

    def _begin(self, plan: InstallPlan) -> None:
        """A new run (install or resume) of ``plan``: the view reset, the job registered."""
        self.plan = plan
        self.log_path = plan.log_path
        self.progress = InstallProgress(clock=self.kapp.clock)
        self.hints = HintCollector(zone=plan.kkzone)  # never "use --zone cn" on cn
        self.failure, self.outcome, self.pid = None, "", None
        self.live_hints = []
        self.evidence_lines = ()
        self.hard_stops = {}
        self.prechecked = set()
        self.query_one(LogPane).clear()
        self._banner(Text(""), "")
        self._reset_view()
        self.job = InstallRun()
        self.kapp.busy["install"] = self.job.cancel
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="install", name="install", exit_on_error=False)
    def install(self, plan: InstallPlan, last_precheck: Any, run: InstallRun) -> None:
        from kkui.core.download.fetch import DownloadCancelled  # httpx: only when installing

        def send(batch: list[Any]) -> None:
            self.post_message(KkEventsReceived(batch))

        batcher = EventBatcher(send)
        hints = self.hints

        def on_event(event: Any) -> None:
            batcher.add(event)
            # regex work stays in this thread, off the UI loop
            live = [hint for hint in hints.feed(event) if hint.live]
            if live:  # kk may hang on this for ever: say so now, after the line itself
                batcher.flush()
                for hint in live:
                    self.post_message(HintFound(hint))
        from kkui.core.install.record import observing, recorded_install

        try:
            # a run-history record and the cluster lock (issue #14), as for `kkui install`
            with recorded_install(plan, config_text=plan.kk_text, argv=("tui",)) as history:
                history.stage("precheck")

                def host_checked(report: Any) -> None:
                    self.post_message(HostChecked(report))

                gate = check_precheck(plan, last_precheck, cancel=run.cancelled,
                                      on_host_done=host_checked)
                if run.cancelled.is_set():
                    history.finish(130)
                    self.post_message(InstallFinished(130, cancelled=True))
                    return
                if not gate.ok:
                    history.add_findings([*gate.lines, gate.message])
                    history.finish(1)
                    self.post_message(InstallFinished(None, gate.message, refused=gate.lines))
                    return
                history.stage("kk binary")
                kk = resolve_kk(plan, on_progress=self._progress_poster(), cancel=run.cancelled)
                if run.cancelled.is_set():
                    history.finish(130)
                    self.post_message(InstallFinished(130, cancelled=True))
                    return
                history.set_kk(kk.version, kk.sha256)
                prepare_workdir(plan, kk)

                history.stage("kk")
                process = plan.process(on_event=observing(history, on_event),
                                       on_prompt=self._asker(run, batcher),
                                       on_tick=batcher.tick, tick=0.05)
                run.process = process
                if run.cancelled.is_set():
                    process.cancel()
                code = process.run()
                history.finish(130 if process.cancelled else code,
                               outcome="cancelled" if process.declined else None)
        except DownloadCancelled as exc:
            self.post_message(InstallFinished(130, message_of(exc), cancelled=True))
            return
        except (KkuiError, OSError) as exc:
            batcher.flush()
            self.post_message(InstallFinished(None, message_of(exc)))
            return
        batcher.flush()
        if code and not (process.cancelled or process.declined):
            self._collect_evidence(plan, hints)
        self.post_message(InstallFinished(code))

    def _collect_evidence(self, plan: InstallPlan, hints: HintCollector) -> None:
        """In the install worker, after kk failed: the failed hosts' journals, ports, disk
        and clock (bounded: kkui/core/install/evidence.py); the screen feeds them to the
        triage and shows the findings, as `kkui install` prints them."""
        from kkui.core.install.evidence import collect_after_failure, hosts_to_visit

        failed = hints.report().failed_hosts
        hosts = hosts_to_visit(plan, failed)
        if hosts:
            self.post_message(EvidenceCollecting(tuple(h.name for h in hosts)))
            self.post_message(EvidenceCollected(collect_after_failure(plan, failed)))

    # ------------------------------------------------------------------ resume (issue #14)
    def action_resume(self) -> None:
        """After a failed install: the resume plan (kk's phases still to run and the state they
        assume) in a confirm dialog; yes checks that state over SSH and runs the phases, with
        the same core functions as `kkui install --resume`. A refusal says why and what to do
        instead."""
        if self.running:
            return
        from kkui.core.install.resume import resume_from_history

        try:
            rp = resume_from_history(self.doc.model())
        except KkuiError as exc:
            self.notify(shown_error(exc), title=_("Nothing to resume"), severity="warning",
                        timeout=10)
            return
        if not rp.phases:  # the failed module belongs to no phase, or kk changed nothing yet
            self._banner_of(lambda: Text.assemble(
                (_("✘ Not resumable. "), "bold"),
                "\n".join(str(shown(line)) for line in rp.lines())), "-failure")
            return
        text = "\n".join(str(shown(line)) for line in rp.lines()) + _(
            "\n\nThe state checks run first, over SSH; if one fails, kk is not started.")
        self.app.push_screen(Confirm(_("Resume the failed install?"), text, yes=_("Resume")),
                             lambda yes: self._start_resume(rp) if yes else None)

    def _start_resume(self, resume_plan: ResumePlan) -> None:
        try:
            plan = plan_install(self.doc, self.install_options())
        except KkuiError as exc:
            self.notify(shown_error(exc), severity="error", title=_("Not started"))
            return
        self._begin(plan)
        self.resume_phases = resume_plan.phases
        self._status(Text(_("Checking the state the phases assume…"), style="bold"))
        assert self.job is not None
        self.resume(plan, resume_plan, self.job)

    @work(thread=True, exclusive=True, group="install", name="resume", exit_on_error=False)
    def resume(self, plan: InstallPlan, resume_plan: ResumePlan, run: InstallRun) -> None:
        from kkui.core.download.fetch import DownloadCancelled
        from kkui.core.install.record import observing, recorded_install
        from kkui.core.install.resume import PhasesResult, check_state, run_phases

        def send(batch: list[Any]) -> None:
            self.post_message(KkEventsReceived(batch))

        def checked_one(outcome: Any) -> None:
            self.post_message(ResumeChecked(outcome))

        batcher = EventBatcher(send)

        def on_event(event: Any) -> None:
            # each phase ends with its own "execute successfully" and exit: the resume ends
            # once, with ResumeFinished
            if not isinstance(event, (PipelineSucceeded, ProcessExited)):
                batcher.add(event)

        def phase_started(phase: str) -> None:
            batcher.flush()
            history.stage(f"phase {phase}")
            self.post_message(ResumePhaseStarted(phase))

        def started(process: Any) -> None:
            run.process = process
            if run.cancelled.is_set():
                process.cancel()

        try:
            with recorded_install(plan, config_text=plan.kk_text,
                                  argv=("tui", "--resume")) as history:
                history.stage("resume checks")
                checked = check_state(resume_plan, plan.model, on_check=checked_one)
                if not checked.ok:
                    history.add_findings([checked.refusal])
                    history.finish(1)
                    self.post_message(ResumeFinished(None, refusal=checked.refusal))
                    return
                history.stage("kk binary")
                kk = resolve_kk(plan, on_progress=self._progress_poster(), cancel=run.cancelled)
                if run.cancelled.is_set():
                    history.finish(130)
                    self.post_message(ResumeFinished(PhasesResult(130, None, cancelled=True)))
                    return
                history.set_kk(kk.version, kk.sha256)
                prepare_workdir(plan, kk)
                result = run_phases(plan, checked, on_event=observing(history, on_event),
                                    on_prompt=self._asker(run, batcher), on_tick=batcher.tick,
                                    on_phase=phase_started, on_process=started)
                verified, verified_ok = "", True
                if result.code == 0 and not (result.cancelled or result.declined):
                    from kkui.core.install.resume import verify_after_resume

                    report = verify_after_resume(plan.model, history)
                    verified, verified_ok = report.summary_line(), report.ok
                history.finish(130 if result.cancelled else result.code,
                               outcome="cancelled" if result.declined else None)
        except DownloadCancelled as exc:
            self.post_message(ResumeFinished(PhasesResult(130, None, cancelled=True),
                                             error=message_of(exc)))
            return
        except (KkuiError, OSError) as exc:
            batcher.flush()
            self.post_message(ResumeFinished(None, error=message_of(exc)))
            return
        batcher.flush()
        self.post_message(ResumeFinished(result, verified=verified, verified_ok=verified_ok))

    @on(ResumeChecked)
    def _resume_checked(self, message: ResumeChecked) -> None:
        o = message.outcome
        self.query_one(LogPane).append(
            [f"kkui: {'ok  ' if o.ok else 'FAIL'} {o.id}: {shown(o.detail)}"])

    @on(ResumePhaseStarted)
    def _phase_started(self, message: ResumePhaseStarted) -> None:
        line = f"kkui: running ./kk alpha create phase {message.phase}"
        self.query_one(LogPane).append([line])
        self._status(Text(_("Resuming: phase {phase} ({index}/{total})…").format(
            phase=message.phase, index=self.resume_phases.index(message.phase) + 1,
            total=len(self.resume_phases)), style="bold"))

    @on(ResumeFinished)
    def _resume_finished(self, message: ResumeFinished) -> None:
        self.job = None
        self.kapp.busy.pop("install", None)
        self.refresh_bindings()
        result, progress = message.result, self.progress
        progress.ended_at = self.kapp.clock()
        if result is None:
            self.outcome = progress.outcome = "failed"
            why = message.refusal or message.error
            refused = bool(message.refusal)
            self._banner_of(lambda: Text.assemble(
                (_("✘ Not resumed: ") if refused else _("✘ The resume did not start: "),
                 "bold"), str(shown(why))), "-failure")
        elif result.cancelled or result.declined:
            self.outcome = progress.outcome = "cancelled"
            phase = result.phase
            self._banner_of(lambda: Text.assemble(
                (_("■ Resume cancelled in phase {phase}").format(phase=phase) if phase else
                 _("■ Resume cancelled"), "bold"),
                _(": kk and every process it started were stopped. r resumes again.")),
                "-cancelled")
        elif result.code != 0:
            self.outcome = progress.outcome = "failed"
            code, phase = result.code, result.phase
            self._banner_of(lambda: self._failure_text(code, _("Resume failed in phase {phase}")
                                                    .format(phase=phase)), "-failure")
        else:
            self.outcome = progress.outcome = "succeeded"
            phases = ", ".join(self.resume_phases)
            # verified in the worker, as `kkui install --resume` does (core verify_after_resume)
            self._banner_of(lambda: Text.assemble(
                (_("✔ Resumed"), "bold"), _(": phases {phases} ran. ").format(phases=phases),
                (_("Verify: "), "bold"),
                (str(shown(message.verified)),
                 "green" if message.verified_ok else "bold yellow"),
                _(" — v shows every check; s saves this log.")), "-success")
        self._render_status()
        self._render_stages()

    def _asker(self, run: InstallRun, batcher: EventBatcher) -> Any:
        """kk's prompt as the KkPrompt dialog; waits (in the worker) for the answer."""
        def ask(prompt: Any) -> bool | None:
            batcher.flush()
            message = KkPromptShown(prompt)
            run.answers = message.answers
            self.post_message(message)
            while not run.cancelled.is_set():
                try:
                    return message.answers.get(timeout=0.1)
                except queue.Empty:
                    continue
            return None

        return ask

    def _progress_poster(self) -> Any:
        """Download progress as messages, at most ten a second (and the last one)."""
        last = [0.0]

        def progressed(p: Any) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.1 or (p.total and p.received >= p.total):
                last[0] = now
                self.post_message(DownloadProgressed(p.received, p.total or 0))

        return progressed

    @on(HostChecked)
    def _host_checked(self, message: HostChecked) -> None:
        if self.plan is None or self.pid is not None:
            return
        self.prechecked.add(message.report.name)
        total = len(self.plan.model.hosts) + len(self.plan.model.kkui.load_balancer.hosts)
        self._status(Text(_("kkui's precheck: {done}/{total} host(s) checked…").format(
            done=len(self.prechecked), total=total), style="bold"))

    def action_cancel(self) -> None:
        run = self.job
        if run is None:
            return

        kk_started = self.pid is not None

        def confirmed(yes: bool | None) -> None:
            if yes and self.job is run:
                run.cancel()
                self._status(Text(_("Cancelling: SIGINT to kk, then SIGTERM/SIGKILL of its "
                                    "whole process tree…") if self.pid is not None else
                                  _("Cancelling: stopping before kk starts…"),
                                  style="bold yellow"))

        if kk_started:
            text = _("kk is stopped and every process it started is killed. Hosts may be left "
                     "half-configured.")
        else:
            text = _("kk has not started yet: no host has been changed. A kk download stops; "
                     "what was received is kept and the next install resumes it.")
        self.app.push_screen(Confirm(_("Cancel the install?"), text, yes=_("Cancel install"),
                                     no=_("Keep running")), confirmed)

    async def action_verify(self) -> None:
        """The end banner's next step: the Verify screen, running its checks at once."""
        await self.kapp.switch_mode("verify")
        verify = self.kapp.screen
        action = getattr(verify, "action_verify", None)
        if callable(action):
            action()

    def action_save_log(self) -> None:
        target = Path.cwd() / time.strftime("kkui-install-%Y%m%d-%H%M%S.log")
        try:
            if self.log_path is not None and self.log_path.exists():
                atomic_copy(self.log_path, target, mode=0o600)  # never through a link
            else:
                atomic_write(target, self.query_one(LogPane).visible_text() + "\n",
                             keep_backup=False)
        except (OSError, KkuiError) as exc:
            self.notify(_("cannot save the log: {error}").format(error=shown_error(exc)),
                        severity="error")
            return
        self.notify(_("Saved the full log to {path}").format(path=target), title=_("Log saved"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The install worker died of a kkui bug: end the run with one line (kk's process
        tree is stopped by the job's cancel), never a traceback or a stuck "running"."""
        if event.state == WorkerState.ERROR and event.worker.group == "install":
            if self.job is not None:
                self.job.cancel()
            self.post_message(InstallFinished(None, _("the install stopped on a kkui bug "
                                                      "({error})").format(
                                                          error=type(event.worker.error).__name__)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "install":
            return not self.running or None
        if action == "cancel":
            return self.running or None
        if action == "resume":
            return not self.running or None
        return True
