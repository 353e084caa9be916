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

from kkui.commands._common import print_problems
from kkui.commands.console import (
    console,
    is_live,
    paint,
    panel,
    read_kk_answer,
    styled,
    untrusted,
)
from kkui.core.errors import ConfigError
from kkui.i18n import L_, _, shown

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

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

    parser.add_argument("--kk", metavar="PATH", help=_("use this kk binary (no download)"))
    parser.add_argument("--workdir", metavar="DIR",
                        help=_("kk's workdir: the one the cluster was installed from (default: "
                               "kkui-work/<metadata.name> beside the config)"))
    parser.add_argument("-y", "--yes", action="store_true",
                        help=_("answer yes to kk's prompt to {what} (needed without a "
                               "terminal)").format(what=_(what)))
    add_download_args(parser)
    parser.add_argument("--log", metavar="FILE", help=_("tee kk's output here "
                                                         "(default WORKDIR/logs/<command>-"
                                                         "<time>.log)"))
    parser.add_argument("--skip-precheck", action="store_true",
                        help=_("do not run kkui's SSH precheck of every host first"))
    if json:
        parser.add_argument("--json", action="store_true",
                            help=_("print kk's events and the result as JSON lines (needs "
                                   "--yes)"))


def plan_from_args(args: argparse.Namespace, doc: ClusterDocument, operation: str,
                   value: str = "") -> InstallPlan:
    from kkui.core.day2.kkops import plan_operation
    from kkui.core.install import InstallOptions, InstallRefused

    if args.json and not args.yes:
        raise ConfigError(L_("--json needs --yes: there is no way to answer kk's prompt"))
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
        raise ConfigError(L_("kk asks `[yes/no]` before `kk {what}` changes the cluster and "
                             "there is no terminal to answer it; run in a terminal, or pass "
                             "--yes", what=" ".join(plan.argv[1:-2])))
    return plan


def run_kk_operation(args: argparse.Namespace, doc: ClusterDocument, plan: InstallPlan,
                     operation: str, *, before: Before | None = None,
                     after: After | None = None) -> int:
    """Record, lock, precheck, place kk, run it, then ``after`` when kk succeeded: the core
    flow of :mod:`kkui.core.day2.kkflow` (the TUI's Cluster ops runs the same), printed."""
    from kkui.commands.download import print_result, progress_printer
    from kkui.core.day2.kkflow import OperationHooks, recorded_operation

    out = sys.stderr if args.json else sys.stdout
    consoles: list[OperationConsole] = []  # made when kk is about to start

    def say(kind: str, text: str) -> None:
        text = str(shown(text))
        if kind == "gate":
            status, rest = text.split(" ", 1)
            print(f"  {paint(status, 'red', out)} {rest}", file=out, flush=True)
        else:
            print(f"kkui: {text}", file=out, flush=True)

    def start_console(plan: InstallPlan) -> None:
        consoles.append(OperationConsole(sys.stdout, plan, json_lines=args.json))

    hooks = OperationHooks(
        say=say, on_event=lambda event: consoles[-1].on_event(event),
        ask=None if args.yes else (lambda prompt: consoles[-1].ask(prompt)),
        on_progress=None if args.kk else progress_printer(sys.stderr),
        on_downloaded=lambda result: print_result(result, out),
        before_kk=start_console, on_finished=lambda proc: consoles[-1].finish(proc, out))
    return recorded_operation(
        doc, plan, operation, hooks, argv=getattr(args, "kkui_argv", ()),
        before=(lambda p, r: before(p, r, out)) if before is not None else None,
        after=(lambda p, r: after(p, r, out)) if after is not None else None,
        on_note=lambda note: print(f"kkui: {shown(note)}", file=sys.stderr))


class OperationConsole:
    """kk's lines as they come (or JSON events), live hints, and a verdict; on a colour
    terminal a live status line under kk's lines and the verdict in a panel."""

    def __init__(self, stream: IO[str], plan: InstallPlan, *, json_lines: bool) -> None:
        from kkui.commands._kk_live import LiveStatus, status_text
        from kkui.core.kk.hints import HintCollector
        from kkui.core.kk.stages import InstallProgress

        self.stream, self.plan, self.json_lines = stream, plan, json_lines
        self.hints = HintCollector(zone=plan.kkzone)
        self.problems: list[str] = []
        self.what = " ".join(plan.argv[1:-2])
        self.progress = InstallProgress()
        self.progress.start()
        self.con = console(stream)
        self.live = LiveStatus(self.con, lambda: status_text(self.progress, self.what)) \
            if is_live(stream) and not json_lines else None

    def _line(self, text: Text) -> None:
        if self.live is not None:
            self.live.print(text)
        else:
            self.con.print(text)

    def on_event(self, event: KkEvent) -> None:
        import dataclasses
        import json

        from kkui.core.kk.events import LogLine, RawLine

        if self.json_lines:
            data = {"event": type(event).__name__, **dataclasses.asdict(event)}
            self.stream.write(json.dumps(data, ensure_ascii=False) + "\n")
        elif isinstance(event, RawLine):
            if event.text.rstrip().endswith("[yes/no]:"):
                if self.live is not None:
                    self.live.pause()
                self.con.print(untrusted(event.text), end="")
            else:
                self._line(untrusted(event.text))
        if isinstance(event, LogLine) and event.level in ("ERRO", "FATA"):
            self.problems.append(event.text)
        self.progress.feed(event)
        for hint in self.hints.feed(event):
            if hint.live and not self.json_lines:
                self._line(styled(_("kkui hint: {title}: {text}").format(
                    title=shown(hint.title), text=shown(hint.text)), "yellow"))
        self.stream.flush()

    def ask(self, prompt: PromptShown) -> bool | None:
        return read_kk_answer(self.stream, self.con, prompt.text)

    def finish(self, proc: KkProcess, out: IO[str]) -> None:
        if self.live is not None:
            self.live.stop()
        self.render(proc, console(out), boxed=self.live is not None and out is self.stream)
        out.flush()

    def render(self, proc: KkProcess, con: Console, *, boxed: bool) -> None:
        """The verdict: a panel on a colour terminal, lines elsewhere."""
        lines = self.verdict(proc)
        if not self.json_lines:
            con.print()
        if boxed:
            style = lines[0].style if isinstance(lines[0].style, str) else ""
            con.print(panel(lines, title=f"kk {self.what}", style=style))
        else:
            for text in lines:
                con.print(text)

    def verdict(self, proc: KkProcess) -> list[Text]:
        """The verdict, failed hosts (or kk's last errors), hints and the log's path."""
        what = self.what
        if proc.cancelled:
            head = styled(_("kkui: kk {what} interrupted; kk and every process it started were "
                            "stopped").format(what=what), "yellow")
        elif proc.declined:
            head = untrusted(_("kkui: you answered no: kk {what} stopped before changing any "
                               "host").format(what=what))
        elif proc.returncode == 0:
            head = styled(_("kkui: kk {what} succeeded").format(what=what), "green")
        else:
            head = styled(_("kkui: kk {what} failed (exit {code})").format(
                what=what, code=proc.returncode), "red")
        lines = [head]
        failure = self.hints.failure
        if proc.returncode not in (0, None) and not proc.cancelled:
            if failure is not None and failure.hosts:
                for host, task, reason in failure.hosts:
                    first = next((ln.strip() for ln in reason.splitlines() if ln.strip()), "")
                    lines.append(untrusted(f"  {host}: {task + ': ' if task else ''}"
                                           f"{first[:200]}"))
            else:
                lines += [untrusted(f"  {problem}") for problem in self.problems[-5:]]
            for hint in self.hints.best():
                lines += [styled(_("Hint: {title}").format(title=shown(hint.title)), "yellow"),
                          untrusted(f"  {shown(hint.text)}")]
        lines.append(untrusted("  " + _("Full output: {log}").format(log=self.plan.log_path)))
        return lines


def stream_of(args: Any) -> IO[str]:
    """Where kkui's own lines go: stderr under --json (stdout is the JSON)."""
    return sys.stderr if getattr(args, "json", False) else sys.stdout


def sayer(out: IO[str]) -> Callable[[str, str], None]:
    """Core's ``say(kind, text)`` lines (kkui.core.day2.flows, the LB re-deploy) printed to
    ``out``: "kkui: " before kkui's own lines, "detail" lines indented, verdicts coloured."""
    colours = {"ok": "green", "fail": "red", "warn": "yellow"}

    def say(kind: str, text: str) -> None:
        text = str(shown(text))
        line = f"  {text}" if kind == "detail" else \
            (text if text.startswith("  ") else f"kkui: {text}")
        print(paint(line, colours[kind], out) if kind in colours else line, file=out,
              flush=True)

    return say


def verify_after(model: Any, out: IO[str], run: Run | None = None,
                 only: list[str] | None = None) -> int:
    """``kkui verify`` (the checks that apply, or ``only``) after kk changed the cluster: one
    line per check that is not a pass, the summary line, 0 when nothing failed."""
    from kkui.core.day2.flows import verify_step

    return verify_step(model, sayer(out), run, only)
