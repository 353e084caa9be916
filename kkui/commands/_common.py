"""Pieces shared by the sub-commands: loading the config, printing problems, JSON output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kkui.commands.console import console, line
from kkui.core.errors import ConfigError
from kkui.i18n import L_, N_, _, shown

if TYPE_CHECKING:  # ruamel.yaml loads when a config is read, not for --help
    from rich.console import Console as RichConsole
    from rich.text import Text

    from kkui.core.config import ClusterDocument, Problem

DEFAULT_CONFIG = "config-sample.yaml"


def add_config_args(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("-f", "--config", metavar="FILE",
                       help=_("KubeKey config file (default: ./{file})").format(
                           file=DEFAULT_CONFIG))
    group.add_argument("--profile", metavar="NAME",
                       help=_("a bundled profile instead of a file (see `kkui profiles`)"))


def load_config(args: argparse.Namespace) -> ClusterDocument:
    """The document named by -f/--profile, else ./config-sample.yaml."""
    from kkui.core.config.document import ClusterDocument

    if getattr(args, "profile", None):
        return ClusterDocument.from_profile(args.profile)
    path = getattr(args, "config", None) or DEFAULT_CONFIG
    if path == "-":
        return ClusterDocument.from_text(read_stdin(), source="<stdin>")
    if not getattr(args, "config", None) and not Path(path).exists():
        raise ConfigError(L_("no -f FILE given and no ./{file} here: pass -f FILE, "
                             "--profile NAME, or create one with `kkui export-config`",
                             file=DEFAULT_CONFIG))
    return ClusterDocument.load(path)


def read_stdin() -> str:
    """``-f -``: at most MAX_INPUT_BYTES of UTF-8 (``yes | kkui validate -f -`` must end)."""
    from kkui.core.fsutil import MAX_INPUT_BYTES  # fsutil (hashlib, secrets) not for --help

    raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    if len(raw) > MAX_INPUT_BYTES:
        raise ConfigError(L_("<stdin>: larger than {mib} MiB: not a KubeKey config",
                             mib=MAX_INPUT_BYTES >> 20))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(L_("not UTF-8 text (byte {offset})", offset=exc.start),
                          path="<stdin>") from None


def print_problems(problems: list[Problem], stream: Any = None) -> None:
    """``error: PATH: MESSAGE`` per problem; path and message come from the file: literal.
    The severity word and the message are shown in the user's language (kkui.i18n)."""
    con = console(sys.stdout if stream is None else stream)
    for problem in problems:
        line(con, severity_text(problem.severity), f": {problem.path}: {shown(problem.message)}")


def severity_text(word: str) -> Text:
    """``error``/``warning`` in its colour and the user's language."""
    from kkui.commands.console import STATUS_STYLE, styled

    return styled(_(SEVERITY.get(word, word)), STATUS_STYLE.get(word, ""))


# the severities of kkui.core.config.problem, as they are shown (ids for the catalog)
SEVERITY = {"error": N_("error"), "warning": N_("warning")}


def show_problems(problems: list[Problem], con: RichConsole | None = None) -> None:
    """``kkui validate``'s list: a severity | field | problem table on a terminal (wrapped to
    its width), :func:`print_problems` lines on a pipe."""
    from kkui.commands.console import PIPE_WIDTH, add_row, table

    con = console(sys.stdout) if con is None else con
    if con.width >= PIPE_WIDTH or not problems:
        print_problems(problems, con.file)
        return
    grid = table(_("severity"), _("field"), _("problem"))
    grid.columns[0].no_wrap = True
    for problem in problems:
        add_row(grid, [severity_text(problem.severity), problem.path, shown(problem.message)])
    con.print(grid)


def problem_counts(problems: list[Problem]) -> tuple[int, int]:
    errors = sum(p.severity == "error" for p in problems)
    return errors, len(problems) - errors


def print_json(data: Any) -> None:
    import json  # not for --help

    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def positive_float(text: str) -> float:
    """argparse type for seconds and other quantities that must be > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a number: {text}").format(text=repr(text))
                                         ) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(_("must be greater than 0"))
    return value


def valid_document(args: argparse.Namespace) -> ClusterDocument | None:
    """The config, or None after printing its errors (the caller exits 2): every command that
    touches hosts refuses a config with errors, as `kkui validate` lists them."""
    doc = load_config(args)
    errors = [p for p in doc.validate() if p.severity == "error"]
    if errors:
        print(_("kkui: the config has errors; fix them first (kkui validate shows them all):"),
              file=sys.stderr)
        print_problems(errors, sys.stderr)
        return None
    return doc
