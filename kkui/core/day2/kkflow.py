"""One kk day-2 run (``certs renew``, ``nodes add``, ``nodes delete``, ``upgrade``, ``delete``),
the same flow for the CLI and the TUI's Cluster ops (issue #15).

The install's rules: a history record and the cluster lock for the whole run, the operation's
own refusals (``before``), kkui's precheck gate, kk from ``--kk`` or the download, the workdir,
kk with its events and prompt, then ``after`` (verify, config edits, the LB pair) only when kk
succeeded.  What the operator sees is up to the caller: :class:`OperationHooks` receives
kkui's lines, kk's events and the prompt (the CLI prints them, the TUI posts messages).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kkui.core.config import ClusterDocument
    from kkui.core.install import InstallPlan
    from kkui.core.kk.events import KkEvent, PromptShown
    from kkui.core.kk.process import KkProcess
    from kkui.core.precheck.report import HostReport
    from kkui.core.runs import Run

# What runs before kk (extra refusals: an exit status to stop with, or None) and after kk
# succeeded (verify, config edits: the run's exit status).
Step = Callable[["InstallPlan", "Run"], "int | None"]

# kinds of kkui's own lines: "note" (progress), "gate" (a precheck failure: "STATUS rest"),
# "ok", "fail", "warn"
Say = Callable[[str, str], None]


def _silent(_kind: str, _text: str) -> None:
    return None


def _ignore(_event: Any) -> None:
    return None


@dataclass
class OperationHooks:
    """How a run talks to its operator; every hook is called from the running thread."""

    say: Say = _silent
    on_event: Callable[[KkEvent], None] = _ignore
    # kk's `[yes/no]` prompt: None means the operator already said yes (--yes, a dialog)
    ask: Callable[[PromptShown], bool | None] | None = None
    on_progress: Callable[[Any], None] | None = None  # kk's download
    on_downloaded: Callable[[Any], None] | None = None
    on_host_checked: Callable[[HostReport], None] | None = None  # the precheck
    before_kk: Callable[[InstallPlan], None] | None = None  # kk is about to start
    on_started: Callable[[KkProcess], None] | None = None  # kk runs (cancel handle)
    on_finished: Callable[[KkProcess], None] | None = None  # kk exited
    on_tick: Callable[[], None] | None = None
    cancel: threading.Event | None = None  # set: stop before kk starts (130)


def run_operation(plan: InstallPlan, run: Run, operation: str, hooks: OperationHooks, *,
                  before: Step | None = None, after: Step | None = None) -> int:
    """``before`` → precheck gate → kk binary → workdir → kk → ``after``; the exit status."""
    from kkui.core.install import check_precheck, prepare_workdir, resolve_kk
    from kkui.core.install.record import observing

    say = hooks.say
    if before is not None:
        stop = before(plan, run)
        if stop is not None:
            return stop
    run.stage("precheck")
    if not plan.skip_precheck:
        say("note", "precheck of every host over SSH (skip with --skip-precheck) ...")
    gate = check_precheck(plan, on_host_done=hooks.on_host_checked, cancel=hooks.cancel)
    for line in gate.lines:
        say("gate", line)
    if gate.report is not None:
        say("note", f"precheck: {gate.summary}")
    elif gate.skipped:
        say("note", gate.message)
    if hooks.cancel is not None and hooks.cancel.is_set():
        say("warn", f"{operation} cancelled before kk started: no host was changed")
        return 130
    if not gate.ok:
        say("fail", f"{gate.message}.")
        run.add_findings([*gate.lines, gate.message])
        return 1
    run.stage("kk binary")
    kk = resolve_kk(plan, on_progress=hooks.on_progress, cancel=hooks.cancel)
    if kk.downloaded is not None and hooks.on_downloaded is not None:
        hooks.on_downloaded(kk.downloaded)
    if hooks.cancel is not None and hooks.cancel.is_set():
        say("warn", f"{operation} cancelled before kk started: no host was changed")
        return 130
    run.set_kk(kk.version, kk.sha256)
    prepare_workdir(plan, kk)
    run.stage(f"kk {operation}")
    if hooks.before_kk is not None:
        hooks.before_kk(plan)
    proc = plan.process(on_event=observing(run, hooks.on_event),
                        on_prompt=hooks.ask if hooks.ask is not None else (lambda _p: True),
                        on_tick=hooks.on_tick, tick=0.05 if hooks.on_tick else 0.5)
    if hooks.on_started is not None:
        hooks.on_started(proc)
    say("note", f"running {' '.join(plan.argv)} in {plan.workdir}"
        f"{' with KKZONE=cn' if plan.kkzone == 'cn' else ''}; log: {plan.log_path}")
    code = proc.run()
    if hooks.on_finished is not None:
        hooks.on_finished(proc)
    if proc.cancelled:
        return 130
    if proc.declined:
        run.finish(0, outcome="cancelled")  # answered no at kk's prompt: nothing changed
        return 0
    if code != 0 or after is None:
        return code
    run.stage("after kk")
    result = after(plan, run)
    return 0 if result is None else result


def recorded_operation(doc: ClusterDocument, plan: InstallPlan, operation: str,
                       hooks: OperationHooks, *, argv: Sequence[str] = (),
                       before: Step | None = None, after: Step | None = None,
                       on_note: Callable[[str], None] | None = None) -> int:
    """:func:`run_operation` inside a history record holding the cluster lock (raises
    ClusterLocked, as ``kkui install`` does, when another kkui drives the cluster)."""
    from kkui.core.runs import recorded_run

    with recorded_run(operation, model=plan.model, config_text=doc.to_text(),
                      config_path=plan.source, argv=argv, lock=True) as run:
        run.set_log(plan.log_path)
        for note in run.notes:
            (on_note or (lambda text: hooks.say("warn", text)))(note)
        return run.finish(run_operation(plan, run, operation, hooks, before=before,
                                        after=after))
