"""The TUI's Cluster ops screen against the loopback cluster lab (real sshd hosts, the real
3-member etcd with kk's certificate layout, the stand-in kk): the same core functions as
`kkui certs`, `kkui etcd snapshot` and `kkui certs --renew`, with the same confirmations."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from support.clusterlab import ClusterLab
from textual.pilot import Pilot
from textual.widgets import DataTable, RichLog, Static

from kkui.core.config import ClusterDocument
from kkui.core.day2.certs import NOT_RENEWED_BY_KK
from kkui.tui.app import KkuiApp
from kkui.tui.modals.confirm import Confirm, ConfirmQuit

pytestmark = [pytest.mark.sshd]
SUPPORT = Path(__file__).resolve().parents[1] / "support"
FAKE_KK = SUPPORT / "fake_kk.py"


@asynccontextmanager
async def ops_screen(doc: ClusterDocument, *, size: tuple[int, int],
                     **options: Any) -> AsyncIterator[tuple[KkuiApp, Pilot[Any]]]:
    """A kkui app (``options``: KkuiApp's) on its Cluster ops screen, as the user reaches it
    (the `0` screen switch), ready for keys."""
    app = KkuiApp(doc, **options)
    async with app.run_test(size=size) as pilot:
        await app.switch_mode("ops")
        await pilot.pause()
        yield app, pilot


def pane_text(app: KkuiApp) -> str:
    """The output pane's text, wrapped lines joined again (whitespace normalised)."""
    log = app.screen.query_one("#ops-output", RichLog)
    return " ".join(" ".join("".join(seg.text for seg in strip) for strip in log.lines).split())


def state_text(app: KkuiApp) -> str:
    return str(app.screen.query_one("#ops-state", Static).render())


def rows(app: KkuiApp) -> list[list[str]]:
    table = app.screen.query_one("#ops-certs", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def fake_kk_env(monkeypatch: pytest.MonkeyPatch, home: Path, scenario: str = "") -> None:
    monkeypatch.setenv("FAKE_KK_TRANSCRIPTS", str(SUPPORT / "kk_transcripts"))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("FAKE_KK_RECORD", str(home / "kk-record.json"))
    if scenario:
        monkeypatch.setenv("FAKE_KK_SCENARIO", scenario)


def test_certs_calendar_lists_the_soonest_expiry_first(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    m3 = cluster.master_names[2]
    rel = "etc/kubernetes/pki/front-proxy-client.crt"
    cluster.set_cert(m3, rel, days=5)

    async def scenario() -> None:
        async with ops_screen(ClusterDocument.load(config), workdir=tmp_path / "work",
                              clock=lambda: 0.0, size=(120, 36)) as (app, pilot):
            assert rows(app) == []                      # nothing connects before `c`
            await pilot.press("c")
            await app.workers.wait_for_complete()
            await pilot.pause()
            table = rows(app)
            assert table[0][0] == "✘ FAIL" and table[0][3] == m3
            assert table[0][5] == "/" + rel and table[0][1] in ("4", "5")
            days = [float(r[1]) for r in table if r[1] != "?"]
            assert days == sorted(days)
            ca = next(r for r in table if r[5] == "/etc/ssl/etcd/ssl/ca.pem")
            assert ca[4] == "CA"
            assert not any(r[5].endswith("-key.pem") for r in table)
            assert " ".join(NOT_RENEWED_BY_KK.split()) in pane_text(app)
            assert "1 failing or unreadable" in state_text(app)

    try:
        asyncio.run(scenario())
    finally:
        cluster.set_cert(m3, rel, days=365)


def test_etcd_snapshot_asks_first_then_keeps_the_snapshot_with_its_checksum(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"

    async def scenario() -> None:
        async with ops_screen(ClusterDocument.load(config), workdir=work,
                              clock=lambda: 0.0, size=(120, 36)) as (app, pilot):
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            text = str(app.screen.query_one("#dialog-text", Static).render())
            assert str(work / "etcd-snapshots") in text and "removes it from the host" in text
            await pilot.press("n")                      # no: nothing happens
            await app.workers.wait_for_complete()
            assert not (work / "etcd-snapshots").exists()
            await pilot.press("s")
            await pilot.pause()
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            snaps = list((work / "etcd-snapshots").glob("*.db"))
            assert len(snaps) == 1 and snaps[0].stat().st_mode & 0o777 == 0o600
            want = (snaps[0].parent / (snaps[0].name + ".sha256")).read_text().split()[0]
            assert hashlib.sha256(snaps[0].read_bytes()).hexdigest() == want
            assert state_text(app).startswith(f"✔ snapshot {snaps[0]}")
            for host in cluster.hosts.values():        # no copy left on any host
                assert not list((host.root_dir / "var" / "lib").glob("kkui/*.db"))

    asyncio.run(scenario())


def test_certs_renew_runs_kk_after_the_dialog_then_shows_the_calendar(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    fake_kk_env(monkeypatch, home)

    async def scenario() -> None:
        async with ops_screen(ClusterDocument.load(config), workdir=work,
                              kk_binary=FAKE_KK, skip_precheck=True, clock=lambda: 0.0,
                              size=(120, 36)) as (app, pilot):
            await pilot.press("R")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            text = str(app.screen.query_one("#dialog-text", Static).render())
            assert "kubeadm certs renew" in text and "./kk certs renew -f" in text
            assert "does not renew kk's etcd certificates" in text
            assert not (home / "kk-record.json").exists()       # kk waits for the answer
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            rec = json.loads((home / "kk-record.json").read_text())
            assert rec["argv"] == ["certs", "renew", "-f", "config-sample.yaml"]
            assert Path(rec["cwd"]).resolve() == work.resolve()
            out = pane_text(app)
            assert "RenewCertsPipeline" in out                 # kk's own lines
            assert out.index("RenewCertsPipeline") < out.index("the calendar after")
            assert state_text(app) == "✔ certs renew done"
            assert any(r[5] == "/etc/ssl/etcd/ssl/ca.pem" for r in rows(app))
            assert not app.busy                                 # the cancel handle is gone

    asyncio.run(scenario())
    from kkui.core.runs import connect
    from kkui.core.runs.query import list_runs

    conn = connect()
    try:
        runs = list_runs(conn)
    finally:
        conn.close()
    assert (runs[0].command, runs[0].outcome) == ("certs renew", "success")


def test_quitting_while_kk_runs_asks_and_x_stops_kk(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake_kk_env(monkeypatch, home, scenario="hang")

    async def scenario() -> None:
        async with ops_screen(ClusterDocument.load(config), workdir=tmp_path / "work",
                              kk_binary=FAKE_KK, skip_precheck=True, clock=lambda: 0.0,
                              size=(120, 36)) as (app, pilot):
            await pilot.press("R")
            await pilot.pause()
            await pilot.press("y")
            job = app.screen.job  # type: ignore[attr-defined]
            started = await asyncio.get_running_loop().run_in_executor(
                None, job.started.wait, 30)
            assert started
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmQuit)
            text = str(app.screen.query_one("#dialog-text", Static).render())
            assert "a cluster operation (Cluster ops)" in text
            await pilot.press("escape")                 # stay
            await pilot.pause()
            assert app.running_work() == ["a cluster operation (Cluster ops)"]
            await pilot.press("x")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert state_text(app) == "■ certs renew cancelled"
            assert job.process.returncode is not None   # kk (deaf to SIGINT) is gone
            assert app.running_work() == []

    asyncio.run(scenario())


def test_upgrade_offers_only_the_next_versions_and_sets_the_config_after_kk(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import OptionList

    from kkui.core.day2.upgrade import next_steps
    from kkui.tui.modals.choose import Choose

    fake_kk_env(monkeypatch, home)
    work = tmp_path / "work"

    async def scenario() -> None:
        doc = ClusterDocument.load(config)
        async with ops_screen(doc, workdir=work,
                              kk_binary=FAKE_KK, skip_precheck=True, clock=lambda: 0.0,
                              size=(120, 36)) as (app, pilot):
            await pilot.press("u")
            await app.workers.wait_for_complete()       # the version, asked on the cluster
            await pilot.pause()
            assert isinstance(app.screen, Choose)
            options = app.screen.query_one(OptionList)
            offered = [str(options.get_option_at_index(i).id)
                       for i in range(options.option_count)]
            assert offered == next_steps("v1.28.15") and "v1.29.15" in offered
            assert not any(v.startswith("v1.30") for v in offered)
            options.highlighted = offered.index("v1.29.15")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            text = str(app.screen.query_one("#dialog-text", Static).render())
            assert "v1.28.15 → v1.29.15" in text
            assert "./kk upgrade --with-kubernetes v1.29.15 -f config-sample.yaml" in text
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert state_text(app) == "✔ upgrade done", pane_text(app)
            assert "verify:" in pane_text(app)
            assert doc.model().kubernetes_version == "v1.29.15"    # in the document...
            assert doc.is_modified and "v1.28.15" in config.read_text()  # ...saved by ctrl+s
        rec = json.loads((home / "kk-record.json").read_text())
        assert rec["argv"] == ["upgrade", "--with-kubernetes", "v1.29.15", "-f",
                               "config-sample.yaml"]

    asyncio.run(scenario())
