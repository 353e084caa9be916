"""Install flow against the fake kk (a real subprocess replaying kk transcripts)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import psutil
import pytest
from textual.widgets import DataTable

from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.kk_prompt import KkPrompt
from kkui.tui.widgets.log_pane import LogPane

from .conftest import FAKE_KK, SIZE, TRANSCRIPTS


async def wait_until(pilot, predicate, timeout: float = 20.0) -> None:
    """Let the app run until ``predicate()`` holds (the worker is a real process)."""
    loop_time = 0.0
    while not predicate():
        assert loop_time < timeout, "condition not reached in time"
        await pilot.pause(0.02)
        loop_time += 0.02


@pytest.fixture
def fake_kk_env(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("FAKE_KK_TRANSCRIPTS", str(TRANSCRIPTS))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def scenario(name: str) -> None:
        monkeypatch.setenv("FAKE_KK_SCENARIO", name)

    return scenario


async def start_install(pilot) -> None:
    await pilot.press("6")
    await pilot.pause()
    await pilot.press("i")
    await pilot.pause()
    assert isinstance(pilot.app.screen, Confirm)
    await pilot.press("y")


def banner(app) -> str:
    return str(app.screen.query_one("#banner").render())


async def test_install_success_through_the_prompt_modal(make_app, config_path, fake_kk_env,
                                                        tmp_path) -> None:
    fake_kk_env("success")
    app = make_app(config_path, kk_binary=FAKE_KK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        prompt = app.screen
        table = prompt.query_one("#kk-table", DataTable)
        assert table.row_count == 3  # node1..node3 of kk's precheck table
        assert "Continue this installation?" in str(prompt.query_one("#dialog-title").render())
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert "Cluster installed" in banner(app)
        assert screen.progress.outcome == "succeeded"
        pane = screen.query_one(LogPane)
        assert "Installation is complete." in pane.visible_text()
        log_path = screen.log_path
        assert log_path is not None and stat.S_IMODE(log_path.stat().st_mode) == 0o600
        assert "execute successfully" in log_path.read_text()
        work = tmp_path / "work"
        assert (work / "kk").exists() and (work / "config-sample.yaml").exists()
        # Saving the log copies the full tee file.
        os.chdir(tmp_path)
        await pilot.press("s")
        await pilot.pause()
        saved = list(tmp_path.glob("kkui-install-*.log"))
        assert saved and saved[0].read_text() == log_path.read_text()


async def test_install_failure_names_module_hosts_and_hint(make_app, config_path,
                                                           fake_kk_env) -> None:
    fake_kk_env("etcd-failure")
    app = make_app(config_path, kk_binary=FAKE_KK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = banner(app)
        assert "Install failed in ETCDConfigureModule on node1" in text
        assert "Hint: etcd health check kept failing" in text
        hosts = app.screen.query_one("#install-hosts", DataTable)
        assert "failed" in str(hosts.get_row("node1")[1])


async def test_declining_the_prompt_stops_kk(make_app, config_path, fake_kk_env) -> None:
    fake_kk_env("success")
    app = make_app(config_path, kk_binary=FAKE_KK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "You answered no" in banner(app)


async def test_cancel_kills_the_whole_kk_tree(make_app, config_path, fake_kk_env, tmp_path,
                                              monkeypatch) -> None:
    fake_kk_env("child")
    monkeypatch.setenv("FAKE_KK_SPEED", "1")  # kk then waits 600 s after starting the child
    child_pid_file = tmp_path / "child.pid"
    monkeypatch.setenv("FAKE_KK_CHILD_PID_FILE", str(child_pid_file))
    app = make_app(config_path, kk_binary=FAKE_KK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: child_pid_file.exists() and app.screen.pid)
        kk_pid = app.screen.pid
        child_pid = int(child_pid_file.read_text())
        assert psutil.pid_exists(child_pid)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Cancelled" in banner(app)
    for pid in (kk_pid, child_pid):
        gone = not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert gone, f"process {pid} survived the cancel"


async def test_quitting_during_install_stops_kk(make_app, config_path, fake_kk_env) -> None:
    fake_kk_env("hang")
    app = make_app(config_path, kk_binary=FAKE_KK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: app.screen.pid is not None)
        kk_pid = app.screen.pid
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("d")
        await app.workers.wait_for_complete()
    assert not psutil.pid_exists(kk_pid) or \
        psutil.Process(kk_pid).status() == psutil.STATUS_ZOMBIE
