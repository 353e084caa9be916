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
from kkui.commands.console import paint, status_text
from kkui.commands.console import rows as console_rows
from kkui.core.errors import KkuiError
from kkui.core.fsutil import atomic_write, contained

if TYPE_CHECKING:  # the LB machinery (ruamel.yaml, paramiko, ...) loads when a command runs,
    # not for --help: each command imports what it uses
    from kkui.core.config import ClusterDocument, ClusterModel
    from kkui.core.lb.deploy import StepResult
    from kkui.core.lb.drill import TimelineEvent
    from kkui.core.lb.status import PairStatus
    from kkui.core.runs import Run

LB_EPILOG = """\
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
"""


def register(subparsers: Any) -> None:
    lb = subparsers.add_parser(
        "lb", help="render, deploy, check and drill the HAProxy + Keepalived pair",
        description="The external load-balancer pair in front of the kube-apiservers.",
        epilog=LB_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    lb.set_defaults(func=lambda _args: _usage(lb))
    sub = lb.add_subparsers(dest="lb_command", metavar="ACTION")

    render = sub.add_parser(
        "render", help="write haproxy.cfg and keepalived.conf for every LB host",
        description="Validate the LB settings, generate the VRRP and stats passwords once "
        "(stored in kkui's document, never printed), and write DIR/<lb>/haproxy.cfg and "
        "DIR/<lb>/keepalived.conf (mode 0600). The same config always gives the same files.",
        epilog="examples:\n  kkui lb render -f config-sample.yaml -o lb/\n"
        "  kkui lb render -f config-sample.yaml -o lb/ --check\n\n"
        "--check runs the real `haproxy -c` and `keepalived -t` on every file (when installed\n"
        "here); keepalived -t runs in a scratch network namespace that has the configured\n"
        "interface, because it fails on a machine without that interface.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(render)
    render.add_argument("-o", "--output", metavar="DIR", required=True,
                        help="directory to write into (DIR/<lb-name>/...)")
    render.add_argument("--check", action="store_true",
                        help="run haproxy -c and keepalived -t on the rendered files")
    render.set_defaults(func=run_render)

    deploy = sub.add_parser(
        "deploy", help="install and start the pair on the LB hosts over SSH",
        description="Over SSH, on each LB host in turn: install haproxy, keepalived and psmisc "
        "if missing, upload the configs (previous ones kept as backups), check them on the "
        "host, enable and restart both services. Then report which LB holds the VIP and "
        "whether VIP:port answers. Shows the plan and asks first.",
        epilog="examples:\n  kkui lb deploy -f config-sample.yaml\n"
        "  kkui lb deploy -f config-sample.yaml --yes",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(deploy)
    deploy.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    deploy.add_argument("--strict-host-keys", action="store_true",
                        help="refuse hosts whose SSH key is not already known")
    deploy.set_defaults(func=run_deploy)

    status = sub.add_parser(
        "status", help="services, VIP holder and backend health of every LB",
        description="Per LB host: haproxy and keepalived active, VIP held or not, and each "
        "apiserver backend up or down (from haproxy's stats). Also tries VIP:port from here.",
        epilog="exit status: 0 exactly one LB holds the VIP; 1 none, two (split brain), or an "
        "LB could not be asked.\n\nexamples:\n  kkui lb status -f config-sample.yaml\n"
        "  kkui lb status -f config-sample.yaml --json | jq .holders",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(status)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--strict-host-keys", action="store_true",
                        help="refuse hosts whose SSH key is not already known")
    status.set_defaults(func=run_status)

    drill = sub.add_parser(
        "drill", help="failover drill: stop haproxy on the VIP holder and time the outage",
        description="Find the LB holding the VIP, stop haproxy there, poll until the VIP is on "
        "a peer and VIP:port answers again, start haproxy again, and print the timeline and "
        "the total outage. This interrupts API traffic for a few seconds: --yes is required. "
        "It refuses, changing nothing, unless exactly one LB holds the VIP, VIP:port answers "
        "and a peer LB has haproxy and keepalived active to take the VIP over.",
        epilog="examples:\n  kkui lb drill -f config-sample.yaml --yes\n"
        "  kkui lb drill -f config-sample.yaml --yes --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(drill)
    drill.add_argument("-y", "--yes", action="store_true",
                       help="really run it (it interrupts the API briefly)")
    drill.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                       help="give up waiting for the failover after this long (default 60)")
    drill.add_argument("--json", action="store_true", help="machine-readable report at the end")
    drill.add_argument("--strict-host-keys", action="store_true",
                       help="refuse hosts whose SSH key is not already known")
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
        raise _InvalidLb(f"{doc.source}: no external load balancer: add `loadBalancer:` to "
                         "kkui's document (see `kkui export-config --profile ha-external-lb`)")
    problems = doc.validate()
    if problems:
        print_problems(problems, sys.stderr)
    if any(p.severity == "error" for p in problems):
        raise _InvalidLb(f"{doc.source}: the config has errors (above); nothing was changed")
    return model


class _InvalidLb(KkuiError):
    exit_code = 2


def _secured_model(doc: ClusterDocument) -> ClusterModel:
    """Validate, generate missing secrets once and store them in the config file."""
    _validated_model(doc)
    from kkui.core.lb.secrets import ensure_secrets

    generated = ensure_secrets(doc)
    if generated:
        names = " and ".join(generated)
        if doc.path is not None:
            doc.save()
            print(f"generated {names} and stored them in {doc.path} (values not shown; the "
                  "previous file is kept as .bak)")
        else:
            print(f"warning: generated {names} for this run only: {doc.source} is not a file, "
                  "so the next render gives different passwords (export it first with "
                  "`kkui export-config`)", file=sys.stderr)
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
            print(f"wrote {path}")
    if not args.check:
        return 0
    failed = 0
    for result in check_rendered(out, [h.name for h in lb.hosts], lb.interface,
                                 _secrets(model)):
        colour = {"ok": "green", "failed": "red", "skipped": "yellow"}[result.status]
        print(f"{paint(result.status, colour)}: {result.path}: {result.detail}")
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
            print(f"kkui: {note}", file=sys.stderr)
        yield history


# ---------------------------------------------------------------------- deploy
def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise _InvalidLb("stdin is not a terminal: pass --yes to deploy without the question")
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
    detail = step.detail.replace("\n", "\n      ")  # a tool's multi-line complaint, indented
    print(f"  {step.host}: {step.step}: {paint(step.status, colour)}"
          + (f" — {detail}" if detail else ""), flush=True)


def run_deploy(args: argparse.Namespace) -> int:
    from kkui.core.lb.apply import deploy_pair
    from kkui.core.lb.deploy import plan
    from kkui.core.lb.render import render_all

    doc = load_config(args)
    model = _secured_model(doc)
    print("\n".join(plan(render_all(model))))
    if not args.yes and not _confirm("Deploy the load-balancer pair now?"):
        print("nothing changed")
        return 1
    with _recorded("lb deploy", doc, model, args) as history:
        history.stage("deploy")
        outcome = deploy_pair(model, strict_host_keys=args.strict_host_keys,
                              on_step=_print_step)
        if outcome.status is None:
            print(paint("deploy stopped: fix the failed step above and run it again", "red"))
            history.add_findings(outcome.failures())
            return history.finish(1)
        _print_status(outcome.status)
        return history.finish(0 if outcome.ok else 1)


# ---------------------------------------------------------------------- status
def _print_status(status: PairStatus) -> None:
    for host in status.hosts:
        vip = {True: paint("holds the VIP", "green"), False: "backup",
               None: paint("unknown", "yellow")}[host.holds_vip]
        print(f"{host.name}: haproxy {host.haproxy}, keepalived {host.keepalived}, {vip}")
        # a table of the backends on a terminal; the long-standing lines on a pipe
        console_rows(("backend", "address", "state", "haproxy says"),
                     [[b.name, b.address, status_text("up" if b.up else "down",
                                                      upper=not b.up), b.status]
                      for b in host.backends],
                     [f"    {b.name:<16} {b.address:<22} {'up' if b.up else 'DOWN'} ({b.status})"
                      for b in host.backends])
        if host.error:
            print(f"    {paint('error', 'red')}: {host.error}")
    target = f"{status.vip}:{status.port}"
    verdict = {
        "ok": paint(f"VIP {status.vip} is on {', '.join(status.holders)}", "green"),
        "no-holder": paint(f"no LB holds the VIP {status.vip}: check keepalived and its "
                           "haproxy check on both LBs", "red"),
        "split-brain": paint(f"split brain: {' and '.join(status.holders)} both hold "
                             f"{status.vip} — the LBs cannot hear each other's VRRP adverts "
                             "(firewall on protocol 112? different virtualRouterId or "
                             "authPass?)", "red"),
        "unreachable": paint("an LB could not be asked, so the VIP holder is uncertain", "red"),
    }[status.verdict]
    print(verdict)
    if status.frontend_answers is not None:
        print(f"{target} {'answers' if status.frontend_answers else 'does NOT answer'} "
              "from this machine")


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
        raise _InvalidLb("the drill stops haproxy on the LB that holds the VIP and interrupts "
                         "the API for a few seconds: run it again with --yes")
    doc = load_config(args)
    model = _validated_model(doc)
    lb = model.kkui.load_balancer
    target = f"{lb.vip}:{lb.port}"

    def show(event: TimelineEvent) -> None:
        if not args.json:
            stamp = time.strftime("%H:%M:%S", time.localtime(event.wall))
            millis = int((event.wall % 1) * 1000)
            print(f"{stamp}.{millis:03d}  +{event.offset:7.3f}s  {event.text}", flush=True)

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
        moved = f"; the VIP moved after {report.vip_moved_after:.3f} s" \
            if report.vip_moved_after is not None else ""
        print(paint(f"total outage: {report.outage:.3f} s (haproxy stopped on {report.holder} "
                    f"→ {target} answered via {report.new_holder}){moved}", "green"))
    else:
        print(paint(f"drill failed: {report.error}", "red"))
    return 0 if report.ok else 1
