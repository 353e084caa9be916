"""The console in Chinese at 80x24 (issue #16): the navigation row and the footer of the Verify
screen are translated, fully visible, and not cut (CJK characters take two columns)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from kkui import i18n
from kkui.core.config import ClusterDocument
from kkui.i18n.width import cells
from kkui.tui.app import KkuiApp
from kkui.tui.widgets.navbar import NavItem

CONFIG = """\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: sample
spec:
  hosts:
  - {name: node1, address: 127.0.0.1, internalAddress: 127.0.0.1, user: root, password: "x"}
  roleGroups:
    etcd: [node1]
    control-plane: [node1]
    worker: [node1]
  controlPlaneEndpoint: {domain: lb.kubesphere.local, address: "", port: 6443}
  kubernetes: {version: v1.23.17, containerManager: containerd}
  network: {plugin: calico, kubePodsCIDR: 10.233.64.0/18, kubeServiceCIDR: 10.233.0.0/18}
"""
NAV_ZH = ["主机", "角色", "集群", "核对", "预检", "安装", "负载均衡", "验收", "历史"]


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def screen_facts(tmp_path: Path, mode: str) -> tuple[list, list, str]:
    path = tmp_path / "config-sample.yaml"
    path.write_text(CONFIG)
    path.chmod(0o600)

    async def run() -> tuple[list, list, str]:
        app = KkuiApp(ClusterDocument.load(path), clock=lambda: 0.0,
                      workdir=tmp_path / "work")
        async with app.run_test(size=(80, 24)) as pilot:
            await app.run_action(f"goto('{mode}')")
            await pilot.pause()
            nav = [(str(n.render()), n.region) for n in app.screen.query(NavItem)]
            keys = [(k.key_display, k.description, k.region, k.has_class("-command-palette"))
                    for k in app.screen.query(FooterKey)]
            summary = str(app.screen.query_one("#verify-summary").render()) \
                if mode == "verify" else ""
            return nav, keys, summary

    return asyncio.run(run())


def test_verify_screen_in_chinese_at_80x24(tmp_path: Path, chinese: None) -> None:
    nav, keys, summary = screen_facts(tmp_path, "verify")
    labels = [text.split(" ", 2)[2] for text, _r in nav]
    assert labels[:len(NAV_ZH)] == NAV_ZH
    assert all(cells(label) == 2 * len(label) for label in labels), labels  # all in Chinese
    for text, region in nav:  # each label whole: as wide as its text, inside the screen
        assert region.width == cells(text) and region.right <= 80, (text, region)
    shown = {description for _k, description, _r, _p in keys}
    assert {"验收集群", "退出", "保存", "按键", "命令面板"} <= shown
    palette = next(r for _k, _d, r, is_palette in keys if is_palette)
    for key, description, region, is_palette in keys:
        assert region.width >= cells(f" {key} {description} "), (description, region)
        if not is_palette:  # nothing hides under the palette key docked on the right
            assert region.right <= palette.x, (description, region, palette)
    assert summary.startswith("安装完成后：按 v 通过 SSH 运行只读验收检查")


def test_the_same_screen_in_english(tmp_path: Path) -> None:
    i18n.set_language("en")
    nav, keys, _summary = screen_facts(tmp_path, "verify")
    assert [text.split(" ", 2)[2] for text, _r in nav][:3] == ["Hosts", "Roles", "Cluster"]
    assert "Verify the cluster" in {d for _k, d, _r, _p in keys}


def test_keys_help_and_quit_dialog_in_chinese_at_80x24(tmp_path: Path, chinese: None) -> None:
    from textual.widgets import Button

    from kkui.tui.modals.confirm import ConfirmQuit
    from kkui.tui.modals.help import KeysHelp

    path = tmp_path / "config-sample.yaml"
    path.write_text(CONFIG)
    path.chmod(0o600)

    async def run() -> tuple[str, str, list[tuple[str, object]]]:
        app = KkuiApp(ClusterDocument.load(path), clock=lambda: 0.0, workdir=tmp_path / "w")
        async with app.run_test(size=(80, 24)) as pilot:
            await app.run_action("goto('verify')")
            await app.run_action("help")
            await pilot.pause()
            help_screen = app.screen
            assert isinstance(help_screen, KeysHelp)
            title = str(help_screen.query_one("#dialog-title").render())
            text = help_screen.plain_text()
            await app.run_action("app.pop_screen")
            app.push_screen(ConfirmQuit(modified=True, running=[]))
            await pilot.pause()
            buttons = [(str(b.label), b.region) for b in app.screen.query(Button)]
            return title, text, buttons

    title, text, buttons = asyncio.run(run())
    assert title == "按键（esc 关闭）"
    lines = text.splitlines()
    assert lines[0].strip() == "验收" and "v" in lines[1] and "验收集群" in lines[1]
    assert "所有界面" in text and "保存配置（原子写入，0600，旧文件保留为 .bak）" in text
    assert all(cells(line) <= 76 for line in lines), lines  # the dialog's width
    assert [label for label, _r in buttons] == ["保存并退出 (s)", "不保存退出 (d)", "留下 (esc)"]
    for label, region in buttons:  # whole labels inside the 80-column screen
        assert region.width >= cells(label) + 2 and region.right <= 80, (label, region)


def test_first_dialog_without_a_config_in_chinese(tmp_path: Path, chinese: None) -> None:
    """`kkui` in a directory without a config opens the profile picker: the first thing a
    Chinese-speaking operator sees."""
    from textual.widgets import Input, Static

    from kkui.tui.modals.profile_picker import ProfilePicker

    async def run() -> tuple[str, str, list[str]]:
        app = KkuiApp(None, clock=lambda: 0.0, workdir=tmp_path / "w")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            picker = app.screen
            assert isinstance(picker, ProfilePicker)
            title = str(picker.query_one("#dialog-title", Static).render())
            placeholder = str(picker.query_one("#open-file", Input).placeholder)
            keys = [k.description for k in picker.query(FooterKey)]
            return title, placeholder, keys

    title, placeholder, keys = asyncio.run(run())
    assert title == "从内置示例开始"
    assert placeholder == "…或输入配置文件路径后按回车"
    assert {"退出", "打开文件"} <= set(keys)


def test_every_screen_uses_the_translating_footer() -> None:
    """A screen that yields Textual's own Footer would show English key labels in Chinese."""
    import re

    root = Path(__file__).resolve().parents[2] / "kkui"
    wrong = [str(p.relative_to(root)) for p in sorted(root.rglob("*.py"))
             if p.name != "footer.py"
             and re.search(r"from textual\.widgets import[^\n]*\bFooter\b", p.read_text())]
    assert not wrong, f"import Footer from kkui.tui.widgets.footer in {wrong}"
