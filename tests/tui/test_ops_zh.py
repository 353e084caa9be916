"""The Cluster ops screen's footer and dialogs at the sizes they must fit (issues #15, #16):
every key of the footer whole and visible at 120x30 in English and at the smallest supported
terminal, 80x24, in Chinese; the node operations behind ``n``; the replacement's dialogs in
Chinese and inside the screen.  Nothing here connects to a host: the config's addresses are
loopback ones, no action that connects is started (a Choose or Confirm is as far as it goes)
and the one kk run is the stand-in kk (tests/support/fake_kk.py), hanging until ``x``."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from kkui import i18n
from kkui.core.config import ClusterDocument
from kkui.i18n.width import cells
from kkui.tui.app import KkuiApp
from kkui.tui.modals.choose import Choose
from kkui.tui.modals.confirm import Confirm

SIZE = (80, 24)
WIDE = (100, 30)  # the README screenshots' size (screenshots/scenes.py SIZE)
OPS_KEYS = {"c", "R", "s", "u", "n"}  # the screen's footer keys while nothing runs
SCENES_FILE = Path(__file__).resolve().parents[2] / "screenshots" / "scenes.py"


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def loopback_app(**options: Any) -> KkuiApp:
    """The HA profile on loopback addresses (never contacted), plus a row without roles: the
    host a control-plane node can be replaced with."""
    doc = ClusterDocument.from_profile("ha-external-lb")
    for n, name in enumerate(doc.host_names(), 10):
        doc.update_host(name, address=f"127.0.10.{n}", internalAddress=f"127.0.10.{n}")
    for n, name in enumerate(doc.host_names(lb=True), 40):
        doc.update_host(name, lb=True, address=f"127.0.10.{n}")
    doc.add_host({"name": "master4", "address": "127.0.10.50",
                  "internalAddress": "127.0.10.50", "user": "root", "password": "x"})
    return KkuiApp(doc, start="ops", clock=lambda: 0.0, **options)


def footer_keys(app: KkuiApp) -> list[FooterKey]:
    return [k for k in app.screen.query(FooterKey) if k.display]


def assert_whole_and_inside(keys: list[FooterKey], size: tuple[int, int]) -> None:
    """Each key's label whole, inside the screen, and no key under another (the palette key
    is docked right: the keys before it must end where it starts)."""
    for key in keys:
        assert key.region.width >= cells(key.key_display) + cells(key.description), key
        assert key.region.right <= size[0], key.description
    ordered = sorted(keys, key=lambda k: k.region.x)
    assert all(a.region.right <= b.region.x
               for a, b in zip(ordered, ordered[1:], strict=False)), [
                   (k.key_display, k.region.x, k.region.right) for k in ordered]


def test_ops_footer_in_english_shows_every_key_at_100x30() -> None:
    async def scenario() -> None:
        app = loopback_app()
        async with app.run_test(size=WIDE) as pilot:
            await pilot.pause()
            keys = footer_keys(app)
            labels = {k.key_display: k.description for k in keys}
            assert {k: labels.get(k) for k in OPS_KEYS} == {
                "c": "Certs", "R": "Renew", "s": "Snapshot", "u": "Upgrade",
                "n": "Nodes…"}
            assert {"^q", "^s", "?"} <= set(labels)      # the console's keys fit too
            assert "x" not in labels
            assert_whole_and_inside(keys, WIDE)

    asyncio.run(scenario())


def test_node_operations_are_behind_n_and_keep_their_own_keys() -> None:
    from textual.widgets import OptionList

    from kkui.tui.modals.help import KeysHelp

    async def scenario() -> None:
        app = loopback_app()
        async with app.run_test(size=WIDE) as pilot:
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            options = app.screen.query_one(OptionList)
            assert [str(options.get_option_at_index(i).prompt)[:3]
                    for i in range(options.option_count)] == ["a  ", "d  ", "r  "]
            options.highlighted = 2
            await pilot.press("enter")                   # n, replace = r
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            assert str(app.screen.query_one("#choose-title", Static).render()) == (
                "Replace which node?")
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("d")                       # the direct key, not in the footer
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            assert str(app.screen.query_one("#choose-title", Static).render()) == (
                "Delete which worker?")
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("question_mark")           # ? lists the direct keys
            await pilot.pause()
            assert isinstance(app.screen, KeysHelp)
            help_lines = app.screen.plain_text().splitlines()
            for key, text in (("a", "Add nodes"), ("d", "Delete node"), ("r", "Replace node"),
                              ("n", "Nodes…")):
                assert any(line.split()[:1] == [key] and text in line for line in help_lines)

    asyncio.run(scenario())


def test_while_kk_runs_the_footer_offers_only_x_then_the_actions_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    support = Path(__file__).resolve().parents[1] / "support"
    monkeypatch.setenv("FAKE_KK_TRANSCRIPTS", str(support / "kk_transcripts"))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("FAKE_KK_RECORD", str(tmp_path / "kk-record.json"))
    monkeypatch.setenv("FAKE_KK_SCENARIO", "hang")

    async def scenario() -> None:
        app = loopback_app(workdir=tmp_path / "work", kk_binary=support / "fake_kk.py",
                           skip_precheck=True)
        async with app.run_test(size=WIDE) as pilot:
            await pilot.pause()
            await pilot.press("R")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            await pilot.press("y")
            job = app.screen.job  # type: ignore[attr-defined]
            started = await asyncio.get_running_loop().run_in_executor(
                None, job.started.wait, 30)
            assert started
            try:
                await pilot.pause()
                labels = {k.key_display: k.description for k in footer_keys(app)}
                assert labels.get("x") == "Cancel kk" and not OPS_KEYS & set(labels)
                await pilot.press("x")
                await pilot.pause()
                assert isinstance(app.screen, Confirm)
                await pilot.press("y")
                await app.workers.wait_for_complete()
            finally:                                     # a failed assert leaves no kk hanging
                if job.process.returncode is None:
                    job.cancel()
                    await app.workers.wait_for_complete()
            await pilot.pause()
            labels = {k.key_display: k.description for k in footer_keys(app)}
            assert set(labels) >= OPS_KEYS and "x" not in labels
            assert_whole_and_inside(footer_keys(app), WIDE)

    asyncio.run(scenario())


def test_ops_screen_in_chinese_fits_80x24_with_whole_labels(chinese: None) -> None:
    async def scenario() -> None:
        app = loopback_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            keys = footer_keys(app)
            labels = {k.key_display: k.description for k in keys}
            assert labels["n"] == "节点" and labels["c"] == "证书"       # in Chinese
            assert set(labels) >= OPS_KEYS
            assert "x" not in labels                     # nothing runs: no cancel key
            assert_whole_and_inside(keys, SIZE)
            summary = str(app.screen.query_one("#ops-summary", Static).render())
            assert "个控制平面" in summary and "master4" not in summary
            state = str(app.screen.query_one("#ops-state", Static).render())
            assert state.startswith("c 读取证书日历")

    asyncio.run(scenario())


def test_replace_dialogs_in_chinese_fit_80x24(chinese: None) -> None:
    async def scenario() -> None:
        app = loopback_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            assert str(app.screen.query_one("#choose-title", Static).render()) == "替换哪个节点？"
            await pilot.press("down", "enter")          # master3 (master1 is never offered)
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            await pilot.press("enter")                  # master4, the row without roles
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            title = str(app.screen.query_one("#dialog-title", Static).render())
            assert title == "用 master4 替换 master3？"
            text = str(app.screen.query_one("#dialog-text", Static).render())
            assert "etcd：3 个成员，法定人数 2；去掉 master3 后：2 个成员" in text
            assert "保持法定人数" in text and "先运行 kkui 的预检" in text
            detail = str(app.screen.query_one("#dialog-detail-text", Static).render())
            assert "3. etcdctl member remove master3（在健康成员上）" in detail
            for widget in ("#dialog", "#yes", "#no"):
                region = app.screen.query_one(widget).region
                assert region.right <= SIZE[0] and region.bottom <= SIZE[1], widget
            await pilot.press("n")                       # nothing starts
            await pilot.pause()
            assert not app.screen.query("#ops-steps").first().display

    asyncio.run(scenario())


def _scenes() -> Any:
    """screenshots/scenes.py (one copy in sys.modules, shared with the snapshot tests)."""
    if "kkui_scenes" not in sys.modules:
        spec = importlib.util.spec_from_file_location("kkui_scenes", SCENES_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["kkui_scenes"] = module
        spec.loader.exec_module(module)
    return sys.modules["kkui_scenes"]


def test_zh_ops_snapshot(snap_compare: Any, chinese: None) -> None:
    """The README's Cluster ops scene in Chinese at 80x24 (after a visual change:
    ``--snapshot-update -k ops``, then look at the SVG)."""
    scene = next(s for s in _scenes().SCENES if s.name == "ops")
    assert snap_compare(scene.make_app(), run_before=scene.run_before, terminal_size=SIZE)
