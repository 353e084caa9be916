"""``kkui install``: precheck, get kk, write kk's config, run ``kk create cluster``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kkui.commands._common import (
    add_config_args,
    load_config,
    print_json,
    print_problems,
)
from kkui.commands.console import console, line, styled
from kkui.commands.download import add_download_args, print_result, progress_printer
from kkui.core.errors import ConfigError
from kkui.i18n import L_, N_, _, shown

if TYPE_CHECKING:
    from kkui.core.install import InstallPlan
    from kkui.core.runs import Run

EPILOG = N_("""\
what happens, in order:
  1. the config is validated; errors stop here (exit 2)
  2. kkui's precheck SSHes into every host (skip with --skip-precheck); failures stop here
  3. kk is downloaded and verified (as `kkui download`), unless --kk PATH is given
  4. only kk's documents of the config are written to WORKDIR/config-sample.yaml (0600),
     kk is copied to WORKDIR/kk, and `./kk create cluster -f config-sample.yaml` runs there
     (kk keeps its own work dir and logs in WORKDIR/kubekey/), with KKZONE=cn for zone cn
  5. kk shows its own precheck table and asks `Continue this installation? [yes/no]`:
     kkui asks you (or answers yes with --yes; without a terminal, --yes is required)

Every line kk prints is shown and teed to --log (default WORKDIR/logs/install-<time>.log);
SSH passwords from the config are masked in both. Ctrl-C stops kk (SIGINT, then SIGTERM,
then SIGKILL of its whole process tree) and exits 130; SIGTERM and SIGHUP (terminal closed) do
the same and exit 143 / 129. Answering no exits 0.

exit status: kk's exit status; 0 when you answered no; 1 precheck failures; 2 bad config or
options, or another kkui holds this cluster (it is named); 130 interrupted.
Every run is recorded in the run history (`kkui history`).

--plan prints what kk will do to each host (from kk v3.1.12's known behaviour; hosts new,
existing or changed against the run history) and exits 0 without contacting anything.
--resume continues the last failed install with `kk alpha create phase ...` after checking
over SSH the state those phases assume; it refuses (exit 1) with the safe alternative when
the failed module belongs to no phase or a check fails.

examples:
  kkui install -f config-sample.yaml
  kkui install -f config-sample.yaml --plan
  kkui install -f config-sample.yaml --resume --yes
  kkui install -f config-sample.yaml --zone cn --workdir /opt/kk/prod
  kkui install -f config-sample.yaml --yes --log install.log       # unattended
  kkui install -f config-sample.yaml --kk ./kk -- --skip-pull-images
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "install", help=_("precheck, then run `kk create cluster` with live progress"),
        description=_("Install the cluster described by the config: kkui's precheck first, then "
        "KubeKey v3 (`kk create cluster`) with its output, a status line and a summary."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    parser.add_argument("--kk", metavar="PATH", help=_("use this kk binary (no download)"))
    parser.add_argument("--workdir", metavar="DIR",
                        help=_("where config-sample.yaml, kk and kk's kubekey/ go "
                        "(default: kkui-work/<metadata.name> beside the config)"))
    parser.add_argument("-y", "--yes", action="store_true",
                        help=_("answer yes to kk's confirmation prompt (needed without a "
                               "terminal)"))
    add_download_args(parser)
    parser.add_argument("--log", metavar="FILE",
                        help=_("tee kk's output here (default WORKDIR/logs/install-<time>.log)"))
    parser.add_argument("--skip-precheck", action="store_true",
                        help=_("do not run kkui's SSH precheck first"))
    parser.add_argument("--json", action="store_true",
                        help=_("print events as JSON lines instead of text (needs --yes)"))
    parser.add_argument("--no-collect", action="store_true",
                        help=_("after a failure, do not gather evidence (journals, ports, disk, "
                        "clock) from the failed hosts over SSH (read-only, at most 30 s)"))
    parser.add_argument("--resume", action="store_true",
                        help=_("continue the cluster's last failed install with kk's phases "
                        "(`kk alpha create phase ...`) after checking the state they assume; "
                        "refuses with the safe alternative otherwise"))
    parser.add_argument("--plan", action="store_true",
                        help=_("print what kk will do to each host (new/existing hosts from the "
                        "run history) and exit 0; nothing is contacted"))
    parser.add_argument("kk_args", nargs=argparse.REMAINDER, metavar="-- EXTRA_KK_ARGS",
                        help=_("extra arguments for `kk create cluster` after --"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # the install machinery (kk's parser, hints, psutil) loads when an install runs, not for --help
    from kkui.core.install import InstallOptions, InstallRefused, plan_install

    doc = load_config(args)
    if args.json and not args.yes and not args.plan:
        raise ConfigError(L_("--json needs --yes: there is no way to answer kk's prompt"))
    options = InstallOptions(
        workdir=Path(args.workdir) if args.workdir else None,
        kk_binary=Path(args.kk) if args.kk else None, zone=args.zone, base_url=args.base_url,
        log_path=Path(args.log) if args.log else None,
        extra_args=tuple(args.kk_args or ()), skip_precheck=args.skip_precheck)
    try:
        plan = plan_install(doc, options)
    except InstallRefused as exc:
        print_problems(exc.problems, sys.stderr)
        raise
    if plan.warnings:
        print_problems(list(plan.warnings), sys.stderr)
    from kkui.core.install.hostplan import plan_from_history

    hosts_plan, note = plan_from_history(plan.model, workdir=str(plan.workdir))
    if note:
        line(console(sys.stderr), f"kkui: {shown(note)}")
    if args.plan:
        if args.json:
            print_json(hosts_plan.as_json())
        else:
            con = console(sys.stdout)
            for text in hosts_plan.lines():
                line(con, shown(text))
        return 0
    if not args.yes and not sys.stdin.isatty():
        raise ConfigError(L_("kk asks `Continue this installation? [yes/no]` and there is no "
                             "terminal to answer it; run in a terminal, or pass --yes"))
    if args.resume:  # issue #14: kk's phases, after the state checks (no kkui precheck)
        from kkui.commands._install_resume import resume

        return resume(args, plan, doc.to_text())
    out = sys.stderr if args.json else sys.stdout
    from kkui.core.install.record import recorded_install

    # a history record (kkui history) and the cluster lock for the whole run (issue #14)
    with recorded_install(plan, config_text=doc.to_text(),
                          argv=getattr(args, "kkui_argv", ())) as run:
        for note in run.notes:
            line(console(sys.stderr), f"kkui: {shown(note)}")
        return run.finish(_install(args, plan, run, out, hosts_plan.summary()))


def _install(args: argparse.Namespace, plan: InstallPlan, run: Run, out: Any,
             plan_summary: str) -> int:
    from kkui.commands._install_console import InstallConsole, JsonConsole
    from kkui.core.install import check_precheck, prepare_workdir, resolve_kk
    from kkui.core.install.record import observing

    con = console(out)

    def say(*parts: Any) -> None:
        line(con, *parts)
        out.flush()

    run.stage("precheck")
    if not plan.skip_precheck:
        say(_("kkui: precheck of every host over SSH (skip with --skip-precheck) ..."))
    gate = check_precheck(plan)
    for found in gate.lines:
        status, rest = str(shown(found)).split(" ", 1)  # (zh keeps "{status} " first)
        say("  ", styled(status, "red"), " ", shown(rest))
    if gate.report is not None:
        say(_("kkui: precheck: {summary}").format(summary=shown(gate.summary)))
    if not gate.ok:
        say(_("kkui: {message}.").format(message=shown(gate.message)))
        run.add_findings([*gate.lines, gate.message])
        return 1

    run.stage("kk binary")
    kk = resolve_kk(plan, on_progress=None if args.kk else progress_printer(sys.stderr))
    if kk.downloaded is not None:
        print_result(kk.downloaded, out)
    run.set_kk(kk.version, kk.sha256)
    prepare_workdir(plan, kk)

    view = JsonConsole() if args.json else InstallConsole(sys.stdout, plan,
                                                           collect=not args.no_collect)
    proc = plan.process(on_event=observing(run, view.on_event),
                        on_prompt=(lambda _p: True) if args.yes else view.ask,
                        on_tick=view.tick)
    say(_("kkui: plan: {plan}; `kkui install --plan` shows what kk does to each host").format(
        plan=shown(plan_summary)))
    say(_("kkui: running {command} in {workdir}{zone}; log: {log}").format(
        command=" ".join(plan.argv), workdir=plan.workdir,
        zone=" with KKZONE=cn" if plan.kkzone == "cn" else "", log=plan.log_path))
    code = proc.run()
    view.finish(proc)
    if proc.cancelled:
        return 130
    if proc.declined:
        run.finish(0, outcome="cancelled")  # answered no at kk's prompt
        return 0
    return code
