"""Install: get kk, run ``kk create cluster`` in a worker, watch stages, hosts and the log."""

from __future__ import annotations

import queue
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static

from kkui.core.config.model import ClusterModel
from kkui.core.errors import KkuiError
from kkui.core.fsutil import atomic_write
from kkui.core.kk.events import (
    PipelineFailed,
    ProcessExited,
    ProcessStarted,
    RawLine,
)
from kkui.core.kk.hints import Hint, HintCollector
from kkui.core.kk.stages import InstallProgress, format_elapsed
from kkui.core.kk.workdir import default_workdir
from kkui.tui.batching import EventBatcher
from kkui.tui.messages import (
    DownloadProgressed,
    HintFound,
    InstallFinished,
    KkEventsReceived,
    KkPromptShown,
)
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.kk_prompt import KkPrompt
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.screens.precheck import uses_example_addresses
from kkui.tui.widgets.log_pane import LogPane
from kkui.tui.widgets.navbar import NavBar

HOST_STATE = {
    "pending": ("·", "dim"), "success": ("✔", "green"), "failed": ("✘", "bold red"),
    "skipped": ("-", "dim"), "retry": ("↻", "yellow"), "rollback": ("↺", "magenta"),
}


def secrets_of(model: ClusterModel) -> list[str]:
    """Everything kk's output must never show (redacted before the log and the screen)."""
    found: list[str] = []
    for host in (*model.hosts, *model.kkui.load_balancer.hosts):
        found += [s for s in (host.password, host.private_key) if s]
    lb = model.kkui.load_balancer.secrets
    return found + [s for s in (lb.auth_pass, lb.stats_password) if s]


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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "install", "Install"),
        Binding("x", "cancel", "Cancel"),
        Binding("s", "save_log", "Save log"),
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

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("install")
        yield Static("", id="install-status")
        yield ProgressBar(total=100, show_eta=False, id="install-bar")
        with Horizontal(id="install-middle"):
            yield Static("", id="stages")
            table: DataTable[Any] = DataTable(id="install-hosts", cursor_type="row")
            table.add_column("Host", key="host")
            table.add_column("State", key="state")
            table.add_column("Task", key="task")
            table.add_column("Retries", key="retries")
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
        self._status(Text.assemble(
            ("Ready. ", "bold"), f"i runs kk {model.kkui.kk_version} create cluster on "
            f"{len(model.hosts)} host(s) (zone {model.kkui.zone})."))
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
            lines.append(Text(f"{mark} {index:>2} {stage.title}", style=style))
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
                task = row.reason
            table.add_row(Text(name, style="bold"), Text(f"{mark} {state}", style=style),
                          Text(task, overflow="ellipsis", no_wrap=True),
                          Text(str(row.retries) if row and row.retries else ""), key=name)

    def _render_status(self) -> None:
        progress = self.progress
        self._status(Text(progress.status_line(), style="bold"))
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
            elif isinstance(event, ProcessStarted):
                self.pid = event.pid
            elif isinstance(event, PipelineFailed):
                self.failure = event
            elif isinstance(event, ProcessExited):
                finished = event
            stage_changed |= self.progress.feed(event)
            hosts_changed |= type(event).__name__ in ("HostStatus", "PipelineFailed")
        self.query_one(LogPane).append(lines)
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
            text = f"Downloading kk… {message.done / mib:.1f} / {message.total / mib:.1f} MiB"
        else:
            bar.update(total=None)
            text = f"Downloading kk… {message.done / mib:.1f} MiB"
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
        text = Text("⚠ kk may be stuck: ", style="bold")
        text.append(f"{hint.title}. ", style="bold")
        text.append(f"{hint.text} x cancels.")
        self._banner(text, "-hint")

    @on(InstallFinished)
    def _finished(self, message: InstallFinished) -> None:
        self.job = None
        self.kapp.busy.pop("install", None)
        self.refresh_bindings()
        if message.cancelled:
            self.outcome = "cancelled"
            detail = f" {message.error[:1].upper()}{message.error[1:]}." if message.error \
                else ""
            self._banner(Text.assemble(("■ Install cancelled before kk started", "bold"),
                                       f": no host was changed.{detail}"), "-cancelled")
            self._status(Text("■ install cancelled before kk started", style="bold yellow"))
        elif message.error:
            self.outcome = "failed"
            self._banner(Text.assemble(("✘ Could not start kk: ", "bold"), message.error),
                         "-failure")
            self._status(Text("✘ install did not start", style="bold red"))

    def _show_end(self, exited: ProcessExited) -> None:
        progress = self.progress
        self.outcome = progress.outcome
        self._render_status()
        self._render_stages()
        elapsed = format_elapsed(progress.elapsed)
        if progress.outcome == "succeeded":
            cps = [h.name for h in self.doc.model().control_plane_hosts]
            first = cps[0] if cps else "the first control-plane node"
            self._banner(Text.assemble(
                ("✔ Cluster installed", "bold"), f" in {elapsed}. Next: on {first} run ",
                ("kubectl get nodes", "bold"), " (kubeconfig: /root/.kube/config there); "
                "s saves this log."), "-success")
        elif progress.outcome == "cancelled":
            text = Text.assemble(("■ Cancelled", "bold"), f" after {elapsed}: kk and every "
                                 "process it started were stopped. Hosts may be "
                                 "half-configured: `./kk delete cluster -f "
                                 "config-sample.yaml` in the workdir cleans up.")
            for hint in self.live_hints:  # most likely why the operator gave up waiting
                text.append("\nHint: ", style="bold yellow")
                text.append(f"{hint.title}. {hint.text}")
            self._banner(text, "-cancelled")
        elif progress.outcome == "declined":
            self._banner(Text("■ You answered no: kk stopped before changing any host.",
                              style="bold"), "-cancelled")
        else:
            self._banner(self._failure_text(exited), "-failure")

    def _failure_text(self, exited: ProcessExited) -> Text:
        failure = self.failure
        text = Text("✘ Install failed", style="bold")
        if failure is not None and failure.module:
            text.append(f" in {failure.module}")
        hosts = [h for h, _, _ in failure.hosts] if failure else []
        if hosts:
            text.append(f" on {', '.join(hosts)}")
        if failure is not None and failure.hosts:
            _, task, reason = failure.hosts[0]
            first = reason.splitlines()[0] if reason else ""
            if len(first) > 110:
                first = first[:109] + "…"
            text.append(f": {('[' + task + '] ') if task else ''}{first}" if first else "")
        elif not failure:
            text.append(f" (kk exit code {exited.code})")
        for hint in self.hints.best(1):
            text.append("\nHint: ", style="bold yellow")
            text.append(f"{hint.title}. {hint.text}")
        if self.log_path is not None:
            text.append(f"\nFull log: {self.log_path}", style="dim")
        return text

    def _banner(self, text: Text, kind: str) -> None:
        banner = self.query_one("#banner", Static)
        banner.update(text)
        banner.set_classes(kind)

    # ------------------------------------------------------------------ actions
    def action_install(self) -> None:
        if self.running:
            return
        doc = self.doc
        errors = [p for p in doc.validate() if p.severity == "error"]
        if errors:
            self.notify(f"{len(errors)} error(s) in the config: fix them on the Review screen "
                        "(4) first", severity="error", title="Not started")
            return
        model = doc.model()
        text = (f"Run kk {model.kkui.kk_version} create cluster on {len(model.hosts)} host(s)? "
                "kk configures the OS of every host (swap off, SELinux disabled, firewalld "
                "stopped) and installs Kubernetes "
                f"{model.kubernetes_version}.")
        if uses_example_addresses(model):
            text += ("\n\nWARNING: some hosts still have the profile's example addresses "
                     "(192.168.233.x).")
        self.app.push_screen(Confirm("Start the install?", text, yes="Install"),
                             lambda yes: self._start() if yes else None)

    def _start(self) -> None:
        doc = self.doc
        model = doc.model()
        workdir = self.kapp.workdir or default_workdir(doc.model().name, doc.path)
        log_dir = self.kapp.log_dir or workdir / "logs"
        self.log_path = log_dir / time.strftime("install-%Y%m%d-%H%M%S.log")
        self.progress = InstallProgress(clock=self.kapp.clock)
        self.hints = HintCollector()
        self.failure, self.outcome, self.pid = None, "", None
        self.live_hints = []
        self.query_one(LogPane).clear()
        self._banner(Text(""), "")
        self._reset_view()
        self.job = InstallRun()
        self.kapp.busy["install"] = self.job.cancel
        self.refresh_bindings()
        self._status(Text(f"Preparing {workdir}…", style="bold"))
        self.install(model, doc.kk_text(), workdir, self.log_path, self.job)

    @work(thread=True, exclusive=True, group="install")
    def install(self, model: ClusterModel, kk_text: str, workdir: Path, log_path: Path,
                run: InstallRun) -> None:
        from kkui.core.download.fetch import DownloadCancelled  # httpx: only when installing
        from kkui.core.kk.process import KK_CONFIG_NAME, KkProcess, create_cluster_argv

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
        try:
            workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(workdir / KK_CONFIG_NAME, kk_text, keep_backup=False)
            self._obtain_kk(model, workdir, run.cancelled)
            if run.cancelled.is_set():
                self.post_message(InstallFinished(130, cancelled=True))
                return

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

            process = KkProcess(create_cluster_argv(), workdir=workdir, on_event=on_event,
                                on_prompt=ask, zone=model.kkui.zone,
                                secrets=secrets_of(model), log_path=log_path,
                                on_tick=batcher.tick, tick=0.05)
            run.process = process
            if run.cancelled.is_set():
                process.cancel()
            code = process.run()
        except DownloadCancelled as exc:
            self.post_message(InstallFinished(130, str(exc), cancelled=True))
            return
        except (KkuiError, OSError) as exc:
            batcher.flush()
            self.post_message(InstallFinished(None, str(exc)))
            return
        batcher.flush()
        self.post_message(InstallFinished(code))

    def _obtain_kk(self, model: ClusterModel, workdir: Path, cancel: threading.Event) -> None:
        target = workdir / "kk"
        if self.kapp.kk_binary is not None:
            source = Path(self.kapp.kk_binary)
            if not target.exists() or not target.samefile(source):
                shutil.copy2(source, target)
                target.chmod(0o755)
            return
        from kkui.core.download import obtain_kk

        last = [0.0]

        def progressed(p: Any) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.1 or (p.total and p.received >= p.total):
                last[0] = now
                self.post_message(DownloadProgressed(p.received, p.total or 0))

        obtain_kk(model.kkui.kk_version, zone=model.kkui.zone, dest=workdir,
                  base_url=self.kapp.kk_base_url, on_progress=progressed, cancel=cancel)

    def action_cancel(self) -> None:
        run = self.job
        if run is None:
            return

        kk_started = self.pid is not None

        def confirmed(yes: bool | None) -> None:
            if yes and self.job is run:
                run.cancel()
                self._status(Text("Cancelling: SIGINT to kk, then SIGTERM/SIGKILL of its whole "
                                  "process tree…" if self.pid is not None else "Cancelling: "
                                  "stopping before kk starts…", style="bold yellow"))

        if kk_started:
            text = ("kk is stopped and every process it started is killed. Hosts may be left "
                    "half-configured.")
        else:
            text = ("kk has not started yet: no host has been changed. A kk download stops; "
                    "what was received is kept and the next install resumes it.")
        self.app.push_screen(Confirm("Cancel the install?", text, yes="Cancel install",
                                     no="Keep running"), confirmed)

    def action_save_log(self) -> None:
        target = Path.cwd() / time.strftime("kkui-install-%Y%m%d-%H%M%S.log")
        try:
            if self.log_path is not None and self.log_path.exists():
                shutil.copyfile(self.log_path, target)
            else:
                atomic_write(target, self.query_one(LogPane).visible_text() + "\n",
                             keep_backup=False)
            target.chmod(0o600)
        except OSError as exc:
            self.notify(f"cannot save the log: {exc}", severity="error")
            return
        self.notify(f"Saved the full log to {target}", title="Log saved")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "install":
            return not self.running or None
        if action == "cancel":
            return self.running or None
        return True
