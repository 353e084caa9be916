"""``kkui etcd snapshot|restore``: etcd backups of a kk cluster, and their restore."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kkui.commands._common import add_config_args, valid_document
from kkui.commands.console import paint

EPILOG = """\
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
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "etcd", help="etcd snapshot (backup) and restore of the cluster's kk-managed etcd",
        description="Back up etcd from a healthy member, or restore every member from a "
        "snapshot.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="etcd_command", metavar="snapshot|restore")
    snap = sub.add_parser("snapshot", help="take a snapshot and copy it here",
                          epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(snap)
    snap.add_argument("-o", "--output", default=".", metavar="DIR",
                      help="where to keep the snapshot (default: here)")
    snap.add_argument("--json", action="store_true", help="print the snapshot's facts as JSON")
    snap.add_argument("--strict-host-keys", action="store_true")
    snap.set_defaults(func=run_snapshot)
    restore = sub.add_parser("restore", help="print (and with --yes run) the restore steps",
                             epilog=EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(restore)
    restore.add_argument("snapshot", metavar="SNAPSHOT.db")
    restore.add_argument("--yes", "-y", action="store_true",
                         help="run the steps (stops etcd on every member!)")
    restore.add_argument("--strict-host-keys", action="store_true")
    restore.set_defaults(func=run_restore)
    parser.set_defaults(func=lambda _a: (parser.print_help(), 2)[1])


def run_snapshot(args: argparse.Namespace) -> int:
    from kkui.core.day2.etcd import SnapshotFailed, take_snapshot

    doc = valid_document(args)
    if doc is None:
        return 2
    model = doc.model()
    say = (lambda text: print(f"kkui: {text}", file=sys.stderr)) if not args.json else None
    try:
        snap = take_snapshot(model, Path(args.output), strict_host_keys=args.strict_host_keys,
                             on_step=say)
    except SnapshotFailed as exc:
        print(f"kkui: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(snap.as_dict(), indent=2))
    else:
        print(paint(f"snapshot {snap.path} ({snap.size} bytes, revision {snap.revision}, "
                    f"{snap.total_keys} keys, from {snap.member}, sha256 {snap.sha256})",
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
        print(f"kkui: {snapshot}: no such snapshot file", file=sys.stderr)
        return 2
    sums = snapshot.with_name(snapshot.name + ".sha256")
    if sums.is_file():
        import hashlib

        want = sums.read_text().split()[0]
        if hashlib.sha256(snapshot.read_bytes()).hexdigest() != want:
            print(f"kkui: {snapshot} does not match {sums.name}: refusing to restore it",
                  file=sys.stderr)
            return 2
    if not args.yes:
        print(f"# restore {snapshot.name} on every etcd member (run as root; R is empty on a "
              "real host). First copy the snapshot to /var/lib/kkui/ on each member.")
        for step in restore_steps(model, snapshot.name):
            print(f"\n# {step.host}: {step.what}\n{step.script}")
        print("\n# then: kkui verify -f CONFIG   (add --yes to let kkui run all of this)")
        return 0

    def show(step: RestoreStep, ok: bool, why: str) -> None:
        mark = paint("ok  ", "green") if ok else paint("FAIL", "red")
        print(f"{mark} {step.host}: {step.what}" + (f": {why}" if why else ""), flush=True)

    try:
        ok = restore(model, snapshot, strict_host_keys=args.strict_host_keys, on_step=show)
    except SnapshotFailed as exc:
        print(f"kkui: {exc}", file=sys.stderr)
        return 1
    print(paint("restored: run `kkui verify -f CONFIG` now" if ok else
                "the restore stopped at the failed step above: fix it, then run the remaining "
                "steps (`kkui etcd restore` without --yes prints them)", "green" if ok else "red"))
    return 0 if ok else 1
