"""``kkui tui``: the guided console (also what plain ``kkui`` opens)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kkui.commands._common import DEFAULT_CONFIG, add_config_args, load_config
from kkui.i18n import N_, _

EPILOG = N_("""\
Examples:
  kkui                               open ./config-sample.yaml, or pick a bundled profile
  kkui tui -f cluster.yaml           edit and install cluster.yaml
  kkui tui --profile ha-external-lb  start from a profile (ctrl+s asks where to save)
""")
# the screens paragraph lists kkui/tui/navigation.py's screens (the one list of them)
SCREENS_HELP = N_("Screens, keys {keys} in this order (alt+digit also from inside a text "
                  "field; esc leaves a field): {screens}. ? lists the keys of the screen, "
                  "ctrl+p opens the command palette. `-f new.yaml` for a file that does not "
                  "exist yet offers to start a blank config there.")
SAVE_HELP = N_("ctrl+s saves (atomic, 0600, previous file kept as .bak); ctrl+q quits and "
               "asks first when there are unsaved changes. Nothing connects to any host until "
               "you run precheck or install.")
HELP_WIDTH = 78  # argparse's width on an 80-column terminal


def _epilog() -> str:
    from kkui.i18n.width import wrap
    from kkui.tui.navigation import SCREENS, screen_digit  # titles only: no Textual

    keys = " ".join(screen_digit(i) for i in range(1, len(SCREENS) + 1))
    screens = _(", ").join(_(title) for _mode, title in SCREENS)
    paragraphs = (_(SCREENS_HELP).format(keys=keys, screens=screens), _(SAVE_HELP))
    return _(EPILOG) + "\n" + "".join("\n".join(wrap(p, HELP_WIDTH)) + "\n"
                                      for p in paragraphs)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "tui", help="the guided console (default when kkui runs without arguments)",
        description=_("Edit hosts, roles and cluster settings, review every problem, run the "
                      "SSH precheck and watch `kk create cluster` — keyboard first, mouse "
                      "works too."),
        epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    parser.add_argument("--workdir", metavar="DIR", type=Path,
                        help=_("where kk runs and keeps its downloads (default: "
                               "kkui-work/<metadata.name> beside the config file; in the "
                               "current directory for a profile)"))
    parser.add_argument("--kk", metavar="PATH", type=Path, dest="kk_binary",
                        help=_("use this kk binary instead of downloading kk"))
    parser.add_argument("--skip-precheck", action="store_true",
                        help=_("let Install start kk without kkui's precheck passing (as "
                               "`kkui install --skip-precheck`)"))
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
