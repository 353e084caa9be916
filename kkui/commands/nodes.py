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

EPILOG = """\
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
"""


REPLACE_EPILOG = """\
nodes replace OLD --with NEW: a control-plane + etcd node replaced as a checklist, each step
  shown as it runs: verify → drain OLD → `etcdctl member remove OLD` from a healthy member →
  `kk delete node OLD` → kkui's LB pair without OLD → config (NEW gets OLD's roles, OLD's row
  removed, comments kept) → `kk add nodes` → NEW in etcd's member list → LB pair with NEW →
  verify. Finished steps are kept in WORKDIR/replace-OLD-NEW.json: when a step fails, fix it
  and run the same command again; it re-checks the state and continues there.

examples:
  kkui nodes replace master3 --with master4 -f config-sample.yaml
  kkui nodes replace master3 --with master4 -f config-sample.yaml --yes --workdir /opt/kk/prod
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "nodes", help="add or delete nodes with kk, with kkui's checks around it",
        description="Add the config's new hosts, or delete a worker, with kk.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="nodes_command", metavar="add|delete")
    add = sub.add_parser("add", help="add the hosts that are new in the config",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(add)
    add_kk_args(add, what="add the nodes")
    add.add_argument("--dry-run", action="store_true",
                     help="only show which hosts are new and which kk will touch")
    add.set_defaults(func=run_add)
    delete = sub.add_parser("delete", help="drain and delete a worker",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    delete.add_argument("name", metavar="NAME", help="the host's name in the config")
    add_config_args(delete)
    add_kk_args(delete, what="delete the node")
    delete.add_argument("--no-drain", action="store_true", help="do not cordon and drain first")
    delete.add_argument("--force", action="store_true",
                        help="also a control-plane/etcd node, if etcd keeps its quorum")
    delete.set_defaults(func=run_delete)
    replace = sub.add_parser("replace", help="replace a control-plane/etcd node, step by step",
                             epilog=REPLACE_EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    replace.add_argument("old", metavar="OLD", help="the node to replace (its row stays until "
                         "the config step)")
    replace.add_argument("--with", dest="new", metavar="NEW", required=True,
                         help="the replacement's host row name (add the row first)")
    add_config_args(replace)
    add_kk_args(replace, what="change the cluster", json=False)
    replace.set_defaults(func=run_replace, json=False)
    parser.set_defaults(func=lambda _a: (parser.print_help(), 2)[1])


def _out(args: argparse.Namespace) -> IO[str]:
    return sys.stderr if args.json else sys.stdout


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
        print(f"kkui: no applied config to compare with (no successful install in `kkui "
              f"history`, no {preview.workdir}/config-sample.yaml): pass --workdir of the "
              "install", file=sys.stderr)
        return 2
    applied = ClusterDocument.from_text(found[0], source=found[1]).model()
    diff = diff_hosts(applied, preview.model, found[1])
    if args.json:
        print(json.dumps({"diff": diff.as_dict()}), flush=True)
    print(f"kkui: compared with {diff.baseline}", file=out)
    print(paint(f"  new:     {', '.join(diff.new) or '(none)'}", "green", out), file=out)
    print(paint(f"  touched: {', '.join(diff.touched)}", "yellow", out) +
          " (kk add nodes re-runs precheck, OS configuration and etcd certs/backup on these: "
          "kubekey#1638, #1787)", file=out)
    if diff.changed:
        print(paint(f"  changed: {', '.join(diff.changed)} (address or roles differ from the "
                    "applied config; kk add nodes does not apply such changes)", "red", out),
              file=out)
    if diff.gone:
        print(f"  gone:    {', '.join(diff.gone)} (not in this config; use `kkui nodes "
              "delete` for removals)", file=out)
    if not diff.new:
        print("kkui: no new host in the config: nothing to add", file=out)
        return 2
    if args.dry_run:
        note = lb_followup(diff, preview.model, str(doc.path or "CONFIG"))
        if note:
            print(f"  then:    {note}", file=out)
        return 0
    plan = plan_from_args(args, doc, "nodes add")

    def after(plan: Any, run: Any, out: IO[str]) -> int:
        return after_nodes_add(diff, plan.model, sayer(out), run)

    return run_kk_operation(args, doc, plan, "nodes add", after=after)


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
        print(f"kkui: {line}", file=out)
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
            print(f"kkui: {remove_deleted_host(doc, args.name)}", file=out, flush=True)
        code = verify_after(doc.model(), out, run)
        if args.json:
            print(json.dumps({"nodes_delete": {"name": args.name, "roles": list(check.roles),
                                               "config": str(doc.path),
                                               "verified": code == 0}}), flush=True)
        return code

    return run_kk_operation(args, doc, plan, "nodes delete", before=before, after=after)


def run_replace(args: argparse.Namespace) -> int:
    """The checklist of :mod:`kkui.core.day2.replace`, resumed at its first unfinished step."""
    from kkui.commands._kk_op import plan_from_args, run_kk_operation, sayer, verify_after
    from kkui.core.config import ClusterDocument
    from kkui.core.day2.kkops import plan_operation
    from kkui.core.day2.nodes import drain_node, redeploy_lb
    from kkui.core.day2.replace import STEPS, Checklist, EtcdMembers, check_replace, roles_after
    from kkui.core.install import InstallOptions

    doc = load_config(args)
    old, new = args.old, args.new
    workdir = plan_operation(doc, InstallOptions(
        workdir=Path(args.workdir) if args.workdir else None), "nodes add").workdir
    args.workdir = str(workdir)
    todo = Checklist.load(workdir, old, new)
    roles = list(roles_after(doc.model(), old)) if old in doc.host_names() else []
    if "config" not in todo.done:
        check_replace(doc.model(), old, new)
    out = sys.stdout

    def state_says_done(step: str) -> bool:
        """Re-check what can be checked: a recorded step whose state is gone is redone."""
        model = doc.model()
        if step == "config":
            return old not in doc.host_names() and new in doc.host_names() and \
                "etcd" in model.roles_of(new)
        if step in ("etcd-remove", "etcd-new"):
            members = EtcdMembers(model, avoid=old)
            try:
                ok, names = members.names()
            finally:
                members.close()
            if not ok or not isinstance(names, dict):
                return False
            return (old not in names) if step == "etcd-remove" else (new in names)
        return True

    def lb_step(without: bool) -> tuple[bool, str]:
        """The pair re-deployed without OLD (its row still in the config) or with NEW."""
        model = doc.model()
        if not model.kkui.load_balancer.hosts:
            return True, "no kkui LB pair in the config: nothing to do"
        if without and old in doc.host_names():
            variant = ClusterDocument.from_text(doc.to_text(), source=str(doc.path))
            variant.remove_host(old)
            model = variant.model()
        ok = redeploy_lb(model, sayer(out))
        backends = ", ".join(h.name for h in model.control_plane_hosts)
        return ok, (f"haproxy backends now {backends}" if ok else
                    "the LB pair was not re-deployed (above)")

    def step(name: str) -> tuple[bool, str]:
        model = doc.model()
        if name in ("verify", "verify-after"):
            code = verify_after(model, out)
            return code == 0, "verify passed" if code == 0 else "verify found problems"
        if name == "drain":
            return drain_node(model, old)
        if name in ("etcd-remove", "etcd-new"):
            members = EtcdMembers(model, avoid=old)
            try:
                if name == "etcd-remove":
                    return members.remove(old)
                ok, names = members.names()
            finally:
                members.close()
            if ok and isinstance(names, dict) and new in names:
                return True, f"{new} is an etcd member ({', '.join(sorted(names))})"
            return False, (f"{new} is not in etcd's member list ({names}): check kk's "
                           "ETCDConfigureModule output above")
        if name == "kk-delete":
            # kk's node filter skips etcd and control-plane nodes (tasks.go:488-491): kk's
            # copy of the config shows OLD as the worker it has become (its member is gone)
            variant = ClusterDocument.from_text(doc.to_text(), source=str(doc.path))
            variant.set_roles(old, ["worker"])
            plan = plan_from_args(args, variant, "nodes delete", old)
            code = run_kk_operation(args, variant, plan, "nodes delete")
            return code == 0, f"kk delete node {old} exit {code}"
        if name in ("lb-without", "lb-with"):
            return lb_step(name == "lb-without")
        if name == "config":
            doc.set_roles(new, roles)
            doc.remove_host(old)
            doc.save()
            return True, f"{doc.path}: {new} is {'/'.join(roles)}, {old} removed"
        if name == "kk-add":
            plan = plan_from_args(args, doc, "nodes add")
            code = run_kk_operation(args, doc, plan, "nodes add")
            return code == 0, f"kk add nodes exit {code}"
        raise AssertionError(name)

    for number, (name, _title) in enumerate(STEPS, 1):
        head = f"[{number}/{len(STEPS)}] {todo.title(name)}"
        if name in todo.done and state_says_done(name):
            print(f"{paint('done', 'green', out)} {head} (earlier run)", file=out, flush=True)
            continue
        print(f"...  {head}", file=out, flush=True)
        ok, detail = step(name)
        if not ok:
            print(paint(f"FAIL {head}: {detail}", "red", out), file=out)
            print(f"kkui: fix it, then run the same command again: it continues at step "
                  f"{number} ({todo.path})", file=out, flush=True)
            return 1
        todo.mark(name)
        print(f"{paint('done', 'green', out)} {head}: {detail}", file=out, flush=True)
    print(paint(f"kkui: {old} replaced by {new}", "green", out), file=out)
    return 0
