"""The CLI side of a kk day-2 run (``certs --renew``, ``delete``, ``nodes add|delete``,
``upgrade``): the install's flags, its flow and its history record, with the operation's argv.

Same rules as ``kkui install``: the cluster lock and a history record for the whole run, the
precheck gate (``--skip-precheck``), ``--kk PATH`` or the download, kk's prompt answered by the
operator (``--yes`` without a terminal), every line redacted and teed to the log, Ctrl-C stops
kk's whole tree (exit 130).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kkui.commands._common import paint, print_problems
from kkui.core.errors import ConfigError

if TYPE_CHECKING:
    from kkui.core.config import ClusterDocument
    from kkui.core.install import InstallPlan
    from kkui.core.kk.events import KkEvent, PromptShown
    from kkui.core.kk.process import KkProcess
    from kkui.core.runs import Run

# What runs after kk succeeded (verify, config edits): gets the plan and the run, returns the
# command's exit status.
After = Callable[["InstallPlan", "Run", IO[str]], int]
# What runs before kk (extra refusals): returns an exit status to stop with, or None.
Before = Callable[["InstallPlan", "Run", IO[str]], "int | None"]


def add_kk_args(parser: argparse.ArgumentParser, *, what: str, json: bool = True) -> None:
    """``--kk``, ``--workdir``, ``--zone``, ``--base-url``, ``--yes``, ``--skip-precheck``,
    ``--log``, ``--json``: the flags of ``kkui install``, with the same meaning (``json=False``
    when the command has its own --json)."""
    from kkui.commands.download import add_download_args

    parser.add_argument("--kk", metavar="PATH", help="use this kk binary (no download)")
    parser.add_argument("--workdir", metavar="DIR",
                        help="kk's workdir: the one the cluster was installed from (default: "
                        "kkui-work/<metadata.name> beside the config)")
    parser.add_argument("-y", "--yes", action="store_true",
                        help=f"answer yes to kk's prompt to {what} (needed without a terminal)")
    add_download_args(parser)
    parser.add_argument("--log", metavar="FILE", help="tee kk's output here "
                        "(default WORKDIR/logs/<command>-<time>.log)")
    parser.add_argument("--skip-precheck", action="store_true",
                        help="do not run kkui's SSH precheck of every host first")
    if json:
        parser.add_argument("--json", action="store_true",
                            help="print kk's events and the result as JSON lines (needs --yes)")


def plan_from_args(args: argparse.Namespace, doc: ClusterDocument, operation: str,
                   value: str = "") -> InstallPlan:
    from kkui.core.day2.kkops import plan_operation
    from kkui.core.install import InstallOptions, InstallRefused

    if args.json and not args.yes:
        raise ConfigError("--json needs --yes: there is no way to answer kk's prompt")
    options = InstallOptions(
        workdir=Path(args.workdir) if args.workdir else None,
        kk_binary=Path(args.kk) if args.kk else None, zone=args.zone, base_url=args.base_url,
        log_path=Path(args.log) if args.log else None, skip_precheck=args.skip_precheck)
    try:
        plan = plan_operation(doc, options, operation, value)
    except InstallRefused as exc:
        print_problems(exc.problems, sys.stderr)
        raise
    if not args.yes and not sys.stdin.isatty():
        raise ConfigError(f"kk asks `[yes/no]` before `kk {' '.join(plan.argv[1:-2])}` "
                          "changes the cluster and there is no terminal to answer it; run in "
                          "a terminal, or pass --yes")
    return plan


def run_kk_operation(args: argparse.Namespace, doc: ClusterDocument, plan: InstallPlan,
                     operation: str, *, before: Before | None = None,
                     after: After | None = None) -> int:
    """Record, lock, precheck, place kk, run it, then ``after`` when kk succeeded."""
    from kkui.core.runs import recorded_run

    out = sys.stderr if args.json else sys.stdout
    with recorded_run(operation, model=plan.model, config_text=doc.to_text(),
                      config_path=plan.source, argv=getattr(args, "kkui_argv", ()),
                      lock=True) as run:
        run.set_log(plan.log_path)
        for note in run.notes:
            print(f"kkui: {note}", file=sys.stderr)
        return run.finish(_run(args, plan, run, out, operation, before, after))


def _run(args: argparse.Namespace, plan: InstallPlan, run: Run, out: IO[str], operation: str,
         before: Before | None, after: After | None) -> int:
    from kkui.commands.download import print_result, progress_printer
    from kkui.core.install import check_precheck, prepare_workdir, resolve_kk
    from kkui.core.install.record import observing

    if before is not None:
        stop = before(plan, run, out)
        if stop is not None:
            return stop
    run.stage("precheck")
    if not plan.skip_precheck:
        print("kkui: precheck of every host over SSH (skip with --skip-precheck) ...", file=out,
              flush=True)
    gate = check_precheck(plan)
    for line in gate.lines:
        status, rest = line.split(" ", 1)
        print(f"  {paint(status, 'red', out)} {rest}", file=out)
    if gate.report is not None:
        print(f"kkui: precheck: {gate.summary}", file=out, flush=True)
    elif gate.skipped:
        print(f"kkui: {gate.message}", file=out, flush=True)
    if not gate.ok:
        print(f"kkui: {gate.message}.", file=out)
        run.add_findings([*gate.lines, gate.message])
        return 1
    run.stage("kk binary")
    kk = resolve_kk(plan, on_progress=None if args.kk else progress_printer(sys.stderr))
    if kk.downloaded is not None:
        print_result(kk.downloaded, out)
    run.set_kk(kk.version, kk.sha256)
    prepare_workdir(plan, kk)
    run.stage(f"kk {operation}")
    console = OperationConsole(sys.stdout, plan, json_lines=args.json)
    proc = plan.process(on_event=observing(run, console.on_event),
                        on_prompt=(lambda _p: True) if args.yes else console.ask)
    print(f"kkui: running {' '.join(plan.argv)} in {plan.workdir}"
          f"{' with KKZONE=cn' if plan.kkzone == 'cn' else ''}; log: {plan.log_path}",
          file=out, flush=True)
    code = proc.run()
    console.finish(proc, out)
    if proc.cancelled:
        return 130
    if proc.declined:
        run.finish(0, outcome="cancelled")  # answered no at kk's prompt: nothing changed
        return 0
    if code != 0 or after is None:
        return code
    run.stage("after kk")
    return after(plan, run, out)


class OperationConsole:
    """kk's lines as they come (or JSON events), live hints, and a one-line verdict."""

    def __init__(self, stream: IO[str], plan: InstallPlan, *, json_lines: bool) -> None:
        from kkui.core.kk.hints import HintCollector

        self.stream, self.plan, self.json_lines = stream, plan, json_lines
        self.hints = HintCollector(zone=plan.kkzone)
        self.problems: list[str] = []

    def on_event(self, event: KkEvent) -> None:
        import dataclasses
        import json

        from kkui.core.kk.events import LogLine, RawLine

        if self.json_lines:
            data = {"event": type(event).__name__, **dataclasses.asdict(event)}
            self.stream.write(json.dumps(data, ensure_ascii=False) + "\n")
        elif isinstance(event, RawLine):
            prompt = event.text.rstrip().endswith("[yes/no]:")
            self.stream.write(event.text if prompt else event.text + "\n")
        if isinstance(event, LogLine) and event.level in ("ERRO", "FATA"):
            self.problems.append(event.text)
        for hint in self.hints.feed(event):
            if hint.live and not self.json_lines:
                self.stream.write(paint(f"kkui hint: {hint.title}: {hint.text}", "yellow",
                                        self.stream) + "\n")
        self.stream.flush()

    def ask(self, prompt: PromptShown) -> bool | None:
        while True:
            self.stream.flush()
            try:
                answer = input().strip().lower()
            except EOFError:
                return None
            if answer in ("yes", "y"):
                return True
            if answer in ("no", "n"):
                return False
            self.stream.write(prompt.text)

    def finish(self, proc: KkProcess, out: IO[str]) -> None:
        what = " ".join(self.plan.argv[1:-2])
        if proc.cancelled:
            line = paint(f"kkui: kk {what} interrupted; kk and every process it started were "
                         "stopped", "yellow", out)
        elif proc.declined:
            line = f"kkui: you answered no: kk {what} stopped before changing any host"
        elif proc.returncode == 0:
            line = paint(f"kkui: kk {what} succeeded", "green", out)
        else:
            line = paint(f"kkui: kk {what} failed (exit {proc.returncode})", "red", out)
        print(("\n" if not self.json_lines else "") + line, file=out)
        failure = self.hints.failure
        if proc.returncode not in (0, None) and not proc.cancelled:
            if failure is not None and failure.hosts:
                for host, task, reason in failure.hosts:
                    first = next((ln.strip() for ln in reason.splitlines() if ln.strip()), "")
                    print(f"  {host}: {task + ': ' if task else ''}{first[:200]}", file=out)
            else:
                for problem in self.problems[-5:]:
                    print(f"  {problem}", file=out)
            for hint in self.hints.best():
                print(paint(f"Hint: {hint.title}", "yellow", out) + f"\n  {hint.text}", file=out)
        print(f"  Full output: {self.plan.log_path}", file=out, flush=True)


def stream_of(args: Any) -> IO[str]:
    """Where kkui's own lines go: stderr under --json (stdout is the JSON)."""
    return sys.stderr if getattr(args, "json", False) else sys.stdout


def verify_after(model: Any, out: IO[str], run: Run | None = None,
                 only: list[str] | None = None) -> int:
    """``kkui verify`` (the checks that apply, or ``only``) after kk changed the cluster: one
    line per check that is not a pass, the summary line, 0 when nothing failed."""
    from kkui.core.verify.engine import run_verify

    print("kkui: verifying the cluster (read-only, as `kkui verify`) ...", file=out, flush=True)
    report = run_verify(model, only=only)
    for r in report.results:
        if r.status != "pass":
            print(f"  {r.status.upper():<5} {r.id:<17} {r.target:<16} {r.detail}", file=out)
    print(paint(f"kkui: verify: {report.summary_line()}", "green" if report.ok else "red", out),
          file=out, flush=True)
    if run is not None:
        run.add_findings(f"verify {r.id} {r.target} {r.status}: {r.detail}"
                         for r in report.results if r.status in ("fail", "error"))
    return 0 if report.ok else 1
