"""Editing flows: hosts, roles, cluster settings, review, saving, quitting."""

from __future__ import annotations

import stat
from pathlib import Path

from textual.widgets import DataTable, Input, Select, TextArea

from kkui.core.config import ClusterDocument
from kkui.tui.modals.bulk_add import BulkAdd
from kkui.tui.modals.confirm import Confirm, ConfirmQuit
from kkui.tui.modals.host_form import HostForm

from .conftest import SIZE


async def type_into(pilot, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def test_add_host_toggle_role_save_keeps_comments(make_app, config_path: Path) -> None:
    before = config_path.read_text()
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.title == "kkui · config-sample.yaml"
        await pilot.press("a")
        assert isinstance(app.screen, HostForm)
        await type_into(pilot, "#f-name", "node3")
        await type_into(pilot, "#f-address", "127.0.0.3")
        await pilot.press("enter")
        await pilot.pause()
        table = app.screen.query_one("#hosts-table", DataTable)
        assert table.row_count == 3
        assert app.title.endswith("•"), "an unsaved change shows in the title"
        await pilot.press("2")  # roles
        await pilot.pause()
        grid = app.screen.query_one("#roles-table", DataTable)
        grid.move_cursor(row=2, column=grid.get_column_index("worker"))
        await pilot.press("space")
        await pilot.pause()
        assert "worker" in app.document.model().roles_of("node3")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.title.endswith("•")
    text = config_path.read_text()
    assert "name: node3, address: 127.0.0.3" in text
    assert "# 实验集群 — a loopback test cluster" in text and "# the control plane" in text
    assert "    - node3\n" in text.split("worker:")[1]
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    bak = config_path.with_name(config_path.name + ".bak")
    assert bak.read_text() == before


async def test_host_form_validates_inline_and_masks_password(make_app, config_path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        form = app.screen
        await type_into(pilot, "#f-name", "Bad_Name")
        await type_into(pilot, "#f-address", "127.0.0.1")  # taken by node1
        await pilot.pause()
        assert "RFC 1123" in str(form.query_one("#e-name").render())
        assert "already used" in str(form.query_one("#e-address").render())
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form, "a form with errors is not accepted"
        await type_into(pilot, "#f-name", "node9")
        await type_into(pilot, "#f-address", "127.0.0.9")
        form.query_one("#f-auth", Select).value = "password"
        await pilot.pause()
        password = form.query_one("#f-password", Input)
        assert password.password, "the password field is masked"
        await type_into(pilot, "#f-password", "s3cret-pw")
        await pilot.press("enter")
        await pilot.pause()
        table = app.screen.query_one("#hosts-table", DataTable)
        row = [str(c) for c in table.get_row("node9")]
        assert "password ••••" in row and "s3cret-pw" not in " ".join(row)
        # Editing again never shows the stored password.
        table.move_cursor(row=table.get_row_index("node9"))
        await pilot.press("e")
        await pilot.pause()
        assert app.screen.query_one("#f-password", Input).value == ""
        await pilot.press("escape")
        # The review preview masks it too.
        await pilot.press("4")
        await pilot.pause()
        preview = app.screen.query_one("#preview", TextArea).text
        assert "s3cret-pw" not in preview and "Qcloud@123" not in preview
        assert "password: ••••" in preview
        assert app.document.model().host("node9").password == "s3cret-pw"


async def test_duplicate_and_delete(make_app, config_path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")  # duplicate node1 (password auth, copied but hidden)
        await pilot.pause()
        form = app.screen
        assert form.query_one("#f-name", Input).value == "node2" or \
            form.query_one("#f-name", Input).value == "node3"
        assert form.query_one("#f-password", Input).value == ""
        await pilot.press("enter")
        await pilot.pause()
        model = app.document.model()
        assert len(model.hosts) == 3
        copy = model.hosts[2]
        assert copy.password == "Qcloud@123" and copy.address == "127.0.0.3"
        table = app.screen.query_one("#hosts-table", DataTable)
        table.move_cursor(row=0)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        model = app.document.model()
        assert [h.name for h in model.hosts] == ["node2", copy.name]
        assert "node1" not in model.role_groups.get("etcd", ())


async def test_bulk_add_range_with_pattern(make_app, config_path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("b")
        assert isinstance(app.screen, BulkAdd)
        await type_into(pilot, "#b-addresses", "127.0.0.15-17")
        await pilot.pause()
        assert "worker1 127.0.0.15" in str(app.screen.query_one("#preview").render())
        await pilot.press("enter")
        await pilot.pause()
        model = app.document.model()
        names = [h.name for h in model.hosts]
        assert names[-3:] == ["worker1", "worker2", "worker3"]
        assert model.host("worker3").address == "127.0.0.17"
        assert set(model.role_groups["worker"]) >= {"worker1", "worker2", "worker3"}


async def test_roles_warn_live_about_even_etcd_and_missing_lb(make_app, config_path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        grid = app.screen.query_one("#roles-table", DataTable)
        grid.move_cursor(row=1, column=grid.get_column_index("etcd"))
        await pilot.press("space")
        await pilot.pause()
        warnings = str(app.screen.query_one("#roles-warnings").render())
        assert "2 etcd members" in warnings
        grid.move_cursor(row=1, column=grid.get_column_index("control-plane"))
        await pilot.press("space")
        await pilot.pause()
        warnings = str(app.screen.query_one("#roles-warnings").render())
        assert "no load balancer" in warnings
        assert "etcd 2 · control-plane 2" in str(app.screen.query_one("#roles-counts").render())


async def test_cluster_settings_write_the_document(make_app, config_path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#k8s-version", Select).value = "v1.28.15"
        screen.query_one("#container-manager", Select).value = "containerd"
        screen.query_one("#kk-zone", Select).value = "cn"
        await pilot.pause()
        await type_into(pilot, "#service-cidr", "10.233.64.0/20")
        await pilot.pause()
        problems = str(screen.query_one("#cluster-problems").render())
        assert "overlaps the pod CIDR" in problems
        screen.query_one("#endpoint-mode", Select).value = "external"
        await pilot.pause()
        await type_into(pilot, "#endpoint-address", "127.0.0.50")
        await pilot.pause()
        model = app.document.model()
        assert model.kubernetes_version == "v1.28.15"
        assert model.container_manager == "containerd"
        assert model.kkui.zone == "cn"
        assert model.service_cidr == "10.233.64.0/20"
        assert model.lb_mode == "external"
        assert model.kkui.load_balancer.vip == "127.0.0.50"
        assert model.control_plane_endpoint.address == "127.0.0.50"
        screen.query_one("#endpoint-mode", Select).value = "haproxy"
        await pilot.pause()
        assert isinstance(app.screen, Confirm), "leaving external asks before the pair goes"
        await pilot.press("y")
        await pilot.pause()
        model = app.document.model()
        assert model.lb_mode == "haproxy" and model.control_plane_endpoint.address == ""


async def test_review_jumps_to_the_field(make_app, config_path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.document.update_host("node2", address="not an ip!")
        app.document_changed()
        await pilot.press("4")
        await pilot.pause()
        table = app.screen.query_one("#problems", DataTable)
        paths = [str(table.get_cell_at((i, 1))) for i in range(table.row_count)]
        index = paths.index("spec.hosts[1].address")
        table.move_cursor(row=index)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.current_mode == "hosts"
        assert isinstance(app.screen, HostForm)
        assert app.screen.focused is app.screen.query_one("#f-address")


async def test_quit_with_unsaved_changes_asks(make_app, config_path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.edit(lambda: app.document.set("spec.kubernetes.version", "v1.24.17"))
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuit)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
    assert "version: v1.24.17" in config_path.read_text()


async def test_profile_picker_then_save_as(make_app, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # the first profile
        await pilot.pause()
        assert app.doc is not None and app.current_mode == "hosts"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")  # accept ./config-sample.yaml
        await pilot.pause()
    saved = tmp_path / "config-sample.yaml"
    assert saved.exists() and stat.S_IMODE(saved.stat().st_mode) == 0o600
    ClusterDocument.load(saved)


async def test_no_color_keeps_meaning_in_symbols(make_app, config_path, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(config_path)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        grid = app.screen.query_one("#roles-table", DataTable)
        cells = [str(c) for c in grid.get_row("node2")]
        assert cells[2:] == ["·", "·", "✔"], "roles read without colour"


async def test_editing_an_inline_key_host_keeps_its_inline_key(make_app, config_path) -> None:
    """Saving the form unchanged must not switch an inline-key host to a key file."""
    doc = ClusterDocument.load(config_path)
    doc.update_host("node2", privateKey="-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
                    "-----END OPENSSH PRIVATE KEY-----\n", password=None, privateKeyPath=None)
    doc.save()
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#hosts-table", DataTable)
        table.move_cursor(row=1)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, HostForm)
        await type_into(pilot, "#f-user", "admin")
        await pilot.press("enter")
        await pilot.pause()
        host = app.document.model().host("node2")
        assert host is not None and host.user == "admin"
        assert host.private_key and host.private_key_path is None
