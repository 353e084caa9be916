"""``kkui certs``: the certificate expiry calendar of the control-plane and etcd nodes."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from kkui.commands._common import add_config_args, positive_float, valid_document
from kkui.commands._kk_op import add_kk_args
from kkui.commands.console import paint, status_text
from kkui.commands.console import rows as console_rows
from kkui.i18n import N_, _, shown

if TYPE_CHECKING:
    from rich.text import Text

EPILOG = N_("""\
what it reads (over SSH, read-only; never a key file):
  /etc/kubernetes/pki/*.crt   kubeadm's certificates and CAs (control-plane nodes)
  /etc/ssl/etcd/ssl/*.pem     kk's etcd certificates and CA (etcd nodes)
status: fail < 7 days left, warn < 30 days, else pass (the same thresholds as `kkui verify`).

--renew runs `./kk certs renew -f` in the workdir (as `kkui install` runs kk). kk renews
kubeadm's certificates only: NOT kk's etcd certificates (kubekey#2310) and NOT the CAs
(kubekey#2637, #2509). The calendar marks which rows kk renews.

exit status: 0 nothing expires within 7 days, 1 something does (or a host could not be read),
2 bad config or options.

examples:
  kkui certs -f config-sample.yaml
  kkui certs -f config-sample.yaml --renew            # asks before kk renews
  kkui certs -f config-sample.yaml --renew --yes --kk ./kk --workdir /opt/kk/prod
  kkui certs -f config-sample.yaml --json | jq '.certs[] | select(.days_left < 60)'
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "certs", help=_("certificate expiry calendar of every control-plane and etcd node"),
        description=_("List every certificate on the control-plane and etcd nodes, soonest "
                      "expiry first, and say which of them `kk certs renew` renews."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    parser.add_argument("--json", action="store_true",
                        help=_('print {"certs": [{"host", "path", "subject", "not_after", '
                               '"days_left", "status"}]}'))
    parser.add_argument("--timeout", type=positive_float, default=30.0, metavar="S",
                        help=_("seconds per host (default 30)"))
    parser.add_argument("--strict-host-keys", action="store_true",
                        help=_("refuse hosts whose SSH key is not known yet"))
    parser.add_argument("--renew", action="store_true",
                        help=_("run `./kk certs renew -f` first (as `kkui install` runs kk), "
                               "then show the calendar"))
    add_kk_args(parser, what=N_("renew"), json=False)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    doc = valid_document(args)
    if doc is None:
        return 2
    if args.renew:
        return _renew(args, doc)
    return _calendar(args, doc.model())


def _renew(args: argparse.Namespace, doc: Any) -> int:
    from kkui.commands._kk_op import plan_from_args, run_kk_operation

    plan = plan_from_args(args, doc, "certs renew")

    def calendar(_plan: Any, _run: Any, out: Any) -> int:
        from kkui.core.day2.certs import NOT_RENEWED_BY_KK

        if args.json:  # the text calendar ends with it; JSON readers get it on stderr
            print(f"kkui: {shown(NOT_RENEWED_BY_KK)}", file=out)
        print(_("kkui: the calendar after the renewal:"), file=out, flush=True)
        return _calendar(args, plan.model)

    return run_kk_operation(args, doc, plan, "certs renew", after=calendar)


def _calendar(args: argparse.Namespace, model: Any) -> int:
    from kkui.core.day2.certs import NOT_RENEWED_BY_KK, collect_certs

    rows, unreachable = collect_certs(model, timeout=args.timeout,
                                      strict_host_keys=args.strict_host_keys)
    bad = any(r.status in ("fail", "error") for r in rows) or bool(unreachable)
    if args.json:
        data: dict[str, object] = {"certs": [r.as_dict() for r in rows]}
        if unreachable:
            data["unreachable"] = unreachable
        print(json.dumps(data, indent=None if args.renew else 2, ensure_ascii=False))
        return 1 if bad else 0
    plain = [f"{'status':<6} {'days':>6}  {'expires (UTC)':<16} {'host':<14} {'kk renews':<9} "
             "path"]
    cells: list[list[Text | str]] = []
    for r in rows:
        days = "?" if r.days_left is None else f"{r.days_left:.0f}"
        when = (r.not_after or _("unreadable"))[:16].replace("T", " ")
        renews = _("yes") if r.renewed_by_kk else ("CA" if r.is_ca else _("no"))
        plain.append(f"{r.status:<6} {days:>6}  {when:<16} {r.host:<14} {renews:<9} {r.path}")
        cells.append([status_text(r.status), days, when, r.host, renews, r.path])
    console_rows((_("status"), _("days"), _("expires (UTC)"), _("host"), _("kk renews"),
                  _("path")), cells, plain)
    for host, why in unreachable.items():
        print(paint(_("error  {host}: not read: {why}").format(host=host, why=shown(why)), "red"))
    print()
    print(shown(NOT_RENEWED_BY_KK))
    return 1 if bad else 0
