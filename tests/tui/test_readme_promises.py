"""README promises about the console that had no test (one test each): the log pane, the
Cluster screen's endpoint mode / network plugin / kk version, the Install screen's keys while
a run is in progress and at 80x24, and `kkui tui -f FILE` / `--profile` in a real terminal."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Label, Select
from textual.widgets._footer import FooterKey

from kkui.tui.screens.install import InstallScreen
from kkui.tui.widgets.log_pane import LogPane

from .conftest import LOOPBACK_CONFIG, SIZE
from .test_tmux_smoke import Tmux, tmux  # noqa: F401  (the tmux fixture)

SCENES_FILE = Path(__file__).resolve().parents[2] / "screenshots" / "scenes.py"


def _load_scenes() -> Any:
    if "kkui_scenes" in sys.modules:
        return sys.modules["kkui_scenes"]
    spec = importlib.util.spec_from_file_location("kkui_scenes", SCENES_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kkui_scenes"] = module
    spec.loader.exec_module(module)
    return module


scenes = _load_scenes()


def scene(name: str) -> Any:
    return next(s for s in scenes.SCENES if s.name == name)


def footer_disabled(app: Any) -> dict[str, bool]:
    return {k.description: k.has_class("-disabled") for k in app.screen.query(FooterKey)}


# ------------------------------------------------------------------------------ log pane
def lines(start: int, stop: int) -> list[str]:
    return [f"kk line {i}" for i in range(start, stop)]


async def test_log_pane_new_lines_end_resumes_and_search() -> None:
    app = scenes.install_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.screen.query_one(LogPane)
        log = pane.log_widget
        pane.append(lines(1, 301))
        await pilot.pause()
        assert pane.following and log.is_vertical_scroll_end  # follows the end
        await pilot.press("pageup")  # the operator scrolls up: following stops
        await pilot.pause()
        assert not pane.following
        top = log.scroll_y
        pane.append(lines(301, 308))
        await pilot.pause()
        indicator = app.screen.query_one("#log-indicator")
        assert indicator.has_class("-shown")
        assert "7 new line(s)" in str(indicator.render())
        assert log.scroll_y == top  # the view stays where the operator put it
        await pilot.press("end")  # end resumes following
        await pilot.pause()
        assert pane.following and log.is_vertical_scroll_end
        assert not indicator.has_class("-shown")
        await pilot.press("slash")  # / searches
        await pilot.pause()
        search = app.screen.query_one("#log-search", Input)
        assert search.has_focus and search.has_class("-shown")
        await pilot.press(*"kk line 42", "enter")
        await pilot.pause()
        assert "match 1/1 for 'kk line 42' at line 42" in str(indicator.render())
        first, height = int(log.scroll_y), log.scrollable_content_region.height
        assert first <= 41 < first + height  # the match is in view
        assert not pane.following


async def test_log_pane_keeps_the_last_5000_lines() -> None:
    app = scenes.install_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, InstallScreen)
        pane = app.screen.query_one(LogPane)
        for start in range(1, 6001, 500):
            pane.append(lines(start, start + 500))
        await pilot.pause()
        kept = pane.log_widget.lines
        assert pane.total_lines == 6000
        assert len(kept) == 5000 and kept[0] == "kk line 1001" and kept[-1] == "kk line 6000"


# ------------------------------------------------------------------------- install keys
async def test_while_an_install_runs_install_is_disabled_and_cancel_enabled() -> None:
    running = scene("install-running")  # the README picture's scene
    app = running.make_app()
    async with app.run_test(size=SIZE) as pilot:
        await running.run_before(pilot)
        await pilot.pause()
        assert app.screen.running
        assert footer_disabled(app)["Install"] is True
        assert footer_disabled(app)["Cancel"] is False
    idle = scenes.install_app()  # and before a run, the other way round
    async with idle.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert footer_disabled(idle)["Install"] is False
        assert footer_disabled(idle)["Cancel"] is True


async def test_at_80x24_a_failed_install_still_shows_5_log_lines() -> None:
    failed = scene("install-failed")
    app = failed.make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await failed.run_before(pilot)
        await pilot.pause()
        assert app.screen.query_one("#banner").has_class("-failure")
        log = app.screen.query_one(LogPane).log_widget
        assert log.scrollable_content_region.height >= 5  # README: at least 5 log lines
        assert len(log.lines) >= 5 and log.is_vertical_scroll_end  # ... showing kk's last


# ------------------------------------------------------------------------ cluster screen
async def type_into(pilot: Any, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def test_cluster_screen_kube_vip_network_plugin_and_kk_version(make_app,
                                                                     config_path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#endpoint-mode", Select).value = "kube-vip"
        await pilot.pause()
        assert str(screen.query_one("#r-endpoint-address Label", Label).render()) == "VIP"
        await type_into(pilot, "#endpoint-address", "127.0.0.60")
        screen.query_one("#network-plugin", Select).value = "cilium"
        await type_into(pilot, "#kk-version", "v3.1.10")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = config_path.read_text()
    assert "internalLoadbalancer: kube-vip" in saved
    assert 'address: "127.0.0.60"' in saved and "plugin: cilium" in saved
    model = app.document.model()
    assert model.lb_mode == "kube-vip" and model.control_plane_endpoint.address == "127.0.0.60"
    assert model.network_plugin == "cilium" and model.kkui.kk_version == "v3.1.10"
    assert "kind: KkuiSettings" in saved and "v3.1.10" in saved


# ----------------------------------------------------------------- kkui tui -f / --profile
@pytest.mark.tmux
def test_kkui_tui_opens_the_file_or_the_profile_it_is_given(tmp_path: Path, tmux: Tmux,  # noqa: F811
                                                             kkui_cmd) -> None:
    config = tmp_path / "elsewhere" / "my-cluster.yaml"
    config.parent.mkdir()
    config.write_text(LOOPBACK_CONFIG, encoding="utf-8")
    base = f"cd {shlex.quote(str(tmp_path))} && exec {shlex.join(kkui_cmd)} tui"
    tmux.run("new-session", "-d", "-s", tmux.name, "-x", "100", "-y", "30",
             f"{base} -f {shlex.quote(str(config))}")
    screen = tmux.wait_for(lambda s: "node2" in s and "1 Hosts" in s)
    assert "my-cluster.yaml" in screen.splitlines()[0] and "127.0.0.2" in screen
    profile = Tmux(f"{tmux.name}-p", tmux.env)  # a second session on the same private server
    profile.run("new-session", "-d", "-s", profile.name, "-x", "100", "-y", "30",
                f"{base} --profile ha-kube-vip")
    screen = profile.wait_for(lambda s: "master1" in s and "1 Hosts" in s)
    assert "ha-kube-vip" in screen.splitlines()[0]
    assert "node2" not in screen
