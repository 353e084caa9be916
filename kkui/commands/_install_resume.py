"""How ``kkui install --resume`` shows its plan, its state checks and kk's phases."""

from __future__ import annotations

import argparse
import sys
from typing import IO, TYPE_CHECKING

from kkui.commands.console import console, line, styled
from kkui.i18n import _, shown

if TYPE_CHECKING:
    from rich.text import Text

    from kkui.core.install import InstallPlan
    from kkui.core.runs import Run


def _say(*parts: Text | str, stream: IO[str] | None = None) -> None:
    """One line through the one console (host text cleaned, never markup), flushed."""
    stream = sys.stdout if stream is None else stream
    line(console(stream), *parts)
    stream.flush()


def resume(args: argparse.Namespace, plan: InstallPlan, config_text: str) -> int:
    from kkui.commands._install_console import InstallConsole
    from kkui.commands.download import print_result, progress_printer
    from kkui.core.install import prepare_workdir, resolve_kk
    from kkui.core.install.record import observing, recorded_install
    from kkui.core.install.resume import check_state, resume_from_history, run_phases

    rp = resume_from_history(plan.model)
    for text in rp.lines():
        _say(shown(text))
    if not rp.phases:
        return 1
    with recorded_install(plan, config_text=config_text,
                          argv=getattr(args, "kkui_argv", ())) as run:
        for note in run.notes:
            _say(f"kkui: {shown(note)}", stream=sys.stderr)
        run.stage("resume checks")
        _say(_("kkui: checking the state these phases assume ..."))
        checked = check_state(rp, plan.model)
        for outcome in checked.outcomes:
            mark = styled("ok", "green") if outcome.ok else styled("FAIL", "red")
            _say("  ", mark, f" {outcome.id}: {shown(outcome.detail)}")
        if not checked.ok:
            _say(_("kkui: not resumable: {why}").format(why=shown(checked.refusal)))
            run.add_findings([checked.refusal])
            return run.finish(1)
        run.stage("kk binary")
        kk = resolve_kk(plan, on_progress=None if args.kk else progress_printer(sys.stderr))
        if kk.downloaded is not None:
            print_result(kk.downloaded, sys.stdout)
        run.set_kk(kk.version, kk.sha256)
        prepare_workdir(plan, kk)
        console_ = InstallConsole(sys.stdout, plan, collect=not args.no_collect)

        def phase_started(phase: str) -> None:
            run.stage(f"phase {phase}")
            _say(_("kkui: running ./kk alpha create phase {phase} in {workdir}; log: {log}")
                 .format(phase=phase, workdir=plan.workdir, log=plan.log_path))

        result = run_phases(plan, checked, on_event=observing(run, console_.on_event),
                            on_prompt=(lambda _p: True) if args.yes else console_.ask,
                            on_tick=console_.tick, on_phase=phase_started)
        if result.cancelled:
            return run.finish(130)
        if result.declined:
            return run.finish(0, outcome="cancelled")
        if result.code != 0:
            _say(styled(_("kkui: phase {phase} failed (exit {code}); `kkui history show {id}` "
                          "has the timeline").format(phase=result.phase, code=result.code,
                                                     id=run.id), "red"))
            return run.finish(result.code)
        _say(styled(_("kkui: resumed: phases {phases} succeeded").format(
            phases=", ".join(checked.phases)), "green"))
        _verify(plan, run)
        return run.finish(0)  # kk's status, as for `kkui install`; verify's verdict is shown


def _verify(plan: InstallPlan, run: Run) -> None:
    """Verify after a successful resume (issue #14): kk's phases skip modules of no phase, so
    the cluster is checked end to end (read-only) and the verdict recorded with the run."""
    from kkui.core.install.resume import verify_after_resume

    _say(_("kkui: verifying the cluster (as `kkui verify`) ..."))
    report = verify_after_resume(plan.model, run)
    for r in report.results:
        if r.status in ("fail", "error"):
            _say("  ", styled("FAIL", "red"), f" {r.id} {r.target} {r.status}: {shown(r.detail)}")
    _say(styled(_("kkui: verify: {summary}").format(summary=shown(report.summary_line())),
                "green" if report.ok else "yellow"))
    if not report.ok:
        _say(_("kkui: the phases ran, but the cluster is not healthy yet: see the checks above "
               "and `kkui verify` for the fixes"))
