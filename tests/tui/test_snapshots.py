"""Snapshot tests of every screen at a fixed size (pytest-textual-snapshot).

The scenes are the same as the README screenshots (screenshots/scenes.py).  After an
intended visual change: ``.venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update``
and review the SVGs under tests/tui/__snapshots__/.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCENES_FILE = Path(__file__).resolve().parents[2] / "screenshots" / "scenes.py"


def _load_scenes():
    spec = importlib.util.spec_from_file_location("kkui_scenes", SCENES_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kkui_scenes"] = module
    spec.loader.exec_module(module)
    return module


scenes = _load_scenes()


@pytest.mark.parametrize("scene", scenes.SCENES, ids=[s.name for s in scenes.SCENES])
def test_screen_snapshot(scene, snap_compare) -> None:
    assert snap_compare(scene.make_app(), run_before=scene.run_before,
                        terminal_size=scenes.SIZE)


def test_hosts_at_80x24(snap_compare) -> None:
    assert snap_compare(scenes.profile_app(), terminal_size=(80, 24))


def test_install_failure_at_80x24(snap_compare) -> None:
    scene = next(s for s in scenes.SCENES if s.name == "install-failed")
    assert snap_compare(scene.make_app(), run_before=scene.run_before, terminal_size=(80, 24))
