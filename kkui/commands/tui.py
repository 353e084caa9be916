"""``kkui tui``: the guided console (also what plain ``kkui`` opens)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kkui.commands._common import DEFAULT_CONFIG, add_config_args, load_config

EPILOG = """\
Examples:
  kkui                               open ./config-sample.yaml, or pick a bundled profile
  kkui tui -f cluster.yaml           edit and install cluster.yaml
  kkui tui --profile ha-external-lb  start from a profile (ctrl+s asks where to save)

Screens (keys 1-8; alt+1-8 also from inside a text field, esc leaves a field): Hosts,
Roles, Cluster, Review, Precheck, Install, LB pair, Verify. ? lists the keys of the screen,
ctrl+p opens the command palette. `-f new.yaml` for a file that does not exist yet offers
to start a blank config there.
ctrl+s saves (atomic, 0600, previous file kept as .bak); ctrl+q quits and asks first when
there are unsaved changes. Nothing connects to any host until you run precheck or install.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "tui", help="the guided console (default when kkui runs without arguments)",
        description="Edit hosts, roles and cluster settings, review every problem, run the "
        "SSH precheck and watch `kk create cluster` — keyboard first, mouse works too.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    parser.add_argument("--workdir", metavar="DIR", type=Path,
                        help="where kk runs and keeps its downloads (default: "
                        "kkui-work/<metadata.name> beside the config file; in the current "
                        "directory for a profile)")
    parser.add_argument("--kk", metavar="PATH", type=Path, dest="kk_binary",
                        help="use this kk binary instead of downloading kk")
    parser.add_argument("--skip-precheck", action="store_true",
                        help="let Install start kk without kkui's precheck passing (as "
                        "`kkui install --skip-precheck`)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kkui.tui.app import KkuiApp

    doc = None
    create_path = None
    if args.config and args.config != "-" and not args.profile and \
            not Path(args.config).exists():
        create_path = Path(args.config)  # the console offers to start it blank
    elif args.config or args.profile or Path(DEFAULT_CONFIG).exists():
        doc = load_config(args)
    app = KkuiApp(doc, workdir=args.workdir, kk_binary=args.kk_binary,
                  skip_precheck=args.skip_precheck, create_path=create_path)
    result = app.run()
    if result is None and app.return_code:  # a crash: the one line is printed already
        return int(app.return_code)
    return int(result or 0)
