"""The Install screen's Resume (issue #14): after a failed install, ``r`` shows the resume plan
in a confirm dialog, checks the state over SSH (real sshd hosts on loopback) and runs only the
remaining ``kk alpha create phase`` commands (the stand-in kk records each in FAKE_KK_CALLS);
a module of no phase is refused with the safe alternative, before anything is contacted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import support.sshlab
from history.conftest import FAKE_KK, SUPPORT, write_config

from kkui.core.config.document import ClusterDocument
from kkui.tui.app import KkuiApp
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.kk_prompt import KkPrompt

sshlab = support.sshlab.sshlab  # the session fixture

FAIL_AT = """\
!banner
E {{T}} [GreetingsModule] Greetings
E {{T}} success: [{host}]
E {{T}} [{module}] {task}
E {{T}} failed: [{host}]
E error: Pipeline[CreateClusterPipeline] execute failed: Module[{module}] exec failed:\x20
E failed: [{host}] [{task}] exec failed after 3 retries: Failed to exec command: it broke
!exit 1
"""


@pytest.fixture
def tui_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("FAKE_KK_TRANSCRIPTS", str(SUPPORT / "kk_transcripts"))
    monkeypatch.setenv("FAKE_KK_SPEED", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # kkui's known_hosts
    calls = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_KK_CALLS", str(calls))
    return calls


def phases_run(calls: Path) -> list[str]:
    if not calls.exists():
        return []
    argvs = [json.loads(line)["argv"] for line in calls.read_text().splitlines()]
    return [a[3] for a in argvs if a[:3] == ["alpha", "create", "phase"]]


async def pause_until(pilot, predicate, timeout: float = 30.0) -> None:
    waited = 0.0
    while not predicate():
        assert waited < timeout, "condition not reached in time"
        await pilot.pause(0.02)
        waited += 0.02


async def failed_install(pilot) -> None:
    """Install from the Install screen until kk fails (kk's prompt answered yes)."""
    app = pilot.app
    await pilot.press("6")
    await pilot.pause()
    await pilot.press("i")
    await pilot.pause()
    assert isinstance(app.screen, Confirm)
    await pilot.press("y")
    await pause_until(pilot, lambda: isinstance(app.screen, KkPrompt)
                      or bool(getattr(app.screen, "outcome", "")))
    if isinstance(app.screen, KkPrompt):
        await pilot.press("y")
    await app.workers.wait_for_complete()
    await pause_until(pilot, lambda: bool(getattr(app.screen, "outcome", "")))
    assert app.screen.outcome == "failed"


def banner(app: KkuiApp) -> str:
    return " ".join(str(app.screen.query_one("#banner").render()).split())


async def test_resume_after_a_failed_install_runs_only_the_remaining_phases(
        sshlab: support.sshlab.SshLab, tmp_path: Path, tui_env: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = sshlab.add_hosts(["tr-a", "tr-b"])
    config = sshlab.write_config(tmp_path / "cluster.yaml", hosts, name="tuiresume")
    # kk fails in ETCDConfigureModule on the first host
    transcript = tmp_path / "etcd-fail.txt"
    transcript.write_text(FAIL_AT.format(module="ETCDConfigureModule", host="tr-a",
                                         task="Health check on etcd"))
    monkeypatch.setenv("FAKE_KK_TRANSCRIPT", str(transcript))
    app = KkuiApp(ClusterDocument.load(config), workdir=tmp_path / "work", kk_binary=FAKE_KK,
                  skip_precheck=True, clock=lambda: 0.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await failed_install(pilot)
        assert phases_run(tui_env) == []
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        plan = " ".join(str(app.screen.query_one("#dialog-text").render()).split())
        assert "resume of run 1: kk failed in ETCDConfigureModule on tr-a" in plan
        assert "phases to run: binary, etcd, init, join, configure" in plan
        assert "./kk alpha create phase etcd -f config-sample.yaml" in plan
        assert "the failed host(s) answer over SSH" in plan
        screen, banners = app.screen_stack[-2], []  # the Install screen under the dialog
        show = screen._banner
        screen._banner = lambda text, kind: (banners.append(str(text)), show(text, kind))
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pause_until(pilot, lambda: bool(getattr(app.screen, "outcome", "")))
        assert app.screen.outcome == "succeeded", banner(app)
        assert "✔ Resumed: phases binary, etcd, init, join, configure ran" in banner(app)
        # verified after the resume, as the CLI does (the lab host runs no cluster: errors)
        assert "Verify: " in banner(app) and "could not be checked" in banner(app)
        # each phase ends with kk's own "execute successfully": never shown as the end
        assert [b.split(":")[0] for b in banners] == ["", "✔ Resumed"]
        log = app.screen.query_one("#log-pane").visible_text()
        assert "kkui: ok   reachable: tr-a answered" in log
        assert "kkui: running ./kk alpha create phase join" in log
    # os and images (before the failed module) are not run again
    assert phases_run(tui_env) == ["binary", "etcd", "init", "join", "configure"]


async def test_resume_refuses_a_module_of_no_phase_with_the_safe_alternative(
        tmp_path: Path, tui_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    transcript = tmp_path / "lb-fail.txt"
    transcript.write_text(FAIL_AT.format(module="InternalLoadbalancerModule", host="node1",
                                         task="GenerateHaproxyManifest"))
    monkeypatch.setenv("FAKE_KK_TRANSCRIPT", str(transcript))
    app = KkuiApp(ClusterDocument.load(config), workdir=tmp_path / "work", kk_binary=FAKE_KK,
                  skip_precheck=True, clock=lambda: 0.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await failed_install(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, Confirm)  # nothing to confirm: refused
        text = banner(app)
        assert "✘ Not resumable." in text
        assert "not resumable: the internal load balancer (HAProxy or kube-vip) belongs to " \
               "no phase; the safe way on: `kkui delete`" in text
    assert phases_run(tui_env) == []


async def test_resume_with_nothing_failed_says_so(tmp_path: Path, tui_env: Path) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    app = KkuiApp(ClusterDocument.load(config), workdir=tmp_path / "work", kk_binary=FAKE_KK,
                  skip_precheck=True, clock=lambda: 0.0, start="install")
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        shown = " ".join(n.message for n in app._notifications)
        assert "no install of cluster sample in the run history: nothing to resume" in shown


async def test_resume_refuses_when_the_failed_host_does_not_answer(
        tmp_path: Path, tui_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path / "cluster.yaml")
    # nothing listens on port 1 of the loopback hosts: the reachability check fails
    config.write_text(config.read_text().replace("user: ubuntu", "user: ubuntu, port: 1"))
    transcript = tmp_path / "etcd-fail.txt"
    transcript.write_text(FAIL_AT.format(module="ETCDConfigureModule", host="node1",
                                         task="Health check on etcd"))
    monkeypatch.setenv("FAKE_KK_TRANSCRIPT", str(transcript))
    app = KkuiApp(ClusterDocument.load(config), workdir=tmp_path / "work", kk_binary=FAKE_KK,
                  skip_precheck=True, clock=lambda: 0.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await failed_install(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pause_until(pilot, lambda: "Not resumed" in banner(app))
        text = banner(app)
        assert "✘ Not resumed: the state the phases assume is not there" in text
        assert "`kkui delete`" in text
        assert "kkui: FAIL reachable:" in app.screen.query_one("#log-pane").visible_text()
    assert phases_run(tui_env) == []  # kk never started
