"""`kkui --help` and `kkui <command> --help` import only what they need (issue #11): no SSH
(paramiko), HTTP (httpx), TUI (textual, rich), YAML (ruamel.yaml) or process (psutil) library
for printing help. Each case runs in a fresh interpreter and lists the heavy modules loaded.
The timing against a bare interpreter is in bench/cli_help.py and BENCHMARKS.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("paramiko", "httpx", "textual", "rich", "ruamel", "psutil", "cryptography")
PROBE = """
import contextlib, io, json, sys
from kkui.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main(sys.argv[2:])
loaded = sorted(sys.modules)
if sys.argv[1] == "heavy":
    loaded = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
else:
    loaded = [m for m in loaded if m.startswith("kkui.commands.")]
print(json.dumps(loaded))
""".replace("HEAVY", repr(HEAVY))


def loaded_for(kind: str, *args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, kind, *args], capture_output=True,
                            text=True, timeout=60, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("install", "--help"),
                                  ("precheck", "--help"), ("tui", "--help"),
                                  ("validate", "--help"), ("download", "--help"),
                                  ("lb", "--help")])
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    assert loaded_for("heavy", *args) == [], f"`kkui {' '.join(args)}` imported them"


def test_a_command_help_imports_only_its_own_module() -> None:
    assert loaded_for("commands", "install", "--help") == [
        "kkui.commands._common", "kkui.commands.console",  # the shared output module (#17)
        "kkui.commands.download", "kkui.commands.index", "kkui.commands.install"]


def test_kkui_help_lists_commands_without_importing_them() -> None:
    assert loaded_for("commands", "--help") == ["kkui.commands.index"]


def test_the_command_index_matches_what_each_module_registers() -> None:
    """kkui/commands/index.py is what `kkui --help` lists: each command module must register
    exactly its words there, with the same one-line summaries."""
    import argparse
    import importlib
    import importlib.util

    from kkui.cli import COMMAND_MODULES
    from kkui.commands.index import COMMANDS

    registered: dict[str, tuple[str, str]] = {}
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(f"kkui.commands.{name}") is None:
            continue  # listed for the future, not written yet
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"kkui.commands.{name}").register(sub)
        for action in sub._choices_actions:  # noqa: SLF001 - argparse keeps them only here
            registered[action.dest] = (name, action.help or "")
    assert registered == {w: e for w, e in COMMANDS.items() if w in registered}, \
        "a command's summary differs from kkui/commands/index.py"
    missing = sorted(set(registered) - set(COMMANDS))
    assert not missing, f"add {missing} to kkui/commands/index.py (what `kkui --help` lists)"
