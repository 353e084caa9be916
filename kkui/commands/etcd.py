"""``kkui etcd snapshot|restore``: etcd backups of a kk cluster, and their restore."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kkui.commands._common import add_config_args, valid_document
from kkui.commands.console import console, line, paint, status_text
from kkui.core.errors import shown_error
from kkui.i18n import N_, _, shown

EPILOG = N_("""\
snapshot: on the first etcd member that reports itself healthy, with kk's certificates
  (/etc/ssl/etcd/ssl/admin-<host>.pem): `etcdctl snapshot save`, `etcdctl snapshot status`,
  copied back over SFTP, checked against the host's sha256sum, removed from the host (it holds
  every Secret of the cluster) and kept in -o DIR as FILE.db (0600) + FILE.db.sha256 +
  FILE.db.json.
restore: prints every step (stop etcd on all members, move /var/lib/etcd aside, `etcdctl
  snapshot restore` with each member's name and peer URL and the cluster token from
  /etc/etcd.env, start etcd); with --yes it runs them over SSH. Run `kkui verify` afterwards.
  A restore rolls the whole cluster back to the snapshot: everything written since is lost.

examples:
  kkui etcd snapshot -f config-sample.yaml -o /backup/etcd
  kkui etcd restore -f config-sample.yaml /backup/etcd/etcd-snapshot-prod-20261130-0700.db
  kkui etcd restore -f config-sample.yaml SNAPSHOT.db --yes
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "etcd", help=_("etcd snapshot (backup) and restore of the cluster's kk-managed etcd"),
        description=_("Back up etcd from a healthy member, or restore every member from a "
                      "snapshot."), epilog=_(EPILOG),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="etcd_command", metavar="snapshot|restore")
    snap = sub.add_parser("snapshot", help=_("take a snapshot and copy it here"),
                          epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(snap)
    snap.add_argument("-o", "--output", default=".", metavar="DIR",
                      help=_("where to keep the snapshot (default: here)"))
    snap.add_argument("--json", action="store_true",
                      help=_("print the snapshot's facts as JSON"))
    snap.add_argument("--strict-host-keys", action="store_true",
                      help=_("refuse hosts whose SSH key is not known yet"))
    snap.set_defaults(func=run_snapshot)
    restore = sub.add_parser("restore", help=_("print (and with --yes run) the restore steps"),
                             epilog=_(EPILOG),
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(restore)
    restore.add_argument("snapshot", metavar="SNAPSHOT.db")
    restore.add_argument("--yes", "-y", action="store_true",
                         help=_("run the steps (stops etcd on every member!)"))
    restore.add_argument("--strict-host-keys", action="store_true",
                         help=_("refuse hosts whose SSH key is not known yet"))
    restore.set_defaults(func=run_restore)
    parser.set_defaults(func=lambda _a: (parser.print_help(), 2)[1])


def run_snapshot(args: argparse.Namespace) -> int:
    from kkui.core.day2.etcd import SnapshotFailed, take_snapshot

    doc = valid_document(args)
    if doc is None:
        return 2
    model = doc.model()
    say = (lambda text: print(f"kkui: {shown(text)}", file=sys.stderr)) if not args.json \
        else None
    try:
        snap = take_snapshot(model, Path(args.output), strict_host_keys=args.strict_host_keys,
                             on_step=say)
    except SnapshotFailed as exc:
        print(f"kkui: {shown_error(exc)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(snap.as_dict(), indent=2))
    else:
        print(paint(_("snapshot {path} ({size} bytes, revision {revision}, {keys} keys, from "
                      "{member}, sha256 {sha256})").format(
                          path=snap.path, size=snap.size, revision=snap.revision,
                          keys=snap.total_keys, member=snap.member, sha256=snap.sha256),
                    "green"))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from kkui.core.day2.etcd import RestoreStep, SnapshotFailed, restore_steps
    from kkui.core.day2.etcd import run_restore as restore

    doc = valid_document(args)
    if doc is None:
        return 2
    model = doc.model()
    snapshot = Path(args.snapshot)
    if not snapshot.is_file():
        print(_("kkui: {path}: no such snapshot file").format(path=snapshot), file=sys.stderr)
        return 2
    sums = snapshot.with_name(snapshot.name + ".sha256")
    if sums.is_file():
        import hashlib

        want = sums.read_text().split()[0]
        if hashlib.sha256(snapshot.read_bytes()).hexdigest() != want:
            print(_("kkui: {path} does not match {sums}: refusing to restore it").format(
                path=snapshot, sums=sums.name), file=sys.stderr)
            return 2
    if not args.yes:
        print(_("# restore {name} on every etcd member (run as root; R is empty on a real "
                "host). First copy the snapshot to /var/lib/kkui/ on each member.").format(
                    name=snapshot.name))
        for step in restore_steps(model, snapshot.name):
            print(f"\n# {step.host}: {shown(step.what)}\n{step.script}")
        print("\n" + _("# then: kkui verify -f CONFIG   (add --yes to let kkui run all of "
                       "this)"))
        return 0

    con = console(sys.stdout)

    def show(step: RestoreStep, ok: bool, why: str) -> None:
        # `why` is a member's own output: cleaned and literal (untrusted), never markup
        line(con, status_text("ok" if ok else "fail", pad=4, upper=not ok), " ",
             f"{step.host}: ", str(shown(step.what)), *((": ", str(shown(why))) if why else ()))

    try:
        ok = restore(model, snapshot, strict_host_keys=args.strict_host_keys, on_step=show)
    except SnapshotFailed as exc:
        print(f"kkui: {shown_error(exc)}", file=sys.stderr)
        return 1
    print(paint(_("restored: run `kkui verify -f CONFIG` now") if ok else
                _("the restore stopped at the failed step above: fix it, then run the remaining "
                  "steps (`kkui etcd restore` without --yes prints them)"),
                "green" if ok else "red"))
    return 0 if ok else 1
