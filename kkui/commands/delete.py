"""``kkui delete``: ``./kk delete cluster -f`` in the workdir, then a leftover scan of the hosts."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, TYPE_CHECKING, Any

from kkui.commands._common import add_config_args, load_config, print_problems
from kkui.commands._kk_op import add_kk_args
from kkui.commands.console import console, paint, status_text
from kkui.commands.console import rows as console_rows
from kkui.i18n import N_, _, shown

if TYPE_CHECKING:
    from rich.text import Text

    from kkui.core.day2.leftovers import LeftoverReport

EPILOG = N_("""\
what happens, in order:
  1. kkui's precheck of every host (skip with --skip-precheck): kk stops at the first host it
     cannot reach, and that host then keeps the whole cluster
  2. `./kk delete cluster -f config-sample.yaml` in the workdir (as `kkui install` runs kk);
     kk asks `Are you sure to delete this cluster? [yes/no]` (answered by you, or --yes)
  3. a read-only scan of every host over SSH: containers, /var/lib/etcd, /etc/kubernetes and
     other cluster directories, CNI interfaces (cali*, flannel*, cni0, tunl0, vxlan.calico,
     kube-ipvs0), iptables KUBE-* rules, IPVS virtual servers; and kk's WORKDIR/kubekey/pki
     here, which the next install reuses with the old addresses (kubekey#2112). Each finding
     comes with the command that cleans it up; kkui runs none of them.

--scan-only skips kk and only scans (e.g. after a delete that failed halfway).
--json: kk's events as JSON lines, then one line {"leftovers": {"clean", "hosts": [{"host",
"address", "findings": [{"id", "what", "items", "cleanup"}], "error"}], "local": [...]}}.

exit status: 0 deleted and nothing left; 1 kk failed, a precheck failure, or leftovers found
(or a host could not be scanned); 2 bad config or options; 130 interrupted.

examples:
  kkui delete -f config-sample.yaml                      # asks at kk's prompt
  kkui delete -f config-sample.yaml --yes --kk ./kk --workdir /opt/kk/prod
  kkui delete -f config-sample.yaml --scan-only --json | jq '.leftovers.hosts[].findings'
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "delete", help=_("delete the cluster with kk, then scan every host for leftovers"),
        description=_("Run `kk delete cluster` in the workdir, then list what is left on each "
                      "host with the commands that clean it up."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    add_kk_args(parser, what=N_("delete the cluster"))
    parser.add_argument("--scan-only", action="store_true",
                        help=_("do not run kk; only scan the hosts for leftovers"))
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S",
                        help=_("seconds per host for the scan (default 30)"))
    parser.add_argument("--strict-host-keys", action="store_true",
                        help=_("refuse hosts whose SSH key is not known yet"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kkui.commands._kk_op import plan_from_args, run_kk_operation

    doc = load_config(args)
    if args.scan_only:
        from kkui.core.day2.kkops import plan_operation
        from kkui.core.install import InstallOptions, InstallRefused

        try:
            plan = plan_operation(doc, InstallOptions(
                workdir=_path(args.workdir)), "delete")
        except InstallRefused as exc:
            print_problems(exc.problems, sys.stderr)
            raise
        out = sys.stderr if args.json else sys.stdout
        return _scan(args, plan, out)
    plan = plan_from_args(args, doc, "delete")

    def scan(plan: Any, run: Any, out: IO[str]) -> int:
        code = _scan(args, plan, out)
        if code:
            run.add_findings(["leftovers after kk delete cluster (see the scan)"])
        return code

    return run_kk_operation(args, doc, plan, "delete", after=scan)


def _path(value: str | None) -> Any:
    from pathlib import Path

    return Path(value) if value else None


def _scan(args: argparse.Namespace, plan: Any, out: IO[str]) -> int:
    from kkui.core.day2.leftovers import scan_leftovers

    print(_("kkui: scanning {n} host(s) for leftovers (read-only) ...").format(
        n=len(plan.model.hosts)), file=out, flush=True)
    report = scan_leftovers(plan.model, plan.workdir, timeout=args.timeout,
                            strict_host_keys=args.strict_host_keys)
    if args.json:
        print(json.dumps({"leftovers": report.as_dict()}, ensure_ascii=False), flush=True)
    print_leftovers(report, out)
    return 0 if report.clean else 1


def print_leftovers(report: LeftoverReport, out: IO[str]) -> None:
    """One row per host and finding: a table on a terminal, the grep-stable lines on a pipe."""
    plain: list[str] = []
    cells: list[list[Text | str]] = []
    for host in report.hosts:
        where = f"{host.host} ({host.address})"
        if host.error:
            why = _("not scanned: {why}").format(why=shown(host.error))
            plain.append(f"error  {where}: {why}")
            cells.append([status_text("error"), where, why, ""])
        elif not host.findings:
            plain.append(f"clean  {where}")
            cells.append([status_text("clean"), where, "", ""])
        for f in host.findings:
            items = ", ".join(f.items[:8]) + (f" (+{len(f.items) - 8} more)"
                                              if len(f.items) > 8 else "")
            what = _(f.what)
            plain += [f"left   {where} {f.id}: {what}: {items}",
                      "       " + _("clean up (as root on {host}): {command}").format(
                          host=host.host, command=f.cleanup)]
            cells.append([status_text("left"), where, f"{f.id}: {what}: {items}", f.cleanup])
    for f in report.local:
        what = _(f.what)
        plain += ["left   " + _("this machine") + f" {f.id}: {what}",
                  "       " + _("clean up: {command}").format(command=f.cleanup)]
        cells.append([status_text("left"), _("this machine"), f"{f.id}: {what}", f.cleanup])
    console_rows((_("state"), _("host"), _("what"), _("clean up (as root)")), cells, plain,
                 con=console(out))
    verdict = (_("nothing left behind: the hosts are ready for a new install") if report.clean
               else _("leftovers found: run the cleanup commands above before installing "
                      "again"))
    print(paint(f"kkui: {verdict}", "green" if report.clean else "yellow", out), file=out,
          flush=True)
