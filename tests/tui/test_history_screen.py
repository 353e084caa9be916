"""The History screen (issue #14) over a run history built in the test (KKUI_DB is per test),
re-running a precheck from it against real SSH hosts on loopback, and the per-host plan in the
Install screen's confirm dialog."""

from __future__ import annotations

from pathlib import Path

import support.sshlab
from textual.widgets import DataTable
from textual.worker import WorkerCancelled

from kkui.core.config import ClusterDocument
from kkui.core.runs import recorded_run
from kkui.tui.modals.confirm import Confirm
from kkui.tui.screens.history import HistoryScreen
from kkui.tui.screens.precheck import PrecheckScreen

from .conftest import LOOPBACK_CONFIG, SIZE

sshlab = support.sshlab.sshlab  # the session fixture

NODE3 = ("  - {name: node3, address: 127.0.0.3, internalAddress: 127.0.0.3, user: root, "
         "privateKeyPath: ~/.ssh/id_ed25519}\n  roleGroups:")


def record(config: Path, command: str, *, code: int, text: str | None = None,
           stages: tuple[str, ...] = (), failed: str = "", findings: tuple[str, ...] = (),
           log: Path | None = None, flags: tuple[str, ...] = ()) -> int:
    """One finished run in the test's history database, through the core recorder."""
    doc = ClusterDocument.from_text(text, source=str(config)) if text else \
        ClusterDocument.load(config)
    with recorded_run(command, model=doc.model(), config_text=doc.to_text(), config_path=config,
                      argv=[command, "-f", str(config), *flags]) as run:
        for stage in stages:
            run.stage(stage)
        if failed:
            run.failed(failed, ["node1"])
        run.add_findings(findings)
        run.set_log(log)
        run.finish(code)
    assert run.id is not None
    return run.id


async def until_idle(pilot) -> None:
    """Every worker has ended and its messages are handled (an exclusive worker that a newer
    one replaced counts as ended)."""
    while True:
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        break
    await pilot.pause()


def detail(app) -> str:
    return str(app.screen.query_one("#history-detail").render())


async def test_history_lists_runs_newest_first_with_detail_and_diff(make_app, config_path,
                                                                    tmp_path) -> None:
    log = tmp_path / "install.log"
    log.write_text("kk output\n")
    record(config_path, "install", code=0, stages=("precheck", "kk: GreetingsModule"))
    grown = LOOPBACK_CONFIG.replace("  roleGroups:", NODE3, 1).replace(
        "    worker:\n    - node1", "    worker:\n    - node1\n    - node3", 1)
    record(config_path, "install", code=1, text=grown, log=log, failed="ETCDConfigureModule",
           stages=("precheck", "kk: ETCDConfigureModule"),
           findings=("etcd health check failed on node1",))
    record(config_path, "verify", code=0, stages=("verify",))
    app = make_app(config_path, start="history")
    async with app.run_test(size=SIZE) as pilot:
        await until_idle(pilot)
        await until_idle(pilot)  # the list, then the first row's detail
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#history-runs", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
            ("3", "verify", "sample", "✔ success", "0"),
            ("2", "install", "sample", "✘ failed", "1"),
            ("1", "install", "sample", "✔ success", "0")]
        assert rows[1][6] == "ETCDConfigureModule"
        assert "run 3 · verify" in detail(app)
        await pilot.press("down")  # the failed install
        await until_idle(pilot)
        shown = detail(app)
        assert "run 2 · install · cluster sample · ✘ failed (exit 1)" in shown
        assert "ETCDConfigureModule on node1" in shown
        assert "kk: ETCDConfigureModule" in shown and "precheck" in shown  # the timeline
        assert "- etcd health check failed on node1" in shown
        assert f"log       {log.resolve()}" in shown
        assert "diff with run 1" in shown
        assert "+ host node3 (127.0.0.3, worker)" in shown
        assert "Qcloud@123" not in shown  # the stored config is masked
        await pilot.press("down")
        await until_idle(pilot)
        assert "the first run of cluster sample with a config" in detail(app)


async def test_an_empty_history_says_what_gets_recorded(make_app, config_path) -> None:
    app = make_app(config_path, start="history")
    async with app.run_test(size=SIZE) as pilot:
        await until_idle(pilot)
        status = str(app.screen.query_one("#history-status").render())
        assert "No runs recorded yet" in status


async def test_rerun_of_a_precheck_from_history_checks_the_hosts(
        make_app, sshlab: support.sshlab.SshLab, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # kkui's known_hosts
    hosts = sshlab.add_hosts(["hs-rerun-a", "hs-rerun-b"])
    config = sshlab.write_config(tmp_path / "cluster.yaml", hosts, name="rerun")
    record(config, "precheck", code=1, stages=("precheck",))
    app = make_app(config, start="history")
    async with app.run_test(size=SIZE) as pilot:
        await until_idle(pilot)
        await until_idle(pilot)
        assert "run 1 · precheck" in detail(app)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, PrecheckScreen)
        await until_idle(pilot)
        report = app.last_precheck
        assert report is not None
        assert sorted(h.name for h in report.hosts) == ["hs-rerun-a", "hs-rerun-b"]
        assert all(h.hostname for h in report.hosts)  # each host answered over SSH
        assert str(app.screen.query_one("#precheck-status").render()).startswith(
            ("✔ Ready for kk", "✘ Fix the failures"))
        await pilot.press("9")  # back to History: the re-run is the newest run
        await until_idle(pilot)
        await until_idle(pilot)
        table = app.screen.query_one("#history-runs", DataTable)
        assert [str(table.get_row_at(i)[2]) for i in range(table.row_count)] == [
            "precheck", "precheck"]
        assert "run 1 · precheck" in detail(app)  # the highlighted run stays highlighted
        await pilot.press("up")
        await until_idle(pilot)
        assert "run 2 · precheck · cluster rerun" in detail(app)
        assert "command   kkui tui" in detail(app)


async def test_rerun_of_an_install_opens_its_confirm_with_the_same_options(
        make_app, config_path, tmp_path) -> None:
    workdir = tmp_path / "prod-work"
    record(config_path, "install", code=1, flags=("--skip-precheck", "--workdir", str(workdir),
                                                  "--yes"))
    app = make_app(config_path, start="history")
    assert not app.skip_precheck
    async with app.run_test(size=SIZE) as pilot:
        await until_idle(pilot)
        await until_idle(pilot)
        await pilot.press("r")
        await until_idle(pilot)
        assert isinstance(app.screen, Confirm)  # the Install screen's, nothing started yet
        assert app.current_mode == "install"
        text = str(app.screen.query_one("#dialog-text").render())
        assert "kkui's precheck is skipped (--skip-precheck)" in text
        plan = str(app.screen.query_one("#dialog-detail-text").render())
        assert f"writes {workdir}/config-sample.yaml" in plan  # the recorded --workdir
        assert (app.workdir, app.skip_precheck) == (workdir, True)
        shown = " ".join(n.message for n in app._notifications)
        assert f"--workdir {workdir}, --skip-precheck" in shown
        await pilot.press("n")


async def test_rerun_refuses_a_run_of_another_cluster(make_app, config_path, tmp_path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(LOOPBACK_CONFIG.replace("name: sample", "name: prod"))
    record(other, "precheck", code=0)
    app = make_app(config_path, start="history")
    async with app.run_test(size=SIZE) as pilot:
        await until_idle(pilot)
        await until_idle(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)  # nothing ran
        shown = " ".join(n.message for n in app._notifications)
        assert "Run 1 is of cluster prod; this session edits sample" in shown
        assert f"`kkui tui -f {other.resolve()}`" in shown


async def test_install_confirm_shows_the_per_host_plan(make_app, config_path) -> None:
    record(config_path, "install", code=0)  # node1 and node2 were installed before
    grown = LOOPBACK_CONFIG.replace("  roleGroups:", NODE3, 1)
    config_path.write_text(grown)
    app = make_app(config_path, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        text = str(app.screen.query_one("#dialog-text").render())
        assert "Plan: 3 host(s): 1 new, 2 existing, 0 changed (compared with run 1)" in text
        plan = str(app.screen.query_one("#dialog-detail-text").render())
        assert "node3 (127.0.0.3) no role — new" in plan
        assert "node1 (127.0.0.1) etcd,control-plane,worker — existing" in plan
        assert "swap off: `swapoff -a`" in plan
        assert "docker installed, configured and started (+ cri-dockerd)" in plan
        await pilot.press("n")


async def test_a_tui_verify_is_recorded_in_the_history(make_app, tmp_path) -> None:
    from history.conftest import write_config

    from kkui.core.runs.query import get_run, list_runs
    from kkui.core.runs.store import connect

    config = write_config(tmp_path / "cluster.yaml")
    # nothing listens on port 1 of the loopback hosts: every check errors, fast
    config.write_text(config.read_text().replace("user: ubuntu", "user: ubuntu, port: 1"))
    app = make_app(config, start="verify")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("v")
        await until_idle(pilot)
        summary = str(app.screen.query_one("#verify-summary").render())
        assert summary.startswith("✘")
    conn = connect()
    try:
        runs = list_runs(conn)
        assert [(r.command, r.cluster, r.outcome, r.exit_code) for r in runs] == [
            ("verify", "sample", "failed", 1)]
        run = get_run(conn, runs[0].id)
    finally:
        conn.close()
    assert run.argv == ["tui"] and [s.name for s in run.stages] == ["verify"]
    assert run.findings and "Hist-S3cret-pw" not in (run.config_text or "")
