"""``kkui drill lb|master|node|reference``: controlled failures with a timeline and a restore."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from kkui.commands._common import add_config_args, positive_float, valid_document
from kkui.commands.console import paint
from kkui.core.errors import shown_error
from kkui.i18n import L_, N_, _, shown

EPILOG = N_("""\
drills:
  lb         stop haproxy on the LB that holds the VIP; the peer takes it over
             (the same drill as `kkui lb drill`)
  master     stop one control-plane node: kubelet, its kube-apiserver and its etcd member
             (--mode stop), or drop its cluster traffic with iptables (--mode isolate)
  node       the same for a worker: it goes NotReady (the drill ends once it is seen so)
  reference  the reference write-up's scenario: the LB holding the VIP, one master and one
             worker at once

safety:
  - asks first (or --yes); without a terminal --yes is required
  - `kkui verify` must be clean before the drill (--force skips it)
  - never stops more etcd members than the quorum allows (2 of 3 is refused)
  - before anything breaks, the restore is written to each target host with a timer that runs
    it after --max-outage seconds (default 120) even if kkui dies or the SSH link drops; kkui
    restores by itself at the end, on Ctrl-C and on any error, then disarms the timer
  - watches every second from a control-plane node that is not a target: /readyz through the
    control-plane endpoint, a test write (a ConfigMap in namespace kkui-drill), etcd health and
    the nodes' Ready state; then verifies the cluster again

exit status: 0 every expectation held, 1 one did not or the restore failed, 2 refused (unsafe,
unclean verify, bad config or options), 130 interrupted (after restoring).

examples:
  kkui drill master -f config-sample.yaml --yes --report drill-master.md
  kkui drill node -f config-sample.yaml --target worker2 --hold 90
  kkui drill reference -f config-sample.yaml --yes --json > drill.json
""")


# a verdict's result word, as shown (PASS/FAIL: ids for the catalog)
VERDICT = {True: N_("PASS"), False: N_("FAIL")}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "drill", help="a controlled failure (LB, master, node) with a timeline and a restore",
        description=_("Break one part of the HA cluster on purpose, watch what the cluster "
                      "does second by second, restore it, and report whether the HA "
                      "expectations held."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("lb", "master", "node", "reference"),
                        help=_("what to break"))
    add_config_args(parser)
    parser.add_argument("--target", metavar="HOST",
                        help=_("the host to break (master/node; default: the last of its "
                               "group)"))
    parser.add_argument("--mode", choices=("stop", "isolate"), default="stop",
                        help=_("stop its services (default) or cut its cluster traffic"))
    parser.add_argument("--yes", "-y", action="store_true",
                        help=_("do not ask for confirmation"))
    parser.add_argument("--force", action="store_true",
                        help=_("drill even when `kkui verify` is not clean first"))
    parser.add_argument("--hold", type=positive_float, metavar="S",
                        help=_("seconds to keep the failure (default: master 20, node 60, "
                               "reference 30)"))
    parser.add_argument("--max-outage", type=positive_float, default=120.0, metavar="S",
                        help=_("the host-side timer restores after this many seconds even "
                               "if kkui is gone (default 120)"))
    parser.add_argument("--report", metavar="FILE.md",
                        help=_("also write the report as Markdown"))
    parser.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    parser.add_argument("--timeout", type=positive_float, metavar="S",
                        help=_("seconds for each remote command (default 10; for the lb "
                               "drill: how long to wait for the failover, default 60)"))
    parser.add_argument("--strict-host-keys", action="store_true",
                        help=_("refuse hosts whose SSH key is not known yet"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.kind == "lb":
        from kkui.commands.lb import run_drill_command
        args.timeout = args.timeout or 60.0
        return run_drill_command(args)
    args.timeout = args.timeout or 10.0
    from kkui.core.drill.report import Event
    from kkui.core.drill.runner import DrillOptions, DrillRefused, plan_drill, run_drill
    from kkui.core.errors import KkuiError
    from kkui.core.verify.engine import run_verify

    doc = valid_document(args)
    if doc is None:
        return 2
    model = doc.model()
    options = DrillOptions(kind=args.kind, target=args.target, mode=args.mode,
                           max_outage=args.max_outage, hold=args.hold, force=args.force,
                           timeout=args.timeout, strict_host_keys=args.strict_host_keys)
    try:
        plan = plan_drill(model, options, lb_holder=L_("(the VIP holder)"))
    except DrillRefused as exc:
        print(_("kkui: drill refused: {error}").format(error=shown_error(exc)), file=sys.stderr)
        return 2
    what = _("; ").join(f"{shown(h)}: {shown(d)}" for h, d in plan.targets.items())
    if not args.yes:
        if not sys.stdin.isatty():
            print(_("kkui: the drill will {what}. Without a terminal, pass --yes.").format(
                what=what), file=sys.stderr)
            return 2
        answer = input(_("The drill will {what}, then restore. Continue? [y/N] ").format(
            what=what))
        if answer.strip().lower() not in ("y", "yes"):
            return 0

    def show(event: Event) -> None:
        if not args.json:
            print(f"{event.stamp()}  +{event.offset:6.1f}s  {shown(event.text)}", flush=True)

    cancel = threading.Event()
    interrupted = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        interrupted.set()
        cancel.set()

    from kkui.core.runs import recorded_run

    # a run-history record and the cluster lock (issue #14): no two kkui drill one cluster
    with recorded_run("drill", model=model, config_text=doc.to_text(), config_path=doc.path,
                      argv=getattr(args, "kkui_argv", ()), lock=True) as history:
        for note in history.notes:
            print(f"kkui: {shown(note)}", file=sys.stderr)
        history.stage("drill")
        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            report = run_drill(
                model, options, on_event=show, cancel=cancel,
                verify=lambda: run_verify(model, timeout=args.timeout,
                                          strict_host_keys=args.strict_host_keys),
                lb_holder=lambda: _lb_holder(model, args.strict_host_keys))
        except DrillRefused as exc:
            print(_("kkui: drill refused: {error}").format(error=shown_error(exc)),
                  file=sys.stderr)
            return history.finish(2)
        except KkuiError as exc:
            print(_("kkui: drill failed before anything was changed: {error}").format(
                error=shown_error(exc)), file=sys.stderr)
            return history.finish(1)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if args.report:
            Path(args.report).write_text(report.markdown())
        if args.json:
            print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            from kkui.commands.console import STATUS_STYLE, rows, styled

            print(flush=True)
            # a table on a terminal; on a pipe the long-standing `PASS  expectation: detail`
            rows((_("result"), _("expectation"), _("detail")),
                 [(styled(_(VERDICT[v.ok]), STATUS_STYLE["pass" if v.ok else "fail"]),
                   shown(v.expectation), shown(v.detail)) for v in report.verdicts],
                 [f"{_(VERDICT[v.ok])}  {shown(v.expectation)}: {shown(v.detail)}"
                  for v in report.verdicts])
            summary = _("API outage through {endpoint}: {outage:.1f} s; "
                        "longest write failure: {write:.1f} s").format(
                endpoint=report.endpoint, outage=report.api_outage,
                write=report.write_failure)
            print(paint(summary, "green" if report.ok else "red"))
            if report.error:
                print(paint(_("error: {error}").format(error=shown(report.error)), "red"))
        if interrupted.is_set():
            return history.finish(130)
        return history.finish(0 if report.ok else 1)


def _lb_holder(model: Any, strict: bool) -> str | None:
    from kkui.core.lb.remote import lb_ops_tolerant
    from kkui.core.lb.status import collect_status

    lb = model.kkui.load_balancer
    with lb_ops_tolerant(lb, strict_host_keys=strict) as ops:
        status = collect_status(ops, vip=lb.vip, port=lb.port)
    return status.holders[0] if status.verdict == "ok" else None
