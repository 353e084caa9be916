"""The real `kkui` command in tmux: type with send-keys, read the screen with capture-pane."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import LOOPBACK_CONFIG

pytestmark = [pytest.mark.tmux,  # under CI=true a missing tmux fails (tests/support/ci_policy.py)
              pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]


class Tmux:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.env = env

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", *args], env=self.env, check=True, capture_output=True,
                              text=True).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 15.0) -> str:
        """Poll the pane (the app is another process: there is nothing to await)."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            try:
                text = self.screen()
            except subprocess.CalledProcessError:
                text = ""
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"screen never matched; last screen:\n{text}")

    def alive(self) -> bool:
        return subprocess.run(["tmux", "has-session", "-t", self.name], env=self.env,
                              capture_output=True).returncode == 0


@pytest.fixture
def tmux(tmp_path: Path, kkui_env: dict[str, str]):
    env = {k: v for k, v in kkui_env.items() if k not in ("LINES", "COLUMNS", "TMUX")}
    env["TMUX_TMPDIR"] = str(tmp_path)  # a private tmux server
    session = Tmux(f"kkui-smoke-{tmp_path.name[-12:]}", env)
    yield session
    subprocess.run(["tmux", "kill-server"], env=env, capture_output=True)


def test_kkui_in_tmux_add_host_save_quit(tmp_path: Path, tmux: Tmux, kkui_cmd) -> None:
    config = tmp_path / "config-sample.yaml"
    config.write_text(LOOPBACK_CONFIG, encoding="utf-8")
    # Plain `kkui` in a directory holding ./config-sample.yaml opens it.
    command = f"cd {shlex.quote(str(tmp_path))} && exec {shlex.join(kkui_cmd)}"
    tmux.run("new-session", "-d", "-s", tmux.name, "-x", "100", "-y", "30", command)
    screen = tmux.wait_for(lambda s: "node2" in s and "1 Hosts" in s)
    assert "config-sample.yaml" in screen and "password ••••" in screen
    tmux.keys("a")
    tmux.wait_for(lambda s: "Add host" in s)
    tmux.keys("-l", "node3")
    tmux.wait_for(lambda s: "Name              node3" in s)
    tmux.keys("Tab")
    time.sleep(0.3)  # let the focus move before the next keys arrive (another process)
    tmux.keys("-l", "127.0.0.3")
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: "node3" in s and "127.0.0.3" in s and "Add host" not in s)
    assert "•" in screen.splitlines()[0] and "modified" in screen
    tmux.keys("C-s")
    tmux.wait_for(lambda s: "Saved" in s)
    tmux.keys("C-q")
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), "kkui did not exit on ctrl+q after saving"
    assert "name: node3, address: 127.0.0.3" in config.read_text()
    assert config.with_name("config-sample.yaml.bak").exists()


def test_kkui_in_chinese_from_the_locale_and_f2_switches(tmp_path: Path, tmux: Tmux,
                                                          kkui_cmd) -> None:
    """`LANG=zh_CN.UTF-8 kkui` on an 80x24 terminal: the console is Chinese (navigation, table
    headers, footer); F2 switches it to English and back, in the running process."""
    config = tmp_path / "config-sample.yaml"
    config.write_text(LOOPBACK_CONFIG, encoding="utf-8")
    for name in ("KKUI_LANG", "LC_ALL", "LC_MESSAGES"):
        tmux.env.pop(name, None)
    tmux.env["LANG"] = "zh_CN.UTF-8"
    command = f"cd {shlex.quote(str(tmp_path))} && exec {shlex.join(kkui_cmd)}"
    tmux.run("new-session", "-d", "-s", tmux.name, "-x", "80", "-y", "24",
             "-e", "LANG=zh_CN.UTF-8", command)
    screen = tmux.wait_for(lambda s: "node2" in s and "1 主机" in s)
    assert "名称" in screen and "地址" in screen and "退出" in screen  # header and footer
    tmux.keys("F2")
    screen = tmux.wait_for(lambda s: "1 Hosts" in s and "Name" in s)
    assert "主机" not in screen
    tmux.keys("F2")
    tmux.wait_for(lambda s: "1 主机" in s and "名称" in s)
    tmux.keys("C-q")  # nothing changed: quits at once
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), "kkui did not exit on ctrl+q"
