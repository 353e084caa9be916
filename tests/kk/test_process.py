"""Running the fake kk (tests/support/fake_kk.py) through KkProcess: real subprocesses."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import psutil
import pytest

from kkui.core.kk.events import (
    LogLine,
    PipelineFailed,
    PipelineSucceeded,
    ProcessExited,
    ProcessStarted,
    PromptAnswered,
    PromptShown,
    RawLine,
    TableShown,
    TaskStarted,
)
from kkui.core.kk.process import KkProcess, create_cluster_argv


def run_kk(workdir: Path, scenario: str, monkeypatch: pytest.MonkeyPatch, *, answer=True,
           **kwargs) -> tuple[KkProcess, list]:
    monkeypatch.setenv("FAKE_KK_SCENARIO", scenario)
    events: list = []
    prompts: list = []

    def on_prompt(prompt: PromptShown):
        prompts.append(prompt)
        return answer

    proc = KkProcess(create_cluster_argv(), workdir=workdir, on_event=events.append,
                     on_prompt=on_prompt if answer is not None else None, **kwargs)
    proc.run()
    return proc, events


def of(events: list, kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def test_success_with_prompt_answered_yes(kk_workdir: Path, fake_env: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    log = kk_workdir / "logs" / "run.log"
    proc, events = run_kk(kk_workdir, "success", monkeypatch, log_path=log)
    assert proc.returncode == 0
    assert isinstance(events[0], ProcessStarted)
    assert events[0].argv == ("./kk", "create", "cluster", "-f", "config-sample.yaml")
    assert of(events, TableShown)[0].rows[0][:3] == ("name", "sudo", "curl")
    prompt = of(events, PromptShown)[0]
    assert prompt.text == "Continue this installation? [yes/no]: "
    assert [r[0] for r in prompt.table[1:]] == ["node1", "node2", "node3"]
    assert of(events, PromptAnswered) == [PromptAnswered("yes")]
    assert of(events, PipelineSucceeded)
    assert events[-1] == ProcessExited(0)
    # kk was run as ./kk from the workdir (its kubekey/ dir lands there)
    record = json.loads(fake_env.read_text())
    assert record["argv0"] == "./kk" and record["cwd"] == str(kk_workdir)
    assert (kk_workdir / "kubekey" / "logs").is_dir()
    text = log.read_text()
    assert "Pipeline[CreateClusterPipeline] execute successfully" in text
    assert "answered 'yes'" in text
    assert log.stat().st_mode & 0o777 == 0o600


def test_answer_no_exits_zero_and_is_declined(kk_workdir: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    proc, events = run_kk(kk_workdir, "success", monkeypatch, answer=False)
    assert proc.returncode == 0 and proc.declined
    assert events[-1] == ProcessExited(0, declined=True)
    assert not of(events, PipelineSucceeded)


def test_no_answer_closes_stdin_and_kk_exits_1(kk_workdir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    proc, events = run_kk(kk_workdir, "success", monkeypatch, answer=None)
    assert proc.returncode == 1
    assert LogLine("FATA", "EOF") in events


@pytest.mark.parametrize(("zone", "parent_env", "expected"),
                         [("cn", None, "cn"), ("global", "cn", None), ("global", None, None)])
def test_kkzone_in_kk_environment(kk_workdir: Path, fake_env: Path,
                                  monkeypatch: pytest.MonkeyPatch, zone: str,
                                  parent_env: str | None, expected: str | None) -> None:
    if parent_env:
        monkeypatch.setenv("KKZONE", parent_env)
    run_kk(kk_workdir, "conntrack", monkeypatch, zone=zone)
    assert json.loads(fake_env.read_text())["kkzone"] == expected


def test_conntrack_hard_stop(kk_workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc, events = run_kk(kk_workdir, "conntrack", monkeypatch)
    assert proc.returncode == 1
    assert LogLine("ERRO", "node2: conntrack is required.") in events
    assert not of(events, PromptShown)


def test_failure_ends_with_pipeline_failed(kk_workdir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    proc, events = run_kk(kk_workdir, "etcd-failure", monkeypatch)
    assert proc.returncode == 1
    failed = of(events, PipelineFailed)[0]
    assert failed.module == "ETCDConfigureModule"
    assert [(h, t) for h, t, _ in failed.hosts] == [("node1", "HealthCheck")]
    assert failed.hosts[0][2].startswith("etcd health check failed")
    assert len([e for e in events if getattr(e, "status", "") == "retry"]) == 19


def test_secrets_redacted_in_events_and_log(kk_workdir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    log = kk_workdir / "kk.log"
    proc, events = run_kk(kk_workdir, "secret", monkeypatch, log_path=log,
                          secrets=["S3cret-Passw0rd"])
    assert proc.returncode == 0
    lines = [e.text for e in of(events, RawLine)]
    assert not any("S3cret" in line for line in lines)
    assert "sshpass -p '******' ssh ubuntu@node1 true" in lines
    # written byte by byte: the incremental decoder keeps the CJK characters whole
    assert "节点 ready, password ****** in stdout" in lines
    assert "S3cret" not in log.read_text()


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def start_in_thread(proc: KkProcess) -> threading.Thread:
    thread = threading.Thread(target=proc.run, daemon=True)
    thread.start()
    return thread


def test_cancel_escalates_to_sigkill_when_kk_ignores_signals(
        kk_workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_KK_SCENARIO", "hang")
    events: list = []
    proc = KkProcess(create_cluster_argv(), workdir=kk_workdir, on_event=events.append,
                     grace=0.3, log_path=kk_workdir / "kk.log")
    thread = start_in_thread(proc)
    wait_for(lambda: any(isinstance(e, TaskStarted) for e in events))
    wait_for(lambda: any(isinstance(e, RawLine) and "[sudo]" in e.text for e in events))
    pid = proc.pid
    assert pid is not None
    proc.cancel()
    thread.join(10)
    assert not thread.is_alive()
    assert proc.cancelled and proc.returncode == -9
    assert events[-1] == ProcessExited(-9, cancelled=True)
    assert gone(pid)
    log = (kk_workdir / "kk.log").read_text()
    assert "SIGINT" in log and "SIGTERM" in log and "SIGKILL" in log


def test_cancel_kills_a_child_that_left_the_process_group(
        kk_workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_KK_SCENARIO", "child")
    pid_file = tmp_path / "child.pid"
    monkeypatch.setenv("FAKE_KK_CHILD_PID_FILE", str(pid_file))
    events: list = []
    proc = KkProcess(create_cluster_argv(), workdir=kk_workdir, on_event=events.append,
                     grace=0.3)
    thread = start_in_thread(proc)
    wait_for(lambda: any(isinstance(e, TaskStarted) and e.module == "NodeBinariesModule"
                         for e in events))
    child = int(pid_file.read_text())
    assert psutil.pid_exists(child) and os.getpgid(child) != proc.pid
    proc.cancel()
    thread.join(10)
    assert not thread.is_alive() and proc.cancelled
    assert gone(child), "the child kk started must not survive a cancel"
    assert gone(proc.pid or 0)


def test_missing_kk_is_a_clear_error(tmp_path: Path) -> None:
    from kkui.core.errors import KkuiError
    proc = KkProcess(create_cluster_argv(), workdir=tmp_path, on_event=lambda e: None)
    with pytest.raises(KkuiError, match="cannot start ./kk"):
        proc.run()


def test_cancel_while_the_prompt_waits_for_an_answer(kk_workdir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The TUI answers from another thread: cancelling must not wait for that answer."""
    monkeypatch.setenv("FAKE_KK_SCENARIO", "success")
    asked, release = threading.Event(), threading.Event()

    def on_prompt(prompt: PromptShown):
        asked.set()
        release.wait(10)
        return None

    proc = KkProcess(create_cluster_argv(), workdir=kk_workdir, on_event=lambda e: None,
                     on_prompt=on_prompt, grace=0.3)
    thread = start_in_thread(proc)
    assert asked.wait(10)
    pid = proc.pid or 0
    proc.cancel()
    wait_for(lambda: gone(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    release.set()
    thread.join(10)
    assert not thread.is_alive() and proc.cancelled and not proc.declined
