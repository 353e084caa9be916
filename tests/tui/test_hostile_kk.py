"""Issue #10 in the TUI: hostile kk output in the log pane (items 9, 11), and a terminal that
goes away while kk runs (item 4) — the fake kk is a real process tree."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from hardening.kk_attacks import FORBIDDEN, visible_attacks, write_transcript

from kkui.tui.widgets.log_pane import LogPane

from .conftest import FAKE_KK, LOOPBACK_CONFIG, SIZE
from .test_install import (
    banner,
    fake_kk_env,  # noqa: F401  (fixture)
    install_finished,
    start_install,
)


async def test_log_pane_shows_kk_output_without_control_sequences(
        make_app, config_path, fake_kk_env, tmp_path, monkeypatch) -> None:  # noqa: F811
    transcript = write_transcript(tmp_path / "hostile.txt")
    monkeypatch.setenv("FAKE_KK_TRANSCRIPT", str(transcript))
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await install_finished(pilot)
        assert "Cluster installed" in banner(app)
        text = app.screen.query_one(LogPane).visible_text()
        found = [repr(c) for c in FORBIDDEN if c in text]
        assert not found, f"control characters reached the log pane: {found}"
        assert visible_attacks(text) == []
        assert "more characters not shown; the log has the whole line]" in text
        assert "\x1b]52;c;" in app.screen.log_path.read_text()  # raw in the log file


def kk_processes(workdir: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if "create" in (p.info["cmdline"] or []) and Path(p.cwd()) == workdir:
                found.append(p)
        except psutil.Error:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.tmux
@pytest.mark.parametrize("how", ["kill-session", "SIGTERM"])
def test_a_tui_that_goes_away_leaves_no_kk_behind(tmp_path: Path, kkui_env, kkui_cmd,
                                                  how: str) -> None:
    """The terminal (tmux session) is killed — SIGHUP — or kkui gets SIGTERM while kk runs:
    kkui stops kk's tree as Quit does (noted in the log); SIGTERM exits 143."""
    config = tmp_path / "config-sample.yaml"
    config.write_text(LOOPBACK_CONFIG, encoding="utf-8")
    work = tmp_path / "work"
    pid_file = tmp_path / "child.pid"
    env = {k: v for k, v in kkui_env.items() if k not in ("LINES", "COLUMNS", "TMUX")}
    env.update(TMUX_TMPDIR=str(tmp_path), FAKE_KK_SCENARIO="child",
               FAKE_KK_TRANSCRIPTS=str(FAKE_KK.parent / "kk_transcripts"),
               FAKE_KK_CHILD_PID_FILE=str(pid_file))
    name = f"kkui-hup-{tmp_path.name[-12:]}"

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", *args], env=env, check=True, capture_output=True,
                              text=True).stdout

    def wait_for(what: str, predicate, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                screen = tmux("capture-pane", "-p", "-t", name)
                raise AssertionError(f"{what} never happened; screen:\n{screen}")
            time.sleep(0.1)

    rc_file = tmp_path / "rc"
    command = (f"cd {shlex.quote(str(tmp_path))} && {shlex.join(kkui_cmd)} tui -f "
               f"{shlex.quote(str(config))} --kk {shlex.quote(str(FAKE_KK))} --skip-precheck "
               f"--workdir {shlex.quote(str(work))}; echo $? > {shlex.quote(str(rc_file))}")
    try:
        tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", command)
        wait_for("the Hosts screen", lambda: "node2" in tmux("capture-pane", "-p", "-t", name))
        tmux("send-keys", "-t", name, "6")
        wait_for("the Install screen",
                 lambda: "Install" in tmux("capture-pane", "-p", "-t", name))
        tmux("send-keys", "-t", name, "i")
        time.sleep(0.3)  # the confirmation dialog (another process: nothing to await)
        tmux("send-keys", "-t", name, "y")
        wait_for("kk's helper", lambda: pid_file.exists() and pid_file.read_text())
        kk = kk_processes(work)
        assert len(kk) == 1
        helper = int(pid_file.read_text())
        time.sleep(0.5)  # the watchdog has seen kk's helper (it looks every 0.2 s)
        kkui = kk[0].parent()
        assert kkui is not None and "tui" in kkui.cmdline()
        if how == "kill-session":
            tmux("kill-session", "-t", name)  # the terminal goes away: SIGHUP to kkui
        else:
            kkui.terminate()
        kkui.wait(10)
        deadline = time.monotonic() + 5
        while (alive(kk[0].pid) or alive(helper)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(kk[0].pid), "kk outlived the TUI's terminal"
        assert not alive(helper), "kk's helper outlived the TUI's terminal"
        log = next((work / "logs").glob("*.log")).read_text()
        assert "cancel requested: SIGINT to kk's process group" in log  # kkui stopped kk
        if how == "SIGTERM":
            # `echo $? > rc` creates the file before it writes the status: wait for the line
            wait_for("the shell's exit-status file",
                     lambda: rc_file.exists() and rc_file.read_text().endswith("\n"), 5)
            assert rc_file.read_text().strip() == "143"
    finally:
        subprocess.run(["tmux", "kill-server"], env=env, capture_output=True)
        for p in kk_processes(work):
            p.kill()
