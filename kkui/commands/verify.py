"""``kkui verify``: read-only acceptance checks of an installed cluster over SSH."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kkui.commands._common import add_config_args, positive_float, valid_document
from kkui.i18n import N_, _, shown

EPILOG = N_("""\
what it does:
  SSHes into the hosts of the config (same SSH layer, credentials and host-key rules as
  `kkui precheck`), and with what kk installed there -- /usr/local/bin/kubectl with
  /root/.kube/config on a control-plane node, /usr/local/bin/etcdctl (API v3) with kk's
  certificates in /etc/ssl/etcd/ssl/ -- checks that the cluster is whole and highly available.
  Nothing is changed on any host.

checks (ids for --only):
{checks}

exit status: 0 no check failed (warnings allowed), 1 a check failed or could not be run
(error), 2 bad config or options, 130 interrupted.

examples:
  kkui verify -f config-sample.yaml
  kkui verify -f config-sample.yaml --only etcd-quorum,apiserver-vip
  kkui verify -f config-sample.yaml --json | jq '.checks[] | select(.status != "pass")'
""")


def _epilog() -> str:
    # the registry is small and imports no SSH/HTTP library: safe for --help
    from kkui.core.verify.checks import REGISTRY
    return _(EPILOG).format(checks="\n".join(f"  {c.id:<17} {_(c.title)}"
                                             for c in REGISTRY.values()))


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify", help="check an installed cluster: etcd quorum, API through the VIP, nodes, "
        "certificates, the LB pair",
        description=_("Read-only acceptance checks of a cluster kk installed, over SSH."),
        epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    parser.add_argument("--only", metavar="ID,...",
                        help=_("run only these checks (comma-separated ids, listed below)"))
    parser.add_argument("--json", action="store_true",
                        help=_('print {"checks": [...], "summary": {...}} instead of the '
                               'table'))
    parser.add_argument("--timeout", type=positive_float, default=30.0, metavar="S",
                        help=_("seconds for each remote command (default 30); connecting "
                               "gives up after 5 s"))
    parser.add_argument("--strict-host-keys", action="store_true",
                        help=_("refuse hosts whose SSH key is not known yet"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kkui.commands._verify_view import VerifyView
    from kkui.core.verify.engine import run_verify, select_checks

    doc = valid_document(args)
    if doc is None:
        return 2
    model = doc.model()
    only = [i.strip() for i in (args.only or "").split(",") if i.strip()] or None
    checks = select_checks(model, only)
    if not checks:
        print(_("kkui: no check applies to this config"), file=sys.stderr)
        return 2

    view = VerifyView(sys.stdout)  # a live table on a colour terminal, lines elsewhere

    if not args.json:
        print(_("verifying {name}: {checks} checks on {hosts} hosts (read-only)").format(
            name=model.name, checks=len(checks), hosts=len(model.hosts)),
            file=sys.stderr, flush=True)
    from kkui.core.runs import recorded_run

    # a run-history record (`kkui history`, issue #14); read-only: no cluster lock
    with recorded_run("verify", model=model, config_text=doc.to_text(), config_path=doc.path,
                      argv=getattr(args, "kkui_argv", ())) as history:
        for note in history.notes:
            print(f"kkui: {shown(note)}", file=sys.stderr)
        history.stage("verify")
        report = run_verify(model, only=only, timeout=args.timeout,
                            strict_host_keys=args.strict_host_keys,
                            on_result=None if args.json else view.show)
        history.add_findings(report.findings())  # the report's cert calendar
        history.finish(0 if report.ok else 1)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        view.finish(report)
    return 0 if report.ok else 1
