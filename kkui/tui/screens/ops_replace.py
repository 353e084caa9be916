"""The node replacement's checklist on the Cluster ops screen (issue #15): one row a step of
:data:`kkui.core.day2.replace.STEPS`, marked as it changes state, and the worker that runs or
resumes it with :func:`kkui.core.day2.replace_flow.run_replace` (the same function as
``kkui nodes replace``).

Lines for the output pane, the end (``OpsFinished``) and :class:`ReplaceChecklist.ConfigReplaced`
(the config step is done: the screen edits its document) are posted by the worker in the order
they happen and bubble to the screen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from kkui.core.errors import KkuiError, shown_error
from kkui.core.sanitize import for_display
from kkui.i18n import _, shown
from kkui.tui.messages import OpsFinished, OpsOutput, OpsStepChanged
from kkui.tui.screens.ops_kk import KkJob, kk_options, run_recorded, say_poster

if TYPE_CHECKING:
    from kkui.core.config import ClusterDocument
    from kkui.core.day2.replace_flow import StepChanged
    from kkui.tui.app import KkuiApp

# a row's state -> (mark, style)
STEP_STYLES = {"todo": ("·", "dim"), "running": ("▶", "bold cyan"), "done": ("✔", "green"),
               "earlier": ("✔", "green"), "failed": ("✘", "bold red")}


def step_detail(event: StepChanged) -> str:
    return _("earlier run") if event.state == "earlier" else for_display(
        str(shown(event.detail)), newlines=False)


class ReplaceChecklist(DataTable[Any]):
    """The checklist's table; hidden until a replacement starts."""

    @dataclass
    class ConfigReplaced(Message):
        """The config step is done: ``new`` takes ``old``'s roles, ``old``'s row leaves."""

        old: str
        new: str

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, cursor_type="none")

    def on_mount(self) -> None:
        self.add_column("", key="mark")
        self.add_column(_("step"), key="step")
        self.add_column(_("detail"), key="detail")
        self.display = False

    def show(self, old: str, new: str) -> None:
        """Every step as still to do (an earlier run's steps turn ✔ when re-checked)."""
        from kkui.core.day2.replace import STEPS
        from kkui.core.day2.replace_flow import step_titles

        self.clear()
        mark, style = STEP_STYLES["todo"]
        for (name, _t), title in zip(STEPS, step_titles(old, new), strict=True):
            self.add_row(Text(mark, style=style), shown(title), "", key=name)
        self.display = True

    @work(thread=True, exclusive=True, group="ops", name="replace", exit_on_error=False)
    def run(self, job: KkJob, workdir: Path) -> None:
        """Replace ``job.value`` with ``job.new``, or continue where an earlier run stopped."""
        from kkui.core.day2.flows import verify_step
        from kkui.core.day2.kkops import plan_operation
        from kkui.core.day2.replace_flow import ReplaceHooks, run_replace
        from kkui.core.download.fetch import DownloadCancelled

        old, new, post = job.value, job.new, self.post_message
        say = say_poster(post)
        options = kk_options(cast("KkuiApp", self.app))

        def run_kk(operation: str, doc: ClusterDocument, value: str) -> int:
            plan = plan_operation(doc, options, operation, value)
            try:
                return run_recorded(job, plan, operation, doc, post)
            except DownloadCancelled:
                return 130

        def on_step(event: StepChanged) -> None:
            post(OpsStepChanged(event))
            if event.state in ("done", "failed", "earlier"):
                mark, style = STEP_STYLES[event.state]
                post(OpsOutput(Text(f"{mark} [{event.number}/{event.total}] "
                                    f"{shown(event.title)}: {step_detail(event)}", style=style)))
            if event.step == "config" and event.state == "done":
                post(self.ConfigReplaced(old, new))

        hooks = ReplaceHooks(run_kk=run_kk, verify=lambda model: verify_step(model, say),
                             say=say, on_step=on_step, save=False, cancel=job.cancelled)
        try:
            result = run_replace(job.doc, old, new, workdir, hooks)
        except (KkuiError, OSError) as exc:
            post(OpsFinished(job.action, None, _("✘ replace {old}: {why}").format(
                old=old, why=shown_error(exc))))
            return
        if result.ok:
            post(OpsFinished(job.action, 0, _("✔ {old} replaced by {new}").format(
                old=old, new=new)))
        elif result.cancelled:
            post(OpsFinished(job.action, 130, _(
                "■ replace cancelled before step {n}").format(n=result.failed)))
        else:
            post(OpsFinished(job.action, 1, _(
                "✘ step {n} failed: fix it, then press r and continue: it continues at step "
                "{n}").format(n=result.failed)))

    @on(OpsStepChanged)
    def _step_changed(self, message: OpsStepChanged) -> None:
        message.stop()
        event = message.event
        mark, style = STEP_STYLES[event.state]
        self.update_cell(event.step, "mark", Text(mark, style=style))
        self.update_cell(event.step, "detail", Text(step_detail(event), style=style if
                                                    event.state == "failed" else ""))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker states do not bubble: a kkui bug ends the run on the screen, and the
        screen's keys follow the run."""
        if event.worker.group != "ops":
            return
        if event.state == WorkerState.ERROR:
            self.post_message(OpsFinished("nodes replace", None, _(
                "✘ {name} stopped by a kkui bug ({error})").format(
                    name=event.worker.name, error=type(event.worker.error).__name__)))
        self.screen.refresh_bindings()
