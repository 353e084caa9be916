"""``kkui`` command line: a thin layer over :mod:`kkui.core`.

Each sub-command lives in ``kkui/commands/<name>.py`` and exposes ``register(subparsers)``;
the parser it adds sets ``func`` to a callable taking the parsed args and returning an exit code.
Its word and one-line summary also go in ``kkui/commands/index.py``: `kkui --help` lists the
commands from there without importing them (tests/test_startup.py keeps the two equal).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from kkui import __version__, i18n
from kkui.commands.index import COMMANDS
from kkui.core.errors import KkuiError

COMMAND_MODULES = (
    "config", "precheck", "download", "install", "lb", "verify", "drill", "triage", "bundle",
    "history", "nodes", "upgrade", "certs", "etcd", "delete", "report", "tui",
)

# Command words whose module has another name (config.py registers three commands).
COMMAND_ALIASES = {word: module for word, (module, _) in COMMANDS.items() if word != module}

DESCRIPTION = i18n.N_("A guided console for building highly available Kubernetes clusters "
                      "with KubeKey v3. Run without arguments to open the TUI.")

EPILOG = i18n.N_("""\
Typical session:
  kkui profiles                                  list the bundled example topologies
  kkui export-config --profile ha-external-lb    write ./config-sample.yaml from one
  kkui validate -f config-sample.yaml            every problem, with how to fix it
  kkui precheck -f config-sample.yaml            SSH into every host, find what breaks kk
  kkui install -f config-sample.yaml             get kk v3 and run `kk create cluster`
  kkui                                           the guided console (TUI)

kkui drives KubeKey v3 (kk v3.1.x). kk v4 uses a different config format and is not supported.
""")


def build_parser(modules: Sequence[str] = COMMAND_MODULES, *,
                 listing: bool = False) -> argparse.ArgumentParser:
    """The parser with the commands of ``modules`` (all by default; `kkui install --help` needs
    only install's module, `kkui --version` none). ``listing``: the commands of the index
    (kkui/commands/index.py) as bare entries, for `kkui --help`, without importing them."""
    _ = i18n._  # the language is chosen before the parser is built (main: --lang)
    parser = argparse.ArgumentParser(
        prog="kkui",
        description=_(DESCRIPTION),
        epilog=_(EPILOG),
        formatter_class=RawHelp,
    )
    parser.add_argument("--version", action="version", version=f"kkui {__version__}",
                        help=_("show kkui's version and exit"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, metavar="zh|en",
                        help=_("language of messages and help (default: KKUI_LANG, then "
                               "LC_ALL/LC_MESSAGES/LANG); --json output never changes"))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    if listing:
        listed = {m for m, _ in COMMANDS.values() if m in COMMAND_MODULES and _exists(m)}
        for word, (module_name, summary) in COMMANDS.items():
            if module_name in listed:
                subparsers.add_parser(word, help=summary, add_help=False)
        modules = [m for m in modules if m not in listed]  # not in the index: import it
    for name in modules:
        try:
            module = importlib.import_module(f"kkui.commands.{name}")
        except ModuleNotFoundError as exc:  # a command still being built: leave it out
            if exc.name == f"kkui.commands.{name}":
                continue
            raise
        module.register(subparsers)
    for action in subparsers._choices_actions:  # noqa: SLF001 - the command list of --help
        action.help = _(action.help) if action.help else action.help  # ids: commands/index.py
    return parser


def modules_for(args_list: Sequence[str]) -> Sequence[str]:
    """The command modules ``kkui ARGS`` needs: the one of its command word, none for
    `--version`, every one for `kkui --help` or an unknown word (argparse lists them)."""
    word = args_list[0] if args_list else ""
    if word == "--version":
        return ()
    name = COMMAND_ALIASES.get(word, word)
    if name not in COMMAND_MODULES or not _exists(name):
        return COMMAND_MODULES
    return (name,)


def _leading_lang(args_list: Sequence[str]) -> tuple[str | None, Sequence[str]]:
    """``--lang X`` / ``--lang=X`` given before the command word: its value and what follows.
    An invalid value is left to argparse (its choices error)."""
    first = args_list[0] if args_list else ""
    if first.startswith("--lang="):
        value, rest = first.split("=", 1)[1], args_list[1:]
    elif first == "--lang" and len(args_list) > 1:
        value, rest = args_list[1], args_list[2:]
    else:
        return None, args_list
    return (value if value in i18n.LANGUAGES else None), rest


def help_width() -> int:
    """argparse's default help width without its ``import shutil`` (which loads bz2, lzma and
    zlib: ~2 ms of each `--help`, bench/cli_help.py): shutil.get_terminal_size's rules —
    ``COLUMNS``, then the terminal on stdout, then 80 — minus the 2 columns argparse keeps."""
    import os

    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns if columns > 0 else 80) - 2


class RawHelp(argparse.RawDescriptionHelpFormatter):
    """argparse's raw-description help at :func:`help_width` (a command's formatter may
    derive from it: `kkui precheck --help` does)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         help_width() if width is None else width)


def _exists(module: str) -> bool:
    """A command module may still be being built (listed in COMMAND_MODULES, no file yet)."""
    return importlib.util.find_spec(f"kkui.commands.{module}") is not None


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    lang, rest = _leading_lang(args_list)
    i18n.set_language(lang)  # before any parser: help strings are translated when built
    if not rest:  # `kkui` or `kkui --lang zh`: the TUI
        args_list.append("tui")
        rest = ["tui"]
    modules = modules_for(rest)
    parser = build_parser(modules, listing=modules == COMMAND_MODULES)
    args = parser.parse_args(args_list)
    args.kkui_argv = tuple(args_list)  # what the run history records (kkui.core.runs)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    from kkui.core import signals  # SIGTERM/SIGHUP stop kkui like Ctrl-C (exit 143/129)

    signals.install_cli_handlers()
    try:
        code = int(func(args) or 0)
        if signals.received() is not None:  # the command stopped its work (kk) and returned
            print(i18n._("kkui: stopped by {signal}").format(signal=signals.signal_name()),
                  file=sys.stderr)
        return signals.exit_code(code)
    except KkuiError as exc:
        from kkui.core.errors import shown_error

        print(i18n._("kkui: error: {error}").format(error=shown_error(exc)), file=sys.stderr)
        return signals.exit_code(exc.exit_code)
    except KeyboardInterrupt as exc:
        why = i18n._("stopped by {signal}").format(signal=exc) \
            if isinstance(exc, signals.Terminated) else i18n._("interrupted")
        print(f"\nkkui: {why}", file=sys.stderr)
        return signals.exit_code(130)
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the machine, not kkui: a full disk, a vanished directory ...
        where = f": {exc.filename}" if exc.filename else ""
        print(i18n._("kkui: error: {error}").format(
            error=f"{exc.strerror or type(exc).__name__}{where}"), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line + a secret-free report file, never a traceback
        from kkui.core import crash

        command = " ".join(str(getattr(args, key)) for key in ("command", "lb_command")
                           if getattr(args, key, None))
        return crash.handle(exc, command)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
