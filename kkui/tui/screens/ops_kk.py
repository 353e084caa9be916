"""kk runs started from the Cluster ops screen (issue #15): the job the screen keeps while kk
runs (``x`` and quitting cancel it), kkui's own lines as pane lines, and one recorded kk run
(:func:`kkui.core.day2.kkflow.recorded_operation`: history record, cluster lock, precheck gate,
kk binary, workdir) shared by the screen's single kk runs and the replacement's checklist.
The functions here run in worker threads and reach the screen only through ``post``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message

from kkui.core.config import ClusterDocument
from kkui.core.kk.workdir import default_workdir
from kkui.core.sanitize import for_display
from kkui.i18n import shown
from kkui.tui.batching import EventBatcher
from kkui.tui.messages import KkEventsReceived, OpsOutput

if TYPE_CHECKING:
    from kkui.core.install import InstallOptions, InstallPlan
    from kkui.core.runs import Run
    from kkui.tui.app import KkuiApp

Say = Callable[[str, str], None]
Post = Callable[[Message], Any]
# kk's after-step: gets the plan, the run and say(kind, text); returns the exit status
After = Callable[["InstallPlan", "Run", Say], int]
Before = Callable[["InstallPlan", "Run", Say], "int | None"]
SAY_STYLES = {"ok": "green", "fail": "bold red", "warn": "yellow", "note": "", "gate": "red",
              "detail": ""}


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
    new: str = ""  # nodes replace: the replacement (``value`` is the node replaced)

    def cancel(self) -> None:
        self.cancelled.set()
        if self.process is not None:
            self.process.cancel()  # each call escalates: SIGINT, SIGTERM, SIGKILL of the tree


def doc_copy(doc: ClusterDocument) -> ClusterDocument:
    """The document as it is now, for a worker (the operator may go on editing)."""
    return ClusterDocument.from_text(doc.to_text(), source=doc.source)


def ops_workdir(app: KkuiApp) -> Path:
    """``--workdir``, or the workdir beside the config file."""
    return app.workdir or default_workdir(app.document.model().name, app.document.path)


def kk_options(app: KkuiApp) -> InstallOptions:
    from kkui.core.install import InstallOptions

    # the workdir beside the config file (kk's runs get a copy of the document, which has
    # no file: its own default would be the current directory's)
    return InstallOptions(workdir=ops_workdir(app), kk_binary=app.kk_binary,
                          base_url=app.kk_base_url, log_dir=app.log_dir,
                          skip_precheck=app.skip_precheck)


def say_poster(post: Post) -> Say:
    """Core's ``say(kind, text)`` from a worker thread, as lines in the pane."""
    def say(kind: str, text: str) -> None:
        text = str(shown(text))
        line = f"  {text}" if kind in ("detail", "gate") else text
        post(OpsOutput(Text(for_display(line), style=SAY_STYLES.get(kind, ""))))
    return say


def run_recorded(job: KkJob, plan: InstallPlan, action: str, doc: ClusterDocument, post: Post,
                 before: Before | None = None, after: After | None = None) -> int:
    """One kk run in a history record (worker thread): kk's lines to the pane, its process
    kept in ``job`` for ``x``; the dialog already answered kk's ``[yes/no]``."""
    from kkui.core.day2.kkflow import OperationHooks, recorded_operation

    say = say_poster(post)

    def send(batch: list[Any]) -> None:
        post(KkEventsReceived(batch))

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
            if fn is after:
                job.kk_succeeded = True  # after-steps only run when kk exited 0
            return fn(plan, run, say)
        return call

    hooks = OperationHooks(say=say, on_event=batcher.add, on_tick=batcher.tick,
                           on_started=started, cancel=job.cancelled)
    try:
        return recorded_operation(doc, plan, action, hooks, argv=("tui", "ops", action),
                                  before=step(before), after=step(after))
    finally:
        batcher.flush()
