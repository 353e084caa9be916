"""``kkui upgrade --to vX.Y.Z``: one step of ``kk upgrade --with-kubernetes``, checked first."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any

from kkui.commands._common import add_config_args, load_config
from kkui.commands._kk_op import add_kk_args
from kkui.i18n import N_, _, shown

EPILOG = N_("""\
what happens, in order:
  1. --to must be in kk v3.1.12's supported list and one step from the version the cluster
     runs now (read from the API server over SSH on a control-plane node: kubectl get --raw
     /version): a newer patch of the same minor, or the next minor (kubeadm cannot skip one)
  2. kkui's precheck of every host (skip with --skip-precheck)
  3. `./kk upgrade --with-kubernetes vX.Y.Z -f config-sample.yaml` in the workdir (as `kkui
     install` runs kk); kk asks `Continue upgrading cluster? [yes/no]` (you, or --yes)
  4. `kkui verify`, then spec.kubernetes.version in your config is set to vX.Y.Z in place
     (comments and layout kept)

exit status: 0 upgraded and verified; 1 kk failed, a precheck failure or a verify failure;
2 bad config, a version kkui refuses, or options; 130 interrupted.

examples:
  kkui upgrade -f config-sample.yaml --to v1.29.15
  kkui upgrade -f config-sample.yaml --to v1.29.15 --yes --kk ./kk --workdir /opt/kk/prod
  kkui upgrade -f config-sample.yaml --check      # which versions are one step away
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "upgrade", help=_("upgrade Kubernetes one step with `kk upgrade`, verify, update the "
                          "config"),
        description=_("Upgrade the cluster's Kubernetes to the next patch or minor version "
                      "with kk, after checking the step against the running version."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="vX.Y.Z",
                        help=_("the Kubernetes version to upgrade to"))
    target.add_argument("--check", action="store_true",
                        help=_("only print the running version and the versions one step away"))
    add_kk_args(parser, what=N_("upgrade"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kkui.commands._kk_op import plan_from_args, run_kk_operation, verify_after
    from kkui.core.day2.upgrade import check_target, next_steps, running_version

    doc = load_config(args)
    model = doc.model()
    out: IO[str] = sys.stderr if args.json else sys.stdout
    running = running_version(model)
    print(_("kkui: the cluster runs Kubernetes {version} (asked on {via})").format(
        version=running.version, via=running.via), file=out, flush=True)
    if args.check:
        steps = next_steps(running.version)
        print(_("one step away: {versions}").format(
            versions=", ".join(steps) if steps else _("nothing kk v3.1.12 supports")))
        return 0
    target = check_target(running.version, args.to)
    plan = plan_from_args(args, doc, "upgrade", target)

    def after(plan: Any, run: Any, out: IO[str]) -> int:
        from kkui.core.day2.flows import set_upgraded_version

        code = verify_after(plan.model, out, run)
        print(f"kkui: {shown(set_upgraded_version(doc, target))}", file=out, flush=True)
        if args.json:
            print(json.dumps({"upgrade": {"from": running.version, "to": target,
                                          "config": str(doc.path), "verified": code == 0}}),
                  flush=True)
        return code

    return run_kk_operation(args, doc, plan, "upgrade", after=after)
