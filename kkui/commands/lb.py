"""``kkui lb render|deploy|status|drill``: the external HAProxy + Keepalived pair."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kkui.commands._common import add_config_args, load_config, print_json, print_problems
from kkui.commands.console import STATUS_STYLE, paint, styled
from kkui.commands.console import rows as console_rows
from kkui.core.errors import KkuiError
from kkui.core.fsutil import atomic_write, contained
from kkui.i18n import L_, N_, _, shown

if TYPE_CHECKING:  # the LB machinery (ruamel.yaml, paramiko, ...) loads when a command runs,
    # not for --help: each command imports what it uses
    from kkui.core.config import ClusterDocument, ClusterModel
    from kkui.core.lb.deploy import StepResult
    from kkui.core.lb.drill import TimelineEvent
    from kkui.core.lb.status import PairStatus
    from kkui.core.runs import Run

LB_EPILOG = N_("""\
The pair: two (or more) LB hosts run HAProxy (TCP, roundrobin over every control-plane
node's 6443) and Keepalived (VRRP, one virtual IP). kk only sees the VIP, as
spec.controlPlaneEndpoint.address. The LB hosts and the VIP live in kkui's own document
(kind: KkuiSettings, spec.loadBalancer) in the same config file.

examples:
  kkui lb render -f config-sample.yaml -o lb/ --check
  kkui lb deploy -f config-sample.yaml
  kkui lb status -f config-sample.yaml --json
  kkui lb drill -f config-sample.yaml --yes

exit status: 0 ok, 1 a check/host/drill failed (or the VIP is held by no LB or two),
2 the config is invalid or a required flag is missing, or another kkui holds this cluster
(deploy and drill hold a per-cluster lock; runs are recorded: `kkui history`).
""")
RENDER_EPILOG = N_("""\
examples:
  kkui lb render -f config-sample.yaml -o lb/
  kkui lb render -f config-sample.yaml -o lb/ --check

--check runs the real `haproxy -c` and `keepalived -t` on every file (when installed
here); keepalived -t runs in a scratch network namespace that has the configured
interface, because it fails on a machine without that interface.""")
DEPLOY_EPILOG = N_("""\
examples:
  kkui lb deploy -f config-sample.yaml
  kkui lb deploy -f config-sample.yaml --yes""")
STATUS_EPILOG = N_("""\
exit status: 0 exactly one LB holds the VIP; 1 none, two (split brain), or an LB could not be \
asked.

examples:
  kkui lb status -f config-sample.yaml
  kkui lb status -f config-sample.yaml --json | jq .holders""")
DRILL_EPILOG = N_("""\
examples:
  kkui lb drill -f config-sample.yaml --yes
  kkui lb drill -f config-sample.yaml --yes --json""")
STRICT_HELP = N_("refuse hosts whose SSH key is not already known")


def register(subparsers: Any) -> None:
    lb = subparsers.add_parser(
        "lb", help="render, deploy, check and drill the HAProxy + Keepalived pair",
        description=_("The external load-balancer pair in front of the kube-apiservers."),
        epilog=_(LB_EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    lb.set_defaults(func=lambda _args: _usage(lb))
    sub = lb.add_subparsers(dest="lb_command", metavar="ACTION")

    render = sub.add_parser(
        "render", help=_("write haproxy.cfg and keepalived.conf for every LB host"),
        description=_("Validate the LB settings, generate the VRRP and stats passwords once "
                      "(stored in kkui's document, never printed), and write "
                      "DIR/<lb>/haproxy.cfg and DIR/<lb>/keepalived.conf (mode 0600). The "
                      "same config always gives the same files."),
        epilog=_(RENDER_EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(render)
    render.add_argument("-o", "--output", metavar="DIR", required=True,
                        help=_("directory to write into (DIR/<lb-name>/...)"))
    render.add_argument("--check", action="store_true",
                        help=_("run haproxy -c and keepalived -t on the rendered files"))
    render.set_defaults(func=run_render)

    deploy = sub.add_parser(
        "deploy", help=_("install and start the pair on the LB hosts over SSH"),
        description=_("Over SSH, on each LB host in turn: install haproxy, keepalived and "
                      "psmisc if missing, upload the configs (previous ones kept as backups), "
                      "check them on the host, enable and restart both services. Then report "
                      "which LB holds the VIP and whether VIP:port answers. Shows the plan and "
                      "asks first."),
        epilog=_(DEPLOY_EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(deploy)
    deploy.add_argument("-y", "--yes", action="store_true",
                        help=_("do not ask for confirmation"))
    deploy.add_argument("--strict-host-keys", action="store_true",
                        help=_(STRICT_HELP))
    deploy.set_defaults(func=run_deploy)

    status = sub.add_parser(
        "status", help=_("services, VIP holder and backend health of every LB"),
        description=_("Per LB host: haproxy and keepalived active, VIP held or not, and each "
                      "apiserver backend up or down (from haproxy's stats). Also tries "
                      "VIP:port from here."),
        epilog=_(STATUS_EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(status)
    status.add_argument("--json", action="store_true", help=_("machine-readable output"))
    status.add_argument("--strict-host-keys", action="store_true",
                        help=_(STRICT_HELP))
    status.set_defaults(func=run_status)

    drill = sub.add_parser(
        "drill", help=_("failover drill: stop haproxy on the VIP holder and time the "
                         "outage"),
        description=_("Find the LB holding the VIP, stop haproxy there, poll until the VIP is "
                      "on a peer and VIP:port answers again, start haproxy again, and print "
                      "the timeline and the total outage. This interrupts API traffic for a "
                      "few seconds: --yes is required. It refuses, changing nothing, unless "
                      "exactly one LB holds the VIP, VIP:port answers and a peer LB has "
                      "haproxy and keepalived active to take the VIP over."),
        epilog=_(DRILL_EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(drill)
    drill.add_argument("-y", "--yes", action="store_true",
                       help=_("really run it (it interrupts the API briefly)"))
    drill.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                       help=_("give up waiting for the failover after this long "
                              "(default 60)"))
    drill.add_argument("--json", action="store_true",
                       help=_("machine-readable report at the end"))
    drill.add_argument("--strict-host-keys", action="store_true",
                       help=_(STRICT_HELP))
    drill.set_defaults(func=run_drill_command)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


# ---------------------------------------------------------------------- shared
def _validated_model(doc: ClusterDocument) -> ClusterModel:
    """The model, or print every problem with its fix and raise (exit 2).

    The FULL document validation, not only the LB rules: host names, addresses and the rest
    end up in generated root-run configs (issue #10 item 1)."""
    model = doc.model()
    if not model.kkui.load_balancer.configured:
        raise _InvalidLb(L_("{source}: no external load balancer: add `loadBalancer:` to "
                            "kkui's document (see `kkui export-config --profile "
                            "ha-external-lb`)", source=doc.source))
    problems = doc.validate()
    if problems:
        print_problems(problems, sys.stderr)
    if any(p.severity == "error" for p in problems):
        raise _InvalidLb(L_("{source}: the config has errors (above); nothing was changed",
                            source=doc.source))
    return model


class _InvalidLb(KkuiError):
    exit_code = 2


# the status words of render checks and deploy steps, as shown (ids for the catalog)
RESULT_WORD = {"ok": N_("ok"), "failed": N_("failed"), "skipped": N_("skipped"),
               "done": N_("done")}
# haproxy/keepalived states as kkui.core.lb.status reports them (`systemctl is-active`
# words); another word a host prints is shown as it is
SERVICE_WORDS = frozenset((N_("active"), N_("inactive"), N_("failed"), N_("unknown")))
BACKEND_WORDS = (N_("up"), N_("DOWN"))


def _service(state: str) -> str:
    return _(state) if state in SERVICE_WORDS else state


def _backend(up: bool) -> str:
    return _(BACKEND_WORDS[0] if up else BACKEND_WORDS[1])


def _secured_model(doc: ClusterDocument) -> ClusterModel:
    """Validate, generate missing secrets once and store them in the config file."""
    _validated_model(doc)
    from kkui.core.lb.secrets import ensure_secrets

    generated = ensure_secrets(doc)
    if generated:
        names = _(" and ").join(shown(name) for name in generated)
        if doc.path is not None:
            doc.save()
            print(_("generated {names} and stored them in {path} (values not shown; the "
                    "previous file is kept as .bak)").format(names=names, path=doc.path))
        else:
            print(_("warning: generated {names} for this run only: {source} is not a file, "
                    "so the next render gives different passwords (export it first with "
                    "`kkui export-config`)").format(names=names, source=doc.source),
                  file=sys.stderr)
    return doc.model()


def _secrets(model: ClusterModel) -> list[str]:
    s = model.kkui.load_balancer.secrets
    return [s.auth_pass, s.stats_password]


# ---------------------------------------------------------------------- render
def run_render(args: argparse.Namespace) -> int:
    from kkui.core.lb.check import check_rendered
    from kkui.core.lb.render import render_all

    model = _secured_model(load_config(args))
    lb = model.kkui.load_balancer
    out = Path(args.output)
    for host in render_all(model):
        for name, text in (("haproxy.cfg", host.haproxy_cfg),
                           ("keepalived.conf", host.keepalived_conf)):
            # contained(): a host name can never lead outside DIR (issue #10 item 6)
            path = atomic_write(contained(out, host.name, name), text, mode=0o600,
                                keep_backup=False)
            print(_("wrote {path}").format(path=path))
    if not args.check:
        return 0
    failed = 0
    for result in check_rendered(out, [h.name for h in lb.hosts], lb.interface,
                                 _secrets(model)):
        colour = {"ok": "green", "failed": "red", "skipped": "yellow"}[result.status]
        print(f"{paint(_(RESULT_WORD[result.status]), colour)}: {result.path}: "
              f"{shown(result.detail)}")
        failed += result.status == "failed"
    return 1 if failed else 0


# ---------------------------------------------------------------------- history
@contextmanager
def _recorded(command: str, doc: ClusterDocument, model: ClusterModel,
              args: argparse.Namespace) -> Iterator[Run]:
    """The run-history record and the cluster lock (issue #14): no two kkui drive one LB pair."""
    from kkui.core.runs import recorded_run

    with recorded_run(command, model=model, config_text=doc.to_text(), config_path=doc.path,
                      argv=getattr(args, "kkui_argv", ()), lock=True) as history:
        for note in history.notes:
            print(f"kkui: {shown(note)}", file=sys.stderr)
        yield history


# ---------------------------------------------------------------------- deploy
def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise _InvalidLb(L_("stdin is not a terminal: pass --yes to deploy without the "
                            "question"))
    while True:
        try:
            answer = input(f"{question} [yes/no]: ").strip().lower()
        except EOFError:
            return False
        if answer in ("yes", "y"):
            return True
        if answer in ("no", "n"):
            return False


def _print_step(step: StepResult) -> None:
    colour = {"done": "green", "skipped": "dim", "failed": "red"}[step.status]
    detail = shown(step.detail).replace("\n", "\n      ")  # a tool's multi-line complaint
    print(f"  {step.host}: {shown(step.step)}: {paint(_(RESULT_WORD[step.status]), colour)}"
          + (f" — {detail}" if detail else ""), flush=True)


def run_deploy(args: argparse.Namespace) -> int:
    from kkui.core.lb.apply import deploy_pair
    from kkui.core.lb.deploy import plan
    from kkui.core.lb.render import render_all

    doc = load_config(args)
    model = _secured_model(doc)
    print("\n".join(shown(item) for item in plan(render_all(model))))
    if not args.yes and not _confirm(_("Deploy the load-balancer pair now?")):
        print(_("nothing changed"))
        return 1
    with _recorded("lb deploy", doc, model, args) as history:
        history.stage("deploy")
        outcome = deploy_pair(model, strict_host_keys=args.strict_host_keys,
                              on_step=_print_step)
        if outcome.status is None:
            print(paint(_("deploy stopped: fix the failed step above and run it again"),
                        "red"))
            history.add_findings(outcome.failures())
            return history.finish(1)
        _print_status(outcome.status)
        return history.finish(0 if outcome.ok else 1)


# ---------------------------------------------------------------------- status
def _print_status(status: PairStatus) -> None:
    for host in status.hosts:
        vip = {True: paint(_("holds the VIP"), "green"), False: _("backup"),
               None: paint(_("unknown"), "yellow")}[host.holds_vip]
        print(_("{host}: haproxy {haproxy}, keepalived {keepalived}, {vip}").format(
            host=host.name, haproxy=_service(host.haproxy),
            keepalived=_service(host.keepalived), vip=vip))
        # a table of the backends on a terminal; the long-standing lines on a pipe
        console_rows((_("backend"), _("address"), _("state"), _("haproxy says")),
                     [[b.name, b.address, styled(_backend(b.up),
                                                 STATUS_STYLE["up" if b.up else "down"]),
                       b.status] for b in host.backends],
                     [f"    {b.name:<16} {b.address:<22} {_backend(b.up)} "
                      f"({b.status})" for b in host.backends])
        if host.error:
            print("    " + paint(_("error"), "red") + f": {shown(host.error)}")
    target = f"{status.vip}:{status.port}"
    verdict = {
        "ok": (_("VIP {vip} is on {holders}"), "green"),
        "no-holder": (_("no LB holds the VIP {vip}: check keepalived and its haproxy check on "
                        "both LBs"), "red"),
        "split-brain": (_("split brain: {both} both hold {vip} — the LBs cannot hear each "
                          "other's VRRP adverts (firewall on protocol 112? different "
                          "virtualRouterId or authPass?)"), "red"),
        "unreachable": (_("an LB could not be asked, so the VIP holder is uncertain"), "red"),
    }[status.verdict]
    print(paint(verdict[0].format(vip=status.vip, holders=", ".join(status.holders),
                                  both=_(" and ").join(status.holders)), verdict[1]))
    if status.frontend_answers is not None:
        print((_("{target} answers from this machine") if status.frontend_answers else
               _("{target} does NOT answer from this machine")).format(target=target))


def run_status(args: argparse.Namespace) -> int:
    from kkui.core.lb.ops import tcp_answers
    from kkui.core.lb.remote import lb_ops_tolerant
    from kkui.core.lb.status import backend_addresses, collect_status

    model = _validated_model(load_config(args))
    lb = model.kkui.load_balancer
    with lb_ops_tolerant(lb, strict_host_keys=args.strict_host_keys) as ops:
        status = collect_status(ops, vip=lb.vip, port=lb.port,
                                probe=lambda: tcp_answers(lb.vip, lb.port),
                                addresses=backend_addresses(model))
    if args.json:
        print_json(status.as_dict())
    else:
        _print_status(status)
    return 0 if status.ok else 1


# ----------------------------------------------------------------------- drill
def run_drill_command(args: argparse.Namespace) -> int:
    from kkui.core.lb.drill import run_drill
    from kkui.core.lb.ops import tcp_answers
    from kkui.core.lb.remote import lb_sessions, systemd_ops

    if not args.yes:
        raise _InvalidLb(L_("the drill stops haproxy on the LB that holds the VIP and "
                            "interrupts the API for a few seconds: run it again with --yes"))
    doc = load_config(args)
    model = _validated_model(doc)
    lb = model.kkui.load_balancer
    target = f"{lb.vip}:{lb.port}"

    def show(event: TimelineEvent) -> None:
        if not args.json:
            stamp = time.strftime("%H:%M:%S", time.localtime(event.wall))
            millis = int((event.wall % 1) * 1000)
            print(f"{stamp}.{millis:03d}  +{event.offset:7.3f}s  {shown(event.text)}",
                  flush=True)

    with _recorded("lb drill", doc, model, args) as history, \
            lb_sessions(lb.hosts, strict_host_keys=args.strict_host_keys) as sessions:
        history.stage("drill")
        ops = [systemd_ops(s, lb) for s in sessions]
        report = run_drill(ops, lambda: tcp_answers(lb.vip, lb.port, timeout=0.5),
                           target=target, timeout=args.timeout, on_event=show)
        if not report.ok:
            history.add_findings([f"drill failed: {report.error}"])
        history.finish(0 if report.ok else 1)
    if args.json:
        print_json(report.as_dict())
    elif report.ok and report.outage is not None:
        moved = _("; the VIP moved after {seconds:.3f} s").format(
            seconds=report.vip_moved_after) if report.vip_moved_after is not None else ""
        print(paint(_("total outage: {outage:.3f} s (haproxy stopped on {holder} → {target} "
                      "answered via {new_holder}){moved}").format(
            outage=report.outage, holder=report.holder, target=target,
            new_holder=report.new_holder, moved=moved), "green"))
    else:
        print(paint(_("drill failed: {error}").format(error=shown(report.error)), "red"))
    return 0 if report.ok else 1
