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


async def install_finished(pilot) -> None:
    """The worker has ended and the screen has handled its last messages (the end banner)."""
    await pilot.app.workers.wait_for_complete()
    await wait_until(pilot, lambda: bool(pilot.app.screen.outcome))


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
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        prompt = app.screen
        table = prompt.query_one("#kk-table", DataTable)
        assert table.row_count == 3  # node1..node3 of kk's precheck table
        assert "Continue this installation?" in str(prompt.query_one("#dialog-title").render())
        await pilot.press("y")
        await install_finished(pilot)
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
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        await pilot.press("y")
        await install_finished(pilot)
        text = banner(app)
        assert "Install failed in ETCDConfigureModule on node1" in text
        assert "Hint: etcd health check kept failing" in text
        hosts = app.screen.query_one("#install-hosts", DataTable)
        assert "failed" in str(hosts.get_row("node1")[1])


async def test_declining_the_prompt_stops_kk(make_app, config_path, fake_kk_env) -> None:
    fake_kk_env("success")
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        await pilot.press("n")
        await install_finished(pilot)
        assert "You answered no" in banner(app)


async def test_cancel_kills_the_whole_kk_tree(make_app, config_path, fake_kk_env, tmp_path,
                                              monkeypatch) -> None:
    fake_kk_env("child")
    monkeypatch.setenv("FAKE_KK_SPEED", "1")  # kk then waits 600 s after starting the child
    child_pid_file = tmp_path / "child.pid"
    monkeypatch.setenv("FAKE_KK_CHILD_PID_FILE", str(child_pid_file))
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
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
        await install_finished(pilot)
        text = " ".join(banner(app).split())
        assert "Cancelled" in text
        # issue #11: no false "resumes"; the cleanup names the workdir itself
        assert "kk v3 does not resume" in text and "again resumes" not in text
        assert str(tmp_path / "work") in banner(app).replace("\n", "")  # wrapped, not cut
    for pid in (kk_pid, child_pid):
        assert kk_is_gone(pid), f"process {pid} survived the cancel"


async def test_quitting_during_install_stops_kk(make_app, config_path, fake_kk_env) -> None:
    fake_kk_env("hang")
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: app.screen.pid is not None)
        kk_pid = app.screen.pid
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("d")
        await app.workers.wait_for_complete()
    assert kk_is_gone(kk_pid)


def status(app) -> str:
    return str(app.screen.query_one("#install-status").render())


def kk_is_gone(pid: int) -> bool:
    """Exited, or a zombie waiting to be reaped (it can vanish between any two looks)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:  # ZombieProcess included
        return True


def kk_processes() -> list[psutil.Process]:
    """Live processes under this test running the fake kk (``python3 ./kk create cluster``)."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and \
                    any(Path(arg).name in ("kk", "fake_kk.py") for arg in proc.cmdline()):
                found.append(proc)
        except psutil.Error:  # it ended while we looked
            continue
    return found


async def test_live_hint_shows_while_kk_hangs_on_sudo(make_app, config_path, fake_kk_env,
                                                      monkeypatch) -> None:
    fake_kk_env("sudo-password")
    monkeypatch.setenv("FAKE_KK_SPEED", "1")  # then kk waits 600 s at the password prompt
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: "kk may be stuck" in banner(app))
        screen = app.screen
        kk_pid = screen.pid
        assert kk_pid is not None and not kk_is_gone(kk_pid), "kk is still running"
        assert kk_pid in [p.pid for p in kk_processes()]
        assert screen.running and screen.query_one("#banner").has_class("-hint")
        assert "sudo asks for a password" in banner(app) and "NOPASSWD" in banner(app)
        pane = screen.query_one(LogPane)
        assert "[sudo] password for ubuntu:" in pane.visible_text(), "the log goes on"
        log = pane.log_widget  # the banner took rows from the log: its last line stays in view
        await wait_until(pilot, lambda: log.max_scroll_y > 0 and log.is_vertical_scroll_end)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await install_finished(pilot)
        text = banner(app)
        assert "Cancelled" in text and "Hint: sudo asks for a password" in text
    assert kk_is_gone(kk_pid), "kk survived the cancel"
    assert not kk_processes(), "a kk process was left behind"


async def test_cancel_during_the_kk_download(make_app, config_path, fake_kk_env,
                                             tmp_path) -> None:
    from kk.httpserver import make_tarball, serve

    from kkui.core.download import host_arch, kk_cache_dir

    fake_kk_env("success")
    version, arch = "v3.1.12", host_arch()
    name = f"kubekey-{version}-linux-{arch}.tar.gz"
    path = f"/mirror/{version}/{name}"
    with serve() as served:
        served.files[path] = data = make_tarball()
        served.plan[path] = ["slow"]
        served.trickle = (1024, 0.05)  # ~20 KB/s: the download would take ~10 s
        app = make_app(config_path, kk_base_url=served.base + "/mirror", skip_precheck=True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await start_install(pilot)
            await wait_until(pilot, lambda: "Downloading kk" in status(app))
            await pilot.press("x")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert "kk has not started yet" in str(app.screen.query_one("#dialog-text")
                                                   .render())
            await pilot.press("y")
            await install_finished(pilot)
            screen = app.screen
            text = banner(app)
            assert "Install cancelled before kk started" in text, text
            assert "no host was changed" in text and "bytes kept" in text
            assert screen.query_one("#banner").has_class("-cancelled")
            assert "cancelled before kk started" in status(app)
            assert screen.pid is None and not screen.running
            assert served.sent < len(data), "the download was not stopped"
        part = kk_cache_dir(version, arch) / (name + ".part")
        assert 0 < part.stat().st_size < len(data), "the .part is kept for a resume"
        assert not (tmp_path / "work" / "kk").exists()


async def test_the_success_banner_offers_verify_and_v_runs_it(make_app, config_path,
                                                              fake_kk_env) -> None:
    """Issue #13: after "Cluster installed" the next step is `v`, the Verify screen's checks
    (here the loopback hosts have no sshd, so every check ends as an error, never a hang)."""
    fake_kk_env("success")
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        await pilot.press("y")
        await install_finished(pilot)
        assert "v verifies it is whole and HA" in banner(app)
        await pilot.press("v")
        await wait_until(pilot, lambda: app.current_mode == "verify")
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = str(app.screen.query_one("#verify-summary").render())
        assert "could not be checked" in summary
