"""The TUI's Install screen records its run and honours the cluster lock, like `kkui install`
(the real app headless, the stand-in kk as a real process)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from history.conftest import FAKE_KK, SUPPORT, holder, kkui, write_config

from kkui.core.config.document import ClusterDocument
from kkui.tui.app import KkuiApp
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.kk_prompt import KkPrompt


async def _pause_until(pilot, predicate, timeout: float = 30.0) -> None:
    waited = 0.0
    while not predicate():
        assert waited < timeout, "condition not reached in time"
        await pilot.pause(0.02)
        waited += 0.02


def tui_install(config: Path, workdir: Path) -> str:
    """Install from the Install screen (answering kk's prompt yes); the screen's outcome."""
    async def scenario() -> str:
        app = KkuiApp(ClusterDocument.load(config), workdir=workdir, kk_binary=FAKE_KK,
                      skip_precheck=True, clock=lambda: 0.0)
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            await pilot.press("6")
            await pilot.pause()
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            await pilot.press("y")
            await _pause_until(pilot, lambda: isinstance(app.screen, KkPrompt)
                               or bool(getattr(app.screen, "outcome", "")))
            if isinstance(app.screen, KkPrompt):
                await pilot.press("y")
            await app.workers.wait_for_complete()
            await _pause_until(pilot, lambda: bool(getattr(app.screen, "outcome", "")))
            return f"{app.screen.outcome}\n{app.screen.query_one('#banner').render()}"
    return asyncio.run(scenario())


@pytest.fixture
def tui_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAKE_KK_TRANSCRIPTS", str(SUPPORT / "kk_transcripts"))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FAKE_KK_SCENARIO", "etcd-failure")


def test_a_tui_install_is_a_history_record(tmp_path: Path, env: dict[str, str],
                                           tui_env: None) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    tui_install(config, tmp_path / "work")
    runs = json.loads(kkui(["history", "--json"], env, tmp_path).stdout)["runs"]
    assert [(r["command"], r["outcome"], r["failed_module"]) for r in runs] == [
        ("install", "failed", "ETCDConfigureModule")]
    run = json.loads(kkui(["history", "show", "1", "--json"], env, tmp_path).stdout)
    assert run["argv"] == ["tui"] and run["stages"][0]["name"] == "precheck"
    assert "kk: ETCDConfigureModule" in [s["name"] for s in run["stages"]]


def test_the_tui_install_refuses_a_locked_cluster(tmp_path: Path, env: dict[str, str],
                                                 tui_env: None) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    proc, _ = holder(config, "nodes add", env, "--lock")
    try:
        shown = tui_install(config, tmp_path / "work")
    finally:
        proc.communicate("ok\n", timeout=30)
    flat = " ".join(shown.split())
    assert f"is in use by kkui PID {proc.pid} (`kkui nodes add`" in flat, shown
