"""Precheck flow against real loopback sshd hosts (tests/support/sshlab.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import support.sshlab as sshlab_module
from textual.widgets import DataTable

from kkui.tui.modals.confirm import Confirm

from .conftest import SIZE

sshlab = sshlab_module.sshlab  # the session fixture
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


async def test_grid_failing_only_view_unreachable_cells_and_fix_result_stays(
        sshlab, make_app, tmp_path, isolated_known_hosts) -> None:
    """Issue #11 defect 9/11: the Host column is frozen, "o" shows only the failing checks,
    a host that could not be reached reads "–" (not "…", which means still running), and a
    failed "Fix packages" stays on screen."""
    good = sshlab.add_host(f"fgood{id(tmp_path) % 1000}")
    bad = sshlab.add_host(f"fbad{id(tmp_path) % 1000}", tools_missing=("socat",),
                          pkg_manager="apt", stubs={"apt-get": "#!/bin/sh\nexit 100\n"})
    address, port = sshlab.unused_endpoint()
    gone = sshlab.host_row(good, name="gone", address=address, internalAddress=address,
                           port=port)
    config = sshlab.write_config(tmp_path / "config.yaml", [good, bad, gone])
    app = make_app(config)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#grid", DataTable)
        assert table.fixed_columns == 1
        assert str(table.get_cell(good.name, "role")) == "etcd cp w"  # compact role
        assert cell(table, "gone", "socat") == "–", "unreachable: not checked, not running"
        all_columns = len(table.columns)
        await pilot.press("o")
        await pilot.pause()
        shown = [str(c.key.value) for c in table.ordered_columns][2:]
        assert "socat" in shown and len(table.columns) < all_columns
        for check_id in shown:  # every column shown has a non-pass somewhere
            assert any(cell(table, row, check_id) not in ("✔",)
                       for row in (good.name, bad.name, "gone"))
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = screen.query_one("#fix-result")
        assert result.display and "Package install failed" in str(result.render())


async def test_quit_during_a_package_fix_asks_first(sshlab, make_app, tmp_path,
                                                    isolated_known_hosts) -> None:
    """Issue #11: "what is running" comes from the app's workers, so ctrl+q while "Fix
    packages" runs asks first (it used to quit at once)."""
    from kkui.tui.modals.confirm import ConfirmQuit

    host = sshlab.add_host(f"qfix{id(tmp_path) % 1000}", tools_missing=("socat",),
                           pkg_manager="apt")
    release = host.dir / "release-apt"
    # apt-get on the lab host waits until the test lets it go (the waiting is on the host;
    # it gives up after ~20 s so that a failing test cannot hang on it)
    stub = (f"#!/bin/sh\nn=0\nwhile [ ! -e {release} ] && [ $n -lt 400 ]; do sleep 0.05; "
            "n=$((n+1)); done\nexit 100\n")
    (host.dir / "bin" / "apt-get").write_text(stub)
    config = sshlab.write_config(tmp_path / "config.yaml", [host])
    app = make_app(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert any(w.group == "fix" and w.is_running for w in app.workers)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuit), "quitting during a fix asks first"
        assert "the package fix" in str(app.screen.query_one("#dialog-text").render())
        await pilot.press("escape")
        release.write_text("")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert app.is_running
