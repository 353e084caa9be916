"""Pieces shared by the sub-commands: loading the config, printing problems, JSON output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kkui.core.errors import ConfigError
from kkui.core.fsutil import MAX_INPUT_BYTES

if TYPE_CHECKING:  # ruamel.yaml loads when a config is read, not for --help
    from kkui.core.config import ClusterDocument, Problem

DEFAULT_CONFIG = "config-sample.yaml"


def add_config_args(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("-f", "--config", metavar="FILE",
                       help=f"KubeKey config file (default: ./{DEFAULT_CONFIG})")
    group.add_argument("--profile", metavar="NAME",
                       help="a bundled profile instead of a file (see `kkui profiles`)")


def load_config(args: argparse.Namespace) -> ClusterDocument:
    """The document named by -f/--profile, else ./config-sample.yaml."""
    from kkui.core.config.document import ClusterDocument

    if getattr(args, "profile", None):
        return ClusterDocument.from_profile(args.profile)
    path = getattr(args, "config", None) or DEFAULT_CONFIG
    if path == "-":
        return ClusterDocument.from_text(read_stdin(), source="<stdin>")
    if not getattr(args, "config", None) and not Path(path).exists():
        raise ConfigError(f"no -f FILE given and no ./{DEFAULT_CONFIG} here: pass -f FILE, "
                          "--profile NAME, or create one with `kkui export-config`")
    return ClusterDocument.load(path)


def read_stdin() -> str:
    """``-f -``: at most MAX_INPUT_BYTES of UTF-8 (``yes | kkui validate -f -`` must end)."""
    raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    if len(raw) > MAX_INPUT_BYTES:
        raise ConfigError(f"<stdin>: larger than {MAX_INPUT_BYTES >> 20} MiB: not a KubeKey "
                          "config")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start})", path="<stdin>") from None


def use_color(stream: Any = None) -> bool:
    # None = the sys.stdout of *now* (a default of sys.stdout would be the one at import time)
    stream = sys.stdout if stream is None else stream
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def paint(text: str, color: str, stream: Any = None) -> str:
    codes = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2"}
    return f"\x1b[{codes[color]}m{text}\x1b[0m" if use_color(stream) else text


def print_problems(problems: list[Problem], stream: Any = None) -> None:
    stream = sys.stdout if stream is None else stream
    for problem in problems:
        tag = paint("error", "red", stream) if problem.severity == "error" else \
            paint("warning", "yellow", stream)
        print(f"{tag}: {problem.path}: {problem.message}", file=stream)


def problem_counts(problems: list[Problem]) -> tuple[int, int]:
    errors = sum(p.severity == "error" for p in problems)
    return errors, len(problems) - errors


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def positive_float(text: str) -> float:
    """argparse type for seconds and other quantities that must be > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def valid_document(args: argparse.Namespace) -> ClusterDocument | None:
    """The config, or None after printing its errors (the caller exits 2): every command that
    touches hosts refuses a config with errors, as `kkui validate` lists them."""
    doc = load_config(args)
    errors = [p for p in doc.validate() if p.severity == "error"]
    if errors:
        print("kkui: the config has errors; fix them first (kkui validate shows them all):",
              file=sys.stderr)
        print_problems(errors, sys.stderr)
        return None
    return doc
