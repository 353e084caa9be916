"""The TUI's Verify screen against the loopback cluster lab: the same checks as the CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab
from textual.widgets import DataTable, Static

from kkui.core.config import ClusterDocument
from kkui.core.verify.engine import select_checks
from kkui.tui.app import KkuiApp

pytestmark = [pytest.mark.sshd]


def test_verify_screen_fills_a_row_per_result_and_shows_the_fix(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    doc = ClusterDocument.load(config)
    expected_ids = {c.id for c in select_checks(doc.model())}
    worker = cluster.worker_names[0]
    cluster.set_node_ready(worker, False)

    async def scenario() -> None:
        app = KkuiApp(doc, workdir=tmp_path / "work", clock=lambda: 0.0)
        async with app.run_test(size=(120, 36)) as pilot:
            await app.switch_mode("verify")
            await pilot.pause()
            table = app.screen.query_one("#verify-table", DataTable)
            assert table.row_count == 0            # nothing connects before `v`
            await pilot.press("v")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert table.row_count >= len(expected_ids)
            ids = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
            assert ids == expected_ids
            summary = str(app.screen.query_one("#verify-summary", Static).render())
            assert "1 failed" in summary
            bad = next(i for i in range(table.row_count)
                       if str(table.get_row_at(i)[1]) == "nodes-ready"
                       and str(table.get_row_at(i)[2]) == worker)
            table.move_cursor(row=bad)
            await pilot.pause()
            detail = str(app.screen.query_one("#verify-detail", Static).render())
            assert "NotReady" in detail and "fix:" in detail

    try:
        asyncio.run(scenario())
    finally:
        cluster.set_node_ready(worker, True)
