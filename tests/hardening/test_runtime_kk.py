"""Hostile kk output and signals (issue #10, items 4, 9, 11): the real `kkui install` with the
fake kk (tests/support/fake_kk.py, a real process tree) and real signals."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from hardening.kk_attacks import FORBIDDEN, LONG, OSC52, visible_attacks, write_transcript

from kkui.core.kk.events import RawLine
from kkui.core.kk.parser import MAX_LINE, KkOutputParser
from kkui.core.kk.redact import MASK, Redactor

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"
FAKE_KK = SUPPORT / "fake_kk.py"
CONFIG = ROOT / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml"
PASSWORD = "S3cret-Passw0rd"


# -- the parser: linear, capped lines, the log keeps everything -------------------------------

def test_20_mb_without_newline_parse_in_linear_time_with_the_line_capped() -> None:
    teed: list[str] = []
    parser = KkOutputParser(redact=Redactor([PASSWORD]), tee=teed.append)
    chunk = "x" * 65536
    started = time.perf_counter()
    events = []
    for _ in range(20 * 1024 * 1024 // len(chunk)):
        events += parser.feed("stdout", chunk)
    events += parser.feed("stdout", "\n10:53:02 CST [GreetingsModule] Greetings\n")
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"20 MB without a newline took {elapsed:.1f} s"
    lines = [e for e in events if isinstance(e, RawLine)]
    assert len(lines) == 2
    cut = 20 * 1024 * 1024 - MAX_LINE
    assert lines[0].cut == cut and len(lines[0].text) < MAX_LINE + 100
    assert lines[0].text.endswith(f"… [{cut} more characters not shown; the log has the "
                                  "whole line]")
    assert lines[1].text.endswith("Greetings")  # parsing goes on normally after it
    log = "".join(teed)
    assert log == "x" * (20 * 1024 * 1024) + "\n10:53:02 CST [GreetingsModule] Greetings\n"


def test_a_secret_cut_by_a_read_inside_a_long_line_is_still_masked() -> None:
    teed: list[str] = []
    parser = KkOutputParser(redact=Redactor([PASSWORD]), tee=teed.append, max_line=100)
    text = "y" * 150 + f"pw={PASSWORD} " + "z" * 200 + PASSWORD + "\n"
    events = []
    for i in range(0, len(text), 7):  # every secret straddles a read boundary
        events += parser.feed("stdout", text[i:i + 7])
    log = "".join(teed)
    assert PASSWORD not in log and log.count(MASK) == 2 and log.endswith(MASK + "\n")
    shown = [e for e in events if isinstance(e, RawLine)]
    assert len(shown) == 1 and PASSWORD[:4] not in shown[0].text


def test_control_sequences_are_removed_from_events_but_kept_in_the_log() -> None:
    teed: list[str] = []
    parser = KkOutputParser(tee=teed.append)
    events = parser.feed("stderr", f"10:53:02 CST message: [node1]\n{OSC52}clip\n"
                                   "10:53:02 CST success: [\x1b[31mnode1\x1b[0m]\n")
    shown = "\n".join(e.text for e in events if isinstance(e, RawLine))
    assert not any(c in shown for c in FORBIDDEN) and "clip" in shown
    blocks = [e for e in events if type(e).__name__ == "OutputBlock"]
    assert blocks and blocks[0].body == "clip"
    statuses = [e for e in events if type(e).__name__ == "HostStatus"]
    assert statuses and statuses[0].host == "node1"  # colours do not hide the host
    assert OSC52 in "".join(teed)


# -- `kkui install`: what the terminal gets --------------------------------------------------

def write_config(path: Path) -> Path:
    text = CONFIG.read_text().replace("172.16.0.2", "127.0.0.1").replace("172.16.0.3",
                                                                         "127.0.0.2")
    path.write_text(text.replace("Qcloud@123", PASSWORD))
    return path


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KKZONE", "LINES", "COLUMNS")}
    env.update(FAKE_KK_TRANSCRIPTS=str(SUPPORT / "kk_transcripts"), FAKE_KK_SPEED="1",
               XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT), **extra)
    return env


def install_argv(tmp_path: Path) -> list[str]:
    config = write_config(tmp_path / "cluster.yaml")
    return [sys.executable, "-m", "kkui", "install", "-f", str(config), "--kk", str(FAKE_KK),
            "--skip-precheck", "--yes", "--workdir", str(tmp_path / "work"),
            "--log", str(tmp_path / "install.log")]


def test_install_shows_kk_output_without_control_sequences(tmp_path: Path) -> None:
    transcript = write_transcript(tmp_path / "hostile.txt")
    result = subprocess.run(install_argv(tmp_path), capture_output=True, text=True, timeout=60,
                            env=env_for(tmp_path, FAKE_KK_TRANSCRIPT=str(transcript)))
    assert result.returncode == 0, result.stderr
    for stream in (result.stdout, result.stderr):
        found = [repr(c) for c in FORBIDDEN if c in stream]
        assert not found, f"control characters reached the terminal: {found}"
    assert visible_attacks(result.stdout + result.stderr) == []
    cut = LONG - 64 * 1024
    assert f"… [{cut} more characters not shown; the log has the whole line]" in result.stdout
    log = (tmp_path / "install.log").read_text()
    assert OSC52 + "clipboard-attack" in log  # the log keeps kk's raw bytes
    assert "A" * LONG + "\n" in log


# -- signals: kk never outlives kkui ---------------------------------------------------------

def start_install(tmp_path: Path) -> tuple[subprocess.Popen[str], psutil.Process, int]:
    """`kkui install` running the fake kk, which has started a helper that left its process
    group and ignores SIGINT/SIGTERM.  Returns kkui, kk and the helper's pid."""
    pid_file = tmp_path / "child.pid"
    proc = subprocess.Popen(install_argv(tmp_path), cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True,
                            env=env_for(tmp_path, FAKE_KK_SCENARIO="child",
                                        FAKE_KK_CHILD_PID_FILE=str(pid_file),
                                        KKUI_KEY_PASSPHRASE=PASSWORD))
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and proc.poll() is None, "kk never started"
        time.sleep(0.05)
    kk = [p for p in psutil.Process(proc.pid).children() if "create" in p.cmdline()]
    assert len(kk) == 1
    time.sleep(0.5)  # the watchdog has seen kk's helper (it looks every 0.2 s)
    return proc, kk[0], int(pid_file.read_text())


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if not gone(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if not gone(p)]


@pytest.fixture
def reaper():
    """Whatever a failing test left running is killed afterwards."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_kk_like_ctrl_c(tmp_path: Path, reaper: list[int],
                                                sig: int, code: int) -> None:
    proc, kk, helper = start_install(tmp_path)
    reaper += [kk.pid, helper]
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, out + err
    name = signal.Signals(sig).name
    assert f"stopped by {name}" in err and "install interrupted" in out
    assert wait_gone([kk.pid, helper], 1.0) == [], "kk's tree outlived kkui"
    log = (tmp_path / "install.log").read_text()
    assert f"kkui received {name}: stopping kk" in log


def test_sigkill_of_kkui_takes_kk_tree_down_within_2_s(tmp_path: Path,
                                                       reaper: list[int]) -> None:
    proc, kk, helper = start_install(tmp_path)
    reaper += [kk.pid, helper]
    watchdogs = [p for p in psutil.Process(proc.pid).children() if p.pid != kk.pid]
    assert len(watchdogs) == 1
    for other in (kk, watchdogs[0]):  # kkui's secrets stay in kkui's own environment
        assert not [n for n in other.environ() if n.startswith("KKUI_")]
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    left = wait_gone([kk.pid, helper], 2.0)
    assert left == [], f"still running 2 s after kkui was killed: {left}"


def test_kk_itself_dies_with_its_parent_even_without_the_watchdog(tmp_path: Path,
                                                                  reaper: list[int]) -> None:
    """PR_SET_PDEATHSIG alone: a parent that starts a child the way KkProcess starts kk, and
    is then killed; the child must not stay behind under init."""
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys, time\n"
        "from kkui.core.signals import die_with_parent\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],\n"
        "                         start_new_session=True, preexec_fn=die_with_parent)\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)\n")], env=env_for(tmp_path))
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and parent.poll() is None
        time.sleep(0.02)
    child = int(pid_file.read_text())
    reaper.append(child)
    parent.kill()
    parent.wait(5)
    assert wait_gone([child], 1.0) == [], "the child outlived its killed parent"
