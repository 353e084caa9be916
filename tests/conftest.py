"""Shared fixtures. Area-specific fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import netguard
from support.ci_policy import (  # noqa: F401  (hooks: lab skips fail under CI=true, lab count)
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_runtest_makereport,
    pytest_terminal_summary,
)

netguard.install()  # from the first import on, also for session fixtures (the labs)
# The suite asserts kkui's English messages: a developer's zh_CN locale must not change them
# (issue #16); tests/i18n choose the language explicitly. Inherited by every kkui subprocess.
os.environ["KKUI_LANG"] = "en"
REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"


@pytest.fixture(autouse=True)
def network_guard() -> Iterator[None]:
    """No test reaches an address outside loopback and its own lab namespaces (see
    support/netguard.py): the connect raises before any packet, and the test fails here even
    when the code under test swallowed the error."""
    netguard.install()
    netguard.take_violations()
    yield
    blocked = netguard.take_violations()
    if blocked:
        pytest.fail("\n".join(dict.fromkeys(blocked)), pytrace=False)


@pytest.fixture(autouse=True)
def run_history_db(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test (and every kkui it starts) records runs in its own history database, never
    in the user's ~/.local/share/kkui/kkui.db (issue #14)."""
    path = tmp_path_factory.mktemp("kkui-history") / "kkui.db"
    monkeypatch.setenv("KKUI_DB", str(path))
    return path


@pytest.fixture(autouse=True)
def private_state_home(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> Path:
    """The console's recovery copies (kkui.tui.recovery: unsaved edits, with passwords) go to a
    per-test directory, never the user's ~/.local/state/kkui."""
    state = tmp_path_factory.mktemp("kkui-state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    return state


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def kkui_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the real `kkui` command as a subprocess, isolated from the user."""
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "COLUMNS")}
    env.update({
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "NO_COLOR": "1",
        "PYTHONPATH": str(REPO),
    })
    env.pop("KKZONE", None)
    return netguard.subprocess_env(env)  # the kkui subprocess is fenced like the tests


@pytest.fixture
def kkui_cmd() -> list[str]:
    return [sys.executable, "-m", "kkui"]


@pytest.fixture
def zh() -> Iterator[None]:
    """kkui speaks Chinese in this process for the test (issue #16), English again after."""
    from kkui import i18n

    i18n.set_language("zh")
    try:
        yield
    finally:
        i18n.set_language("en")
