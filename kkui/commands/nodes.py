"""``kkui nodes add|delete``: kk's node operations with the checks kk does not make."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import IO, Any

from kkui.commands._common import add_config_args, load_config
from kkui.commands._kk_op import add_kk_args
from kkui.commands.console import paint
from kkui.i18n import N_, _, shown

EPILOG = N_("""\
nodes add: add the host rows and roles to the config first (`kkui tui`, or by hand). kkui
  compares the config with the last applied one (the newest successful install / nodes add in
  `kkui history`, else WORKDIR/config-sample.yaml) and shows which hosts are new and which
  existing hosts kk will touch: `kk add nodes` re-runs precheck, OS configuration and etcd
  certificates/backup on EVERY host (kubekey#1638, #1787), so kkui prechecks all hosts first and
  refuses on failures (--skip-precheck overrides). Then `./kk add nodes -f config-sample.yaml`,
  then `kkui verify`. A new control-plane node behind kkui's LB pair becomes a backend: kkui
  re-deploys the pair first (only changed files; haproxy reloaded, not restarted; keepalived
  untouched, so the VIP stays where it is).
nodes delete NAME: workers: cordon + drain (kubectl over SSH on another control-plane node;
  --no-drain skips it), `./kk delete node NAME -f config-sample.yaml`, the host removed from
  your config (comments kept), `kkui verify`. Control-plane and etcd nodes are refused: kk
  deletes workers only and never removes the etcd member (kubekey PR #1920); with --force, when
  the etcd quorum arithmetic (shown) allows it and never below quorum, kkui drains the node,
  removes its etcd member with etcdctl from a healthy member, then runs kk with the node shown
  as a worker in kk's copy of the config. The first control-plane node is always refused.

exit status: 0 done and verified; 1 kk, the precheck, the drain or verify failed; 2 bad config,
a refused node, or options; 130 interrupted.

examples:
  kkui nodes add -f config-sample.yaml --dry-run        # only the diff
  kkui nodes add -f config-sample.yaml --kk ./kk --workdir /opt/kk/prod
  kkui nodes delete worker3 -f config-sample.yaml --yes
  kkui nodes delete worker3 -f config-sample.yaml --no-drain --json --yes
""")


REPLACE_EPILOG = N_("""\
nodes replace OLD --with NEW: a control-plane + etcd node replaced as a checklist, each step
  shown as it runs: verify → drain OLD → `etcdctl member remove OLD` from a healthy member →
  `kk delete node OLD` → kkui's LB pair without OLD → config (NEW gets OLD's roles, OLD's row
  removed, comments kept) → `kk add nodes` → NEW in etcd's member list → LB pair with NEW →
  verify. Finished steps are kept in WORKDIR/replace-OLD-NEW.json: when a step fails, fix it
  and run the same command again; it re-checks the state and continues there.

examples:
  kkui nodes replace master3 --with master4 -f config-sample.yaml
  kkui nodes replace master3 --with master4 -f config-sample.yaml --yes --workdir /opt/kk/prod
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "nodes", help=_("add or delete nodes with kk, with kkui's checks around it"),
        description=_("Add the config's new hosts, or delete a worker, with kk."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="nodes_command", metavar="add|delete")
    add = sub.add_parser("add", help=_("add the hosts that are new in the config"),
                         epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(add)
    add_kk_args(add, what=N_("add the nodes"))
    add.add_argument("--dry-run", action="store_true",
                     help=_("only show which hosts are new and which kk will touch"))
    add.set_defaults(func=run_add)
    delete = sub.add_parser("delete", help=_("drain and delete a worker"),
                            epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    delete.add_argument("name", metavar="NAME", help=_("the host's name in the config"))
    add_config_args(delete)
    add_kk_args(delete, what=N_("delete the node"))
    delete.add_argument("--no-drain", action="store_true",
                        help=_("do not cordon and drain first"))
    delete.add_argument("--force", action="store_true",
                        help=_("also a control-plane/etcd node, if etcd keeps its quorum"))
    delete.set_defaults(func=run_delete)
    replace = sub.add_parser("replace",
                             help=_("replace a control-plane/etcd node, step by step"),
                             epilog=_(REPLACE_EPILOG),
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    replace.add_argument("old", metavar="OLD", help=_("the node to replace (its row stays "
                                                      "until the config step)"))
    replace.add_argument("--with", dest="new", metavar="NEW", required=True,
                         help=_("the replacement's host row name (add the row first)"))
    add_config_args(replace)
    add_kk_args(replace, what=N_("change the cluster"), json=False)
    replace.set_defaults(func=run_replace, json=False)
    parser.set_defaults(func=lambda _a: (parser.print_help(), 2)[1])


def _out(args: argparse.Namespace) -> IO[str]:
    return sys.stderr if args.json else sys.stdout


def _label(text: str) -> str:
    """A diff label padded to 9 terminal columns (CJK takes two), at least one space after."""
    from kkui.i18n.width import cells

    return text + " " * max(1, 9 - cells(text))


def run_add(args: argparse.Namespace) -> int:
    from kkui.commands._kk_op import plan_from_args, run_kk_operation, sayer
    from kkui.core.config import ClusterDocument
    from kkui.core.day2.flows import after_nodes_add
    from kkui.core.day2.kkops import plan_operation
    from kkui.core.day2.nodes import applied_config, diff_hosts, lb_followup
    from kkui.core.install import InstallOptions

    doc = load_config(args)
    out = _out(args)
    preview = plan_operation(doc, InstallOptions(
        workdir=Path(args.workdir) if args.workdir else None), "nodes add")
    found = applied_config(preview.model, preview.workdir)
    if found is None:
        print(_("kkui: no applied config to compare with (no successful install in `kkui "
                "history`, no {workdir}/config-sample.yaml): pass --workdir of the "
                "install").format(workdir=preview.workdir), file=sys.stderr)
        return 2
    applied = ClusterDocument.from_text(found[0], source=found[1]).model()
    diff = diff_hosts(applied, preview.model, found[1])
    if args.json:
        print(json.dumps({"diff": diff.as_dict()}), flush=True)
    print(_("kkui: compared with {baseline}").format(baseline=shown(diff.baseline)), file=out)
    none = _("(none)")
    new, touched, changed, gone, then = map(_label, (_("new:"), _("touched:"), _("changed:"),
                                                     _("gone:"), _("then:")))
    print(paint(f"  {new}{', '.join(diff.new) or none}", "green", out), file=out)
    print(paint(f"  {touched}{', '.join(diff.touched)}", "yellow", out) + " " +
          _("(kk add nodes re-runs precheck, OS configuration and etcd certs/backup on these: "
            "kubekey#1638, #1787)"), file=out)
    if diff.changed:
        print(paint(f"  {changed}{', '.join(diff.changed)} " + _(
            "(address or roles differ from the applied config; kk add nodes does not apply "
            "such changes)"), "red", out), file=out)
    if diff.gone:
        print(f"  {gone}{', '.join(diff.gone)} " + _(
            "(not in this config; use `kkui nodes delete` for removals)"), file=out)
    if not diff.new:
        print(_("kkui: no new host in the config: nothing to add"), file=out)
        if args.json:
            _add_result("nothing to add", 2, diff, doc)
        return 2
    if args.dry_run:
        note = lb_followup(diff, preview.model, str(doc.path or "CONFIG"))
        if note:
            print(f"  {then}{shown(note)}", file=out)
        return 0
    plan = plan_from_args(args, doc, "nodes add")
    verified: list[bool] = []  # set when kk succeeded and the after-steps ran

    def after(plan: Any, run: Any, out: IO[str]) -> int:
        code = after_nodes_add(diff, plan.model, sayer(out), run)
        verified.append(code == 0)
        return code

    code = run_kk_operation(args, doc, plan, "nodes add", after=after)
    if args.json:
        _add_result({0: "success", 130: "cancelled"}.get(code, "failed"), code, diff, doc,
                    verified=verified, log=str(plan.log_path))
    return code


def _add_result(outcome: str, code: int, diff: Any, doc: Any, *,
                verified: list[bool] | None = None, log: str = "") -> None:
    """``nodes add --json``'s last line: the outcome, for a script."""
    print(json.dumps({"nodes_add": {
        "outcome": outcome, "exit": code, "new": list(diff.new), "touched": list(diff.touched),
        "kk_succeeded": bool(verified), "verified": verified[0] if verified else None,
        "config": str(doc.path), "log": log}}), flush=True)


def run_delete(args: argparse.Namespace) -> int:
    from kkui.commands._kk_op import plan_from_args, run_kk_operation, sayer, verify_after
    from kkui.core.config import ClusterDocument
    from kkui.core.day2.flows import before_nodes_delete, remove_deleted_host
    from kkui.core.day2.kkops import plan_operation
    from kkui.core.day2.nodes import removal_check
    from kkui.core.install import InstallOptions

    doc = load_config(args)
    out = _out(args)
    model = doc.model()
    check = removal_check(model, args.name, force=args.force)
    for line in check.lines:
        print(f"kkui: {shown(line)}", file=out)
    kk_doc = doc
    if set(check.roles) - {"worker"}:  # --force on a control-plane/etcd node
        # kk's node filter skips etcd and control-plane nodes (kk v3.1.12
        # cmd/kk/pkg/kubernetes/tasks.go:488-491): kk's copy of the config shows the node as
        # the worker it is once kkui has removed its etcd member
        args.workdir = str(plan_operation(doc, InstallOptions(
            workdir=Path(args.workdir) if args.workdir else None), "nodes delete",
            args.name).workdir)
        kk_doc = ClusterDocument.from_text(doc.to_text(), source=str(doc.path))
        kk_doc.set_roles(args.name, ["worker"])
    plan = plan_from_args(args, kk_doc, "nodes delete", args.name)

    def before(plan: Any, run: Any, out: IO[str]) -> int | None:
        return before_nodes_delete(model, args.name, check.roles, sayer(out), run,
                                   drain=not args.no_drain)

    def after(plan: Any, run: Any, out: IO[str]) -> int:
        if doc.path is not None:
            print(f"kkui: {shown(remove_deleted_host(doc, args.name))}", file=out, flush=True)
        code = verify_after(doc.model(), out, run)
        if args.json:
            print(json.dumps({"nodes_delete": {"name": args.name, "roles": list(check.roles),
                                               "config": str(doc.path),
                                               "verified": code == 0}}), flush=True)
        return code

    return run_kk_operation(args, doc, plan, "nodes delete", before=before, after=after)


def run_replace(args: argparse.Namespace) -> int:
    """The checklist of :func:`kkui.core.day2.replace_flow.run_replace` (the TUI runs the same),
    resumed at its first unfinished step, one line per step state."""
    from kkui.commands._kk_op import plan_from_args, run_kk_operation, sayer, verify_after
    from kkui.commands.console import console, line, styled
    from kkui.core.day2.kkops import plan_operation
    from kkui.core.day2.replace_flow import ReplaceHooks, StepChanged, run_replace
    from kkui.core.install import InstallOptions
    from kkui.i18n import _, shown

    doc = load_config(args)
    old, new = args.old, args.new
    workdir = plan_operation(doc, InstallOptions(
        workdir=Path(args.workdir) if args.workdir else None), "nodes add").workdir
    args.workdir = str(workdir)
    out = sys.stdout
    con = console(out)

    def run_kk(operation: str, kk_doc: Any, value: str) -> int:
        plan = plan_from_args(args, kk_doc, operation, value)
        return run_kk_operation(args, kk_doc, plan, operation)

    def on_step(event: StepChanged) -> None:
        head = f"[{event.number}/{event.total}] {shown(event.title)}"
        if event.state == "earlier":
            line(con, styled(_("done"), "green"), " ", head, " ", _("(earlier run)"))
        elif event.state == "running":
            line(con, f"...  {head}")
        elif event.state == "failed":
            fail = _("FAIL")
            line(con, styled(f"{fail} {head}: {shown(event.detail)}", "red"))
        else:
            line(con, styled(_("done"), "green"), " ", f"{head}: {shown(event.detail)}")

    result = run_replace(doc, old, new, workdir, ReplaceHooks(
        run_kk=run_kk, verify=lambda model: verify_after(model, out), on_step=on_step,
        say=sayer(out)))
    if not result.ok:
        line(con, _("kkui: fix it, then run the same command again: it continues at step "
                    "{number} ({path})").format(number=result.failed, path=result.checklist))
        return 1
    line(con, styled(_("kkui: {old} replaced by {new}").format(old=old, new=new), "green"))
    return 0
