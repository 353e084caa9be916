"""Shared fixtures. Area-specific fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"


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
    return env


@pytest.fixture
def kkui_cmd() -> list[str]:
    return [sys.executable, "-m", "kkui"]
