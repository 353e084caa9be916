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
        # compact in Chinese (kkui/tui/widgets/footer.py): "key description", whole
        assert region.width >= cells(f"{key} {description}"), (description, region)
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


# ---------------------------------------------------------------- switching at run time (f2)
def _scenes():
    import importlib.util
    import sys

    if "kkui_scenes" not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "screenshots" / "scenes.py"
        spec = importlib.util.spec_from_file_location("kkui_scenes", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["kkui_scenes"] = module
        spec.loader.exec_module(module)
    return sys.modules["kkui_scenes"]


def test_f2_switches_every_screen_and_keeps_the_edit_being_typed(tmp_path: Path) -> None:
    """The operator is typing a cluster name (not yet saved) and presses f2: the screens
    already shown turn Chinese in place, the field keeps the text, the document keeps the
    edit; f2 again: English, nothing lost."""
    from textual.widgets import DataTable, Input, Select, Static

    from kkui.tui.widgets.tr import TrLabel

    i18n.set_language("en")
    path = tmp_path / "config-sample.yaml"
    path.write_text(CONFIG)
    path.chmod(0o600)

    def facts(app: KkuiApp) -> dict[str, object]:
        hosts = app._screen_stacks["hosts"][0]  # noqa: SLF001 - shown earlier, not current
        table = hosts.query_one("#hosts-table", DataTable)
        return {"nav": [str(n.render()).split(" ", 2)[2] for n in app.screen.query(NavItem)][:3],
                "label": str(app.screen.query_one("#r-cluster-name TrLabel", TrLabel).render()),
                "field": app.screen.query_one("#cluster-name", Input).value,
                "name": app.document.get("metadata.name"),
                "hosts header": str(table.columns[next(iter(table.columns))].label),
                "sub title": app.sub_title,
                "mode": str(app.screen.query_one("#endpoint-mode", Select).query_one(
                    "SelectCurrent Static#label", Static).render()),
                "footer": [(k.description, k.region.width)
                           for k in app.screen.query(FooterKey)]}

    async def run() -> list[dict[str, object]]:
        app = KkuiApp(ClusterDocument.load(path), clock=lambda: 0.0, workdir=tmp_path / "w")
        seen = []
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("3")
            await pilot.pause()
            app.screen.query_one("#r-cluster-name").focus()
            await pilot.press("enter", *"lab-one")
            await pilot.pause()
            seen.append(facts(app))
            await pilot.press("f2")  # inside the field: switches, types nothing
            await pilot.pause()
            seen.append(facts(app) | {"language": i18n.language()})
            await pilot.press("f2")
            await pilot.pause()
            seen.append(facts(app) | {"language": i18n.language()})
        return seen

    try:
        before, chinese_, english = asyncio.run(run())
    finally:
        i18n.set_language("en")
    assert before["field"] == before["name"] == "lab-one"
    assert chinese_["language"] == "zh"
    assert chinese_["nav"] == ["主机", "角色", "集群"] and chinese_["label"] == "集群名称"
    assert chinese_["hosts header"] == "名称"  # a screen shown earlier, re-labelled too
    assert before["mode"] == "none: first control-plane's address (no HA)"
    assert chinese_["mode"] == "none：第一个控制平面节点的地址（无高可用）"  # a select's options
    assert chinese_["sub title"] == "已修改（ctrl+s 保存）"
    assert chinese_["field"] == chinese_["name"] == "lab-one"  # the edit is kept
    assert english == before | {"language": "en"}  # back to English, nothing lost


def test_f2_re_renders_results_without_running_anything_again(tmp_path: Path) -> None:
    """Verify results (as the worker posts them) shown in English, then f2: the same rows in
    Chinese, the detail with its fix in Chinese; no check runs again."""
    from textual.widgets import DataTable, Static

    scenes = _scenes()
    i18n.set_language("en")

    async def run() -> list[tuple[int, str, str, str]]:
        app = scenes.profile_app("verify")
        seen = []
        async with app.run_test(size=(80, 24)) as pilot:
            await scenes._verified(pilot)  # noqa: SLF001 - the README scene's results
            for _round in range(2):
                table = app.screen.query_one("#verify-table", DataTable)
                seen.append((table.row_count, str(table.get_row_at(0)[0]),
                             str(app.screen.query_one("#verify-detail", Static).render()),
                             str(app.screen.query_one("#verify-summary", Static).render())))
                await pilot.press("f2")
                await pilot.pause()
            assert not any(w.group == "verify" for w in app.workers)
        return seen

    try:
        english, chinese_ = asyncio.run(run())
    finally:
        i18n.set_language("en")
    assert english[1] == "✔ pass" and "\nfix: " in english[2]
    assert chinese_[0] == english[0]  # every result still there
    assert chinese_[1] == "✔ 通过" and "\n修复建议：" in chinese_[2]
    assert chinese_[3].startswith("✘ ") and "项通过" in chinese_[3]


def test_the_palette_offers_the_other_language(tmp_path: Path) -> None:
    from kkui.tui.keys import palette_entries

    i18n.set_language("en")
    path = tmp_path / "config-sample.yaml"
    path.write_text(CONFIG)
    path.chmod(0o600)

    async def run() -> tuple[str, str, str]:
        app = KkuiApp(ClusterDocument.load(path), clock=lambda: 0.0, workdir=tmp_path / "w")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            entry = next(e for e in palette_entries(app, app.screen)
                         if e.title.startswith("Language"))
            entry.run()
            await pilot.pause()
            back = next(e for e in palette_entries(app, app.screen) if e.help == "按键 f2")
            nav = str(app.screen.query(NavItem).first().render())
            return entry.title, back.title, nav

    try:
        there, back, nav = asyncio.run(run())
    finally:
        i18n.set_language("en")
    assert (there, back, nav) == ("Language: 中文", "语言：English", " 1 主机")


# ---------------------------------------------------------------- every screen fits 80x24
ZH_SCENE_NAMES = ["hosts", "host-form", "bulk-add", "roles", "cluster", "review", "precheck",
                  "kk-prompt", "install-running", "install-failed", "verify", "lb-pair", "keys",
                  "history"]


@pytest.mark.parametrize("name", ZH_SCENE_NAMES)
def test_no_label_is_cut_at_80x24_in_chinese(name: str, chinese: None, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every navigation item, footer key, table header, field label and button of the scene
    is whole on an 80x24 terminal in Chinese (CJK characters take two columns)."""
    from textual.widgets import Button, DataTable, Label

    monkeypatch.setenv("KKUI_DB", str(tmp_path / "kkui.db"))
    scenes = _scenes()
    scene = next(s for s in scenes.SCENES if s.name == name)

    async def run() -> list[str]:
        app = scene.make_app()
        cut: list[str] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await scene.run_before(pilot)
            await pilot.pause()
            screen = app.screen
            for item in screen.query(NavItem) if not screen.is_modal else \
                    app.screen_stack[-2].query(NavItem):
                text = str(item.render())
                if item.region.width != cells(text) or item.region.right > 80:
                    cut.append(f"nav {text!r} {item.region}")
            keys = list(screen.query(FooterKey))
            palette = next((k for k in keys if k.has_class("-command-palette")), None)
            for key in keys:
                need = cells(f"{key.key_display} {key.description}")
                over = palette is not None and key is not palette and \
                    key.region.right > palette.region.x
                if key.region.width < need or key.region.right > 80 or over:
                    cut.append(f"footer {key.description!r} {key.region}")
            for table in screen.query(DataTable):
                if not table.display or table.region.width == 0:
                    continue
                for column in table.columns.values():
                    if column.get_render_width(table) < cells(str(column.label)) + 2:
                        cut.append(f"header {column.label!s}")
            for label in screen.query(Label):
                text = str(label.render())
                if label.display and label.region.width and \
                        label.region.width < cells(text):
                    cut.append(f"label {text!r} {label.region}")
            for button in screen.query(Button):
                if button.region.width < cells(str(button.label)) + 2:
                    cut.append(f"button {button.label!s} {button.region}")
        return cut

    assert asyncio.run(run()) == []


def test_f2_re_words_the_install_banner_and_keeps_kks_log(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """A failed install (kk's etcd-failure transcript): f2 re-words the failure banner and the
    host panel in Chinese; kk's own log lines stay exactly as kk printed them."""
    from textual.widgets import DataTable, Static

    from kkui.tui.widgets.log_pane import LogPane

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    scenes = _scenes()
    scene = next(s for s in scenes.SCENES if s.name == "install-failed")
    i18n.set_language("en")

    async def run() -> list[tuple[str, str, str]]:
        app = scene.make_app()
        seen = []
        async with app.run_test(size=(80, 24)) as pilot:
            await scene.run_before(pilot)
            for _round in range(2):
                screen = app.screen
                hosts = screen.query_one("#install-hosts", DataTable)
                seen.append((str(screen.query_one("#banner", Static).render()),
                             str(hosts.get_row_at(0)[1]),
                             screen.query_one(LogPane).visible_text()))
                await pilot.press("f2")
                await pilot.pause()
        return seen

    try:
        english, chinese_ = asyncio.run(run())
    finally:
        i18n.set_language("en")
    assert english[0].startswith("✘ Install failed in ETCDConfigureModule on node1")
    assert chinese_[0].startswith("✘ 安装失败，模块 ETCDConfigureModule，主机 node1")
    assert english[1] == "✘ failed" and chinese_[1] == "✘ 失败"
    assert chinese_[2] == english[2] and "ETCDConfigureModule" in english[2]


def test_the_chinese_footer_fits_again_after_a_resize(tmp_path: Path, chinese: None) -> None:
    """Wide: every key of the Hosts screen in the footer; narrowed to 80 columns: the keys the
    help lists anyway make room, and no label is cut."""
    path = tmp_path / "config-sample.yaml"
    path.write_text(CONFIG)
    path.chmod(0o600)

    async def run() -> list[list[tuple[str, int, int]]]:
        app = KkuiApp(ClusterDocument.load(path), clock=lambda: 0.0, workdir=tmp_path / "w")
        seen = []
        async with app.run_test(size=(140, 24)) as pilot:
            await pilot.pause()
            for size in ((140, 24), (80, 24)):
                await pilot.resize_terminal(*size)
                await pilot.pause()
                await pilot.pause()
                seen.append([(k.description, k.region.width, k.region.right)
                             for k in app.screen.query(FooterKey)])
        return seen

    wide, narrow = asyncio.run(run())
    assert {"按键", "保存", "退出"} <= {d for d, _w, _r in wide}
    assert "按键" not in {d for d, _w, _r in narrow}
    for description, width, right in narrow:
        assert width >= cells(description) and right <= 80, (description, width, right)
