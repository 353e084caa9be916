"""``kkui`` command line: a thin layer over :mod:`kkui.core`.

Each sub-command lives in ``kkui/commands/<name>.py`` and exposes ``register(subparsers)``;
the parser it adds sets ``func`` to a callable taking the parsed args and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kkui import __version__
from kkui.core.errors import KkuiError

COMMAND_MODULES = ("config", "precheck", "download", "install", "lb", "tui")

EPILOG = """\
Typical session:
  kkui profiles                                  list the bundled example topologies
  kkui export-config --profile ha-external-lb    write ./config-sample.yaml from one
  kkui validate -f config-sample.yaml            every problem, with how to fix it
  kkui precheck -f config-sample.yaml            SSH into every host, find what breaks kk
  kkui install -f config-sample.yaml             get kk v3 and run `kk create cluster`
  kkui                                           the guided console (TUI)

kkui drives KubeKey v3 (kk v3.1.x). kk v4 uses a different config format and is not supported.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kkui",
        description="A guided console for building highly available Kubernetes clusters "
        "with KubeKey v3. Run without arguments to open the TUI.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kkui {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"kkui.commands.{name}")
        except ModuleNotFoundError as exc:  # a command still being built: leave it out
            if exc.name == f"kkui.commands.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:
        args_list = ["tui"]
    args = parser.parse_args(args_list)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except KkuiError as exc:
        print(f"kkui: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nkkui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
