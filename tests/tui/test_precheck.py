"""Precheck flow against real loopback sshd hosts (tests/support/sshlab.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from kkui.tui.modals.confirm import Confirm

from .conftest import SIZE

sshlab_mod = pytest.importorskip("support.sshlab")
sshlab = sshlab_mod.sshlab  # the session fixture
pytestmark = pytest.mark.sshd


@pytest.fixture
def isolated_known_hosts(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("KKUI_USER_KNOWN_HOSTS", str(tmp_path / "user_known_hosts"))


def cell(table: DataTable, row: str, column: str) -> str:
    return str(table.get_cell(row, column))


async def test_precheck_grid_fills_in_and_fix_packages(sshlab, make_app, tmp_path,
                                                       isolated_known_hosts) -> None:
    good = sshlab.add_host(f"tgood{id(tmp_path) % 1000}")
    bad = sshlab.add_host(f"tbad{id(tmp_path) % 1000}", tools_missing=("socat", "conntrack"),
                          pkg_manager="apt")
    config = sshlab.write_config(tmp_path / "config.yaml", [good, bad])
    app = make_app(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert not screen.reports, "nothing connects before the operator asks"
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one("#grid", DataTable)
        assert set(screen.reports) == {good.name, bad.name}
        assert "✘" in cell(table, bad.name, "socat")
        assert "✔" in cell(table, good.name, "socat")
        assert "Fix the failures" in str(screen.query_one("#precheck-status").render())
        # Selecting a failing cell shows its detail and fix command.
        table.focus()
        table.move_cursor(row=table.get_row_index(bad.name),
                          column=table.get_column_index("socat"))
        await pilot.pause()
        detail = str(screen.query_one("#check-detail").render())
        assert "socat: fail" in detail and "fix:" in detail and "apt-get" in detail
        # Fix packages: confirm, install over SSH, re-run.
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "socat" in str(app.screen.query_one("#dialog-text").render())
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "✔" in cell(table, bad.name, "socat")
        assert "✔" in cell(table, bad.name, "conntrack")


async def test_example_addresses_ask_before_connecting(make_app) -> None:
    from kkui.core.config import ClusterDocument
    from kkui.tui.app import KkuiApp

    app = KkuiApp(ClusterDocument.from_profile("ha-external-lb"), clock=lambda: 0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # never connect to the profile's example hosts in tests
        await pilot.pause()
        assert not app.screen.running and not app.screen.reports
