"""The TUI's Install runs the core install plan exactly like `kkui install` (issue #11, defect 4):
kkui's precheck gates kk, KKZONE from the environment reaches kk, one log naming scheme, and the
kubeconfig path of a non-root SSH user. The fake kk (a real subprocess) records its argv and
environment; hosts are loopback addresses only."""

from __future__ import annotations

import json
import re
from pathlib import Path

from textual.widgets import Static

from kkui.core.precheck import CheckResult, HostReport, PrecheckReport
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.kk_prompt import KkPrompt

from .conftest import FAKE_KK, LOOPBACK_CONFIG, SIZE, TRANSCRIPTS
from .test_install import install_finished, start_install, wait_until


def fake_kk(monkeypatch, tmp_path: Path, scenario: str = "success") -> Path:
    monkeypatch.setenv("FAKE_KK_TRANSCRIPTS", str(TRANSCRIPTS))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("FAKE_KK_SCENARIO", scenario)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KKZONE", raising=False)
    record = tmp_path / "record.json"
    monkeypatch.setenv("FAKE_KK_RECORD", str(record))
    return record


def banner(app) -> str:
    return str(app.screen.query_one("#banner", Static).render())


def status(app) -> str:
    return str(app.screen.query_one("#install-status", Static).render())


def failing_report(doc) -> PrecheckReport:
    """What the Precheck screen holds after a run with failures (screen 5 says "Fix the
    failures before installing")."""
    model = doc.model()
    hosts = []
    for host in model.hosts:
        bad = host.name == "node2"
        check = CheckResult("socat", "fail" if bad else "pass",
                            "socat is not installed: kk stops with `socat is required`",
                            "apt-get install -y socat")
        hosts.append(HostReport(host.name, host.address, ",".join(model.roles_of(host.name)),
                                (check,)))
    return PrecheckReport(hosts=hosts)


async def test_install_refused_after_a_failed_precheck(make_app, config_path, monkeypatch,
                                                       tmp_path) -> None:
    record = fake_kk(monkeypatch, tmp_path)
    app = make_app(config_path, kk_binary=FAKE_KK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.last_precheck = failing_report(app.document)
        await start_install(pilot)
        await install_finished(pilot)
        text = banner(app)
        assert "kk was not started" in text and "not starting kk" in text, text
        assert "node2 (127.0.0.2) socat" in text and "--skip-precheck" in text
        assert "refused by kkui's precheck" in status(app)
        assert not isinstance(app.screen, KkPrompt)
    assert not record.exists(), "kk was started although the precheck failed"
    assert not (tmp_path / "work" / "kk").exists()


async def test_install_runs_the_precheck_when_none_was_run(make_app, tmp_path,
                                                           monkeypatch) -> None:
    record = fake_kk(monkeypatch, tmp_path)
    config = tmp_path / "unreachable.yaml"  # nothing listens on 127.0.0.1:1 -> precheck fails
    config.write_text(LOOPBACK_CONFIG.replace("user: root,", "user: root, port: 1,"))
    app = make_app(config, kk_binary=FAKE_KK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.last_precheck is None
        await start_install(pilot)
        await install_finished(pilot)
        assert "kk was not started" in banner(app), banner(app)
        assert "node1 (127.0.0.1)" in banner(app)
    assert not record.exists(), "kk was started without a precheck"


async def test_stale_precheck_is_not_trusted(make_app, config_path, monkeypatch,
                                             tmp_path) -> None:
    """A passing report of other hosts (the config was edited since) is not consulted: the
    precheck runs again, here against a host that does not answer."""
    record = fake_kk(monkeypatch, tmp_path)
    config = tmp_path / "edited.yaml"
    config.write_text(LOOPBACK_CONFIG.replace("user: root,", "user: root, port: 1,"))
    app = make_app(config, kk_binary=FAKE_KK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        passing = failing_report(app.document)
        passing.hosts[1] = passing.hosts[1].replace_check(
            CheckResult("socat", "pass", "socat 1.7"))
        passing.hosts[0] = HostReport("node1", "127.0.0.9", "etcd,control-plane,worker",
                                      passing.hosts[0].checks)  # an address edited since
        app.last_precheck = passing
        await start_install(pilot)
        await install_finished(pilot)
        assert "kk was not started" in banner(app)
    assert not record.exists()


async def test_kkzone_from_the_environment_reaches_kk(make_app, config_path, monkeypatch,
                                                      tmp_path) -> None:
    record = fake_kk(monkeypatch, tmp_path)
    monkeypatch.setenv("KKZONE", "cn")
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("6")
        await pilot.pause()
        assert "zone cn from KKZONE" in status(app)
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        await pilot.press("y")
        await install_finished(pilot)
        assert app.screen.progress.outcome == "succeeded"
    assert json.loads(record.read_text())["kkzone"] == "cn"


async def test_log_name_and_kubeconfig_of_a_non_root_user(make_app, tmp_path,
                                                          monkeypatch) -> None:
    fake_kk(monkeypatch, tmp_path)
    config = tmp_path / "ubuntu.yaml"
    config.write_text(LOOPBACK_CONFIG.replace("user: root,", "user: ubuntu,"))
    app = make_app(config, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await start_install(pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, KkPrompt))
        await pilot.press("y")
        await install_finished(pilot)
        text = banner(app)
        assert "Cluster installed" in text
        assert "~ubuntu/.kube/config" in text and "/root/.kube/config" not in text, text
        log = app.screen.log_path
    # the one naming scheme, the same as `kkui install` (tests/install/test_plan.py)
    assert log.parent == tmp_path / "work" / "logs"
    assert re.fullmatch(r"install-\d{8}-\d{6}\.log", log.name), log.name


async def test_ready_line_names_the_given_kk_binary(make_app, config_path, monkeypatch,
                                                    tmp_path) -> None:
    fake_kk(monkeypatch, tmp_path)
    app = make_app(config_path, kk_binary=FAKE_KK, skip_precheck=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("6")
        await pilot.pause()
        text = status(app)
        assert f"kk at {FAKE_KK}" in text and "kk v3.1.12" not in text, text
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "precheck is skipped" in str(app.screen.query_one("#dialog-text").render())
