"""How ``kkui install --resume`` shows its plan, its state checks and kk's phases."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kkui.commands.console import paint

if TYPE_CHECKING:
    from kkui.core.install import InstallPlan
    from kkui.core.runs import Run


def resume(args: argparse.Namespace, plan: InstallPlan, config_text: str) -> int:
    from kkui.commands._install_console import InstallConsole
    from kkui.commands.download import print_result, progress_printer
    from kkui.core.install import prepare_workdir, resolve_kk
    from kkui.core.install.record import observing, recorded_install
    from kkui.core.install.resume import check_state, resume_from_history, run_phases

    rp = resume_from_history(plan.model)
    print("\n".join(rp.lines()), flush=True)
    if not rp.phases:
        return 1
    with recorded_install(plan, config_text=config_text,
                          argv=getattr(args, "kkui_argv", ())) as run:
        for note in run.notes:
            print(f"kkui: {note}", file=sys.stderr)
        run.stage("resume checks")
        print("kkui: checking the state these phases assume ...", flush=True)
        checked = check_state(rp, plan.model)
        for outcome in checked.outcomes:
            mark = paint("ok", "green") if outcome.ok else paint("FAIL", "red")
            print(f"  {mark} {outcome.id}: {outcome.detail}", flush=True)
        if not checked.ok:
            print(f"kkui: not resumable: {checked.refusal}")
            run.add_findings([checked.refusal])
            return run.finish(1)
        run.stage("kk binary")
        kk = resolve_kk(plan, on_progress=None if args.kk else progress_printer(sys.stderr))
        if kk.downloaded is not None:
            print_result(kk.downloaded, sys.stdout)
        run.set_kk(kk.version, kk.sha256)
        prepare_workdir(plan, kk)
        console = InstallConsole(sys.stdout, plan, collect=not args.no_collect)

        def phase_started(phase: str) -> None:
            run.stage(f"phase {phase}")
            print(f"kkui: running ./kk alpha create phase {phase} in {plan.workdir}; "
                  f"log: {plan.log_path}", flush=True)

        result = run_phases(plan, checked, on_event=observing(run, console.on_event),
                            on_prompt=(lambda _p: True) if args.yes else console.ask,
                            on_tick=console.tick, on_phase=phase_started)
        if result.cancelled:
            return run.finish(130)
        if result.declined:
            return run.finish(0, outcome="cancelled")
        if result.code != 0:
            print(paint(f"kkui: phase {result.phase} failed (exit {result.code}); "
                        f"`kkui history show {run.id}` has the timeline", "red"))
            return run.finish(result.code)
        print(paint(f"kkui: resumed: phases {', '.join(checked.phases)} succeeded", "green"),
              flush=True)
        _verify(plan, run)
        return run.finish(0)  # kk's status, as for `kkui install`; verify's verdict is shown


def _verify(plan: InstallPlan, run: Run) -> None:
    """Verify after a successful resume (issue #14): kk's phases skip modules of no phase, so
    the cluster is checked end to end (read-only) and the verdict recorded with the run."""
    from kkui.core.install.resume import verify_after_resume

    print("kkui: verifying the cluster (as `kkui verify`) ...", flush=True)
    report = verify_after_resume(plan.model, run)
    bad = [f"{r.id} {r.target} {r.status}: {r.detail}" for r in report.results
           if r.status in ("fail", "error")]
    for line in bad:
        print(f"  {paint('FAIL', 'red')} {line}")
    print(paint(f"kkui: verify: {report.summary_line()}", "green" if report.ok else "yellow"))
    if not report.ok:
        print("kkui: the phases ran, but the cluster is not healthy yet: see the checks above "
              "and `kkui verify` for the fixes")
