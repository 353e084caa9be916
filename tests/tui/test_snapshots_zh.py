"""Snapshot tests of every screen and the main dialogs in Chinese at 80x24 (issue #16).

The same scenes as the English snapshots and the README screenshots (screenshots/scenes.py),
with the console in Chinese at the smallest supported terminal. After an intended visual
change: ``.venv/bin/pytest tests/tui/test_snapshots_zh.py --snapshot-update -k zh`` and review
the SVGs under tests/tui/__snapshots__/ (``rsvg-convert`` needs a CJK font, e.g. Debian
``fonts-wqy-microhei``, to show the characters). The Cluster ops screen is left out until its
footer fits 80 columns in Chinese.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kkui import i18n

SCENES_FILE = Path(__file__).resolve().parents[2] / "screenshots" / "scenes.py"


def _scenes():
    """The scenes module (shared with test_snapshots.py: one copy in sys.modules)."""
    if "kkui_scenes" not in sys.modules:
        spec = importlib.util.spec_from_file_location("kkui_scenes", SCENES_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["kkui_scenes"] = module
        spec.loader.exec_module(module)
    return sys.modules["kkui_scenes"]


scenes = _scenes()

ZH_SIZE = (80, 24)
ZH_SCENES = [s for s in scenes.SCENES if s.name != "ops"]


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


@pytest.mark.parametrize("scene", ZH_SCENES, ids=[s.name for s in ZH_SCENES])
def test_zh_screen_snapshot(scene, snap_compare, chinese: None) -> None:
    assert snap_compare(scene.make_app(), run_before=scene.run_before, terminal_size=ZH_SIZE)


# ------------------------------------------------------------------ dialogs outside the scenes
def _picker_app():
    from kkui.tui.app import KkuiApp

    return KkuiApp(None, clock=lambda: 0.0)


async def _quit_dialog(pilot) -> None:
    from kkui.tui.modals.confirm import ConfirmQuit

    await pilot.pause()
    await pilot.app.push_screen(ConfirmQuit(modified=True, running=[i18n._("the precheck")]))
    await pilot.pause()


async def _save_as(pilot) -> None:
    await pilot.pause()
    await pilot.press("ctrl+s")  # a profile has no file yet: the save-as dialog
    await pilot.pause()


async def _install_confirm(pilot) -> None:
    await pilot.pause()
    await pilot.press("i")  # the plan dialog; nothing runs before yes
    await pilot.pause()


def _install_app_fixed_workdir():
    """The scene's install app with a workdir that does not depend on where the tests run
    (the dialog names it); nothing is written before yes."""
    from pathlib import Path

    app = scenes.install_app()
    app.workdir = Path("/srv/kkui-work/ha-external-lb")
    return app


DIALOGS = {
    "profile-picker": (_picker_app, None),
    "quit": (scenes.profile_app, _quit_dialog),
    "save-as": (scenes.profile_app, _save_as),
    "install-confirm": (_install_app_fixed_workdir, _install_confirm),
}


@pytest.mark.parametrize("name", list(DIALOGS))
def test_zh_dialog_snapshot(name: str, snap_compare, chinese: None) -> None:
    make, before = DIALOGS[name]
    assert snap_compare(make(), run_before=before, terminal_size=ZH_SIZE)
