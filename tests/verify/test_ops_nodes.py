"""The TUI's node operations on the Cluster ops screen (issue #15) against this module's own
loopback cluster lab (real sshd hosts, the real 3-member TLS etcd, kubectl/apiserver stand-ins,
the stand-in kk): node add, node delete and the node replacement, with the same confirmations
and the same core functions as `kkui nodes add|delete|replace`.  The replacement changes etcd's
membership for real, so it runs last (the tests run in file order)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab
from textual.widgets import DataTable, OptionList, Static

from kkui.core.config import ClusterDocument
from kkui.tui.app import KkuiApp
from kkui.tui.modals.choose import Choose
from kkui.tui.modals.confirm import Confirm

from .test_day2_kk_lab import _without, kk_record
from .test_day2_replace_lab import join_as_kk_would, members
from .test_ops_screen import FAKE_KK, fake_kk_env, ops_screen, pane_text, state_text

pytestmark = [pytest.mark.sshd]


def dialog_text(app: KkuiApp) -> str:
    return str(app.screen.query_one("#dialog-text", Static).render())


def offered(app: KkuiApp) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


def steps(app: KkuiApp) -> list[tuple[str, str, str]]:
    """The checklist rows: (mark, step, detail)."""
    table = app.screen.query_one("#ops-steps", DataTable)
    return [tuple(str(c) for c in table.get_row_at(i))  # type: ignore[misc]
            for i in range(table.row_count)]


def test_tui_node_add_shows_new_and_touched_hosts_then_runs_kk_and_verify(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    worker = cluster.worker_names[0]
    (work / "config-sample.yaml").write_text(_without(config, worker))   # the applied one
    fake_kk_env(monkeypatch, home)

    async def scenario() -> None:
        async with ops_screen(ClusterDocument.load(config), workdir=work,
                              kk_binary=FAKE_KK, skip_precheck=True, clock=lambda: 0.0,
                              size=(120, 36)) as (app, pilot):
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            text = dialog_text(app)
            assert f"New: {worker} (worker)" in text
            touched = text.split("kubekey#1638, #1787):")[1].split("\n")[0]
            assert all(m in touched for m in cluster.master_names) and worker not in touched
            assert "./kk add nodes -f config-sample.yaml" in text
            assert not (home / "kk-record.json").exists()       # kk waits for the answer
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            rec = kk_record(home)
            assert rec["argv"] == ["add", "nodes", "-f", "config-sample.yaml"]
            assert worker in str(rec["config"])                 # kk sees the new host
            out = pane_text(app)
            assert "AddNodesPipeline" in out and "verify:" in out
            assert out.index("AddNodesPipeline") < out.index("verify:")
            assert state_text(app) == "✔ nodes add done", out
            assert not app.busy

    asyncio.run(scenario())


def test_tui_node_delete_offers_workers_only_drains_runs_kk_and_edits_the_document(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    worker = cluster.worker_names[0]
    fake_kk_env(monkeypatch, home)
    saved = config.read_text()

    async def scenario() -> None:
        doc = ClusterDocument.load(config)
        async with ops_screen(doc, workdir=tmp_path / "work",
                              kk_binary=FAKE_KK, skip_precheck=True, clock=lambda: 0.0,
                              size=(120, 36)) as (app, pilot):
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            assert offered(app) == [worker]                     # no control plane, no etcd
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert f"cordon + drain {worker}" in dialog_text(app)
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert kk_record(home)["argv"] == ["delete", "node", worker, "-f",
                                               "config-sample.yaml"]
            out = pane_text(app)
            assert f"cordoned and drained {worker}" in out, out
            assert out.index("cordoned and drained") < out.index("DeleteNodePipeline")
            assert worker not in doc.host_names() and doc.is_modified   # ctrl+s saves it
            assert f"host {worker} removed from the config" in out

    try:
        asyncio.run(scenario())
        node = next(n for n in cluster.state()["nodes"] if n["metadata"]["name"] == worker)
        assert node.get("spec", {}).get("unschedulable") is True          # really cordoned
        assert config.read_text() == saved                                # not saved by kkui
    finally:
        with cluster.state_lock:
            state = cluster.state()
            for n in state["nodes"]:
                n.get("spec", {}).pop("unschedulable", None)
            cluster.write_state(state)


def test_tui_replace_runs_the_checklist_step_by_step_and_resumes_at_the_failed_step(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, old = cluster.master_names
    new = cluster.worker_names[0]              # new since the applied config below
    work = tmp_path / "work"
    work.mkdir()
    (work / "config-sample.yaml").write_text(_without(config, new))
    fake_kk_env(monkeypatch, home)
    saved = config.read_text()

    async def scenario() -> None:
        doc = ClusterDocument.load(config)
        async with ops_screen(doc, workdir=work,
                              kk_binary=FAKE_KK, skip_precheck=True, clock=lambda: 0.0,
                              size=(120, 40)) as (app, pilot):
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            assert offered(app) == [second, old]             # never the first control plane
            app.screen.query_one(OptionList).highlighted = 1
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Choose) and offered(app) == [new]
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            text = dialog_text(app)
            assert f"etcd: 3 members, quorum 2; without {old}: 2 members" in text
            assert "quorum kept" in text
            detail = str(app.screen.query_one("#dialog-detail-text", Static).render())
            assert f"3. etcdctl member remove {old}" in detail
            assert f"7. kk add nodes ({new} joins)" in detail
            await pilot.press("n")                           # no: nothing happens
            await pilot.pause()
            assert members(cluster, first) == {first, second, old}
            assert not list(work.glob("replace-*.json"))

            await pilot.press("r", "down", "enter", "enter", "y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            rows = steps(app)
            assert [r[0] for r in rows] == ["✔"] * 7 + ["✘", "·", "·"], rows
            assert rows[2][2].startswith(f"removed member {old}")
            assert rows[6][2] == "kk add nodes exit 0"
            assert f"{new} is not in etcd's member list" in rows[7][2]
            assert members(cluster, first) == {first, second}      # OLD really removed
            assert kk_record(home)["argv"] == ["add", "nodes", "-f", "config-sample.yaml"]
            assert state_text(app).startswith("✘ step 8 failed")
            assert "it continues at step 8" in state_text(app)
            # the config step went into the document (saved by ctrl+s, as every TUI edit)
            assert old not in doc.host_names() and "etcd" in doc.model().roles_of(new)
            assert doc.is_modified and config.read_text() == saved
            assert not app.busy

            # again: OLD's row is gone, the unfinished replacement is offered first; the
            # steps done are re-checked (the member list) and it continues at step 8
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            assert offered(app) == [f"continue {old} {new}"]
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            assert "7 step(s) done earlier" in dialog_text(app)
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            rows = steps(app)
            assert [r[2] for r in rows[:7]] == ["earlier run"] * 7, rows
            assert rows[7][0] == "✘" and state_text(app).startswith("✘ step 8 failed")
            assert kk_record(home)["argv"] == ["add", "nodes", "-f", "config-sample.yaml"]
            done = json.loads((work / f"replace-{old}-{new}.json").read_text())["done"]
            assert done == ["verify", "drain", "etcd-remove", "kk-delete", "lb-without",
                            "config", "kk-add"]

            # the operator fixes step 8 (here: what kk's etcd module would have done), and
            # the third run continues there; the final verify fails in the lab (NEW has no
            # API server: kk would have installed one), and says where it would continue
            await asyncio.get_running_loop().run_in_executor(
                None, join_as_kk_would, cluster, first, old, new)
            await pilot.press("r", "enter", "y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            rows = steps(app)
            assert [r[0] for r in rows] == ["✔"] * 9 + ["✘"], rows
            assert rows[7][2].startswith(f"{new} is an etcd member")
            assert state_text(app).startswith("✘ step 10 failed"), state_text(app)
            assert members(cluster, first) == {first, second, new}

    asyncio.run(scenario())


def test_removing_a_member_already_gone_is_done_and_changes_nothing(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    """After the replacement above OLD is no member: a second removal (a resumed checklist,
    `nodes delete --force` run twice) says so and leaves the other members alone."""
    from kkui.core.day2.replace import EtcdMembers

    first, second, old = cluster.master_names
    before = members(cluster, first)
    assert old not in before and len(before) == 3
    etcd = EtcdMembers(ClusterDocument.load(config).model(), avoid=old)
    try:
        ok, detail = etcd.remove(old)
    finally:
        etcd.close()
    assert (ok, detail) == (True, f"{old} is not a member (already removed)")
    assert members(cluster, first) == before
