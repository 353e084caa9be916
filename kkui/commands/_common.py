"""Pieces shared by the sub-commands: loading the config, printing problems, JSON output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from kkui.core.config import ClusterDocument, Problem
from kkui.core.errors import ConfigError

DEFAULT_CONFIG = "config-sample.yaml"


def add_config_args(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument("-f", "--config", metavar="FILE",
                       help=f"KubeKey config file (default: ./{DEFAULT_CONFIG})")
    group.add_argument("--profile", metavar="NAME",
                       help="a bundled profile instead of a file (see `kkui profiles`)")


def load_config(args: argparse.Namespace) -> ClusterDocument:
    """The document named by -f/--profile, else ./config-sample.yaml."""
    if getattr(args, "profile", None):
        return ClusterDocument.from_profile(args.profile)
    path = getattr(args, "config", None) or DEFAULT_CONFIG
    if path == "-":
        return ClusterDocument.from_text(sys.stdin.read(), source="<stdin>")
    if not getattr(args, "config", None) and not Path(path).exists():
        raise ConfigError(f"no -f FILE given and no ./{DEFAULT_CONFIG} here: pass -f FILE, "
                          "--profile NAME, or create one with `kkui export-config`")
    return ClusterDocument.load(path)


def use_color(stream: Any = sys.stdout) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def paint(text: str, color: str, stream: Any = sys.stdout) -> str:
    codes = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2"}
    return f"\x1b[{codes[color]}m{text}\x1b[0m" if use_color(stream) else text


def print_problems(problems: list[Problem], stream: Any = sys.stdout) -> None:
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
