"""`kkui install --resume` end to end: a real failed install recorded in the history, real SSH
hosts on loopback (tests/support/sshlab.py) for the state checks, and the stand-in kk running
`kk alpha create phase ...` (every call recorded in FAKE_KK_CALLS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import support.sshlab
from history.conftest import FAKE_KK, install, kkui

sshlab = support.sshlab.sshlab  # the session fixture

FAIL_AT = """\
!banner
E {{T}} [GreetingsModule] Greetings
E {{T}} success: [{host}]
E {{T}} [{module}] {task}
E {{T}} failed: [{host}]
E error: Pipeline[CreateClusterPipeline] execute failed: Module[{module}] exec failed:\x20
E failed: [{host}] [{task}] exec failed after 3 retries: Failed to exec command: something broke
!exit 1
"""


@pytest.fixture
def lab_config(sshlab: support.sshlab.SshLab, tmp_path: Path, request: pytest.FixtureRequest
               ) -> Path:
    tag = f"rs{abs(hash(request.node.name)) % 100000}"
    hosts = sshlab.add_hosts([f"{tag}-a", f"{tag}-b"])
    return sshlab.write_config(tmp_path / "cluster.yaml", hosts, name=tag)


def resume(config: Path, env: dict[str, str], cwd: Path, **extra: str):
    return kkui(["install", "-f", str(config), "--resume", "--kk", str(FAKE_KK), "--yes",
                 "--workdir", str(cwd / "work")], {**env, **extra}, cwd)


def calls(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [json.loads(line)["argv"] for line in path.read_text().splitlines()]


def fail_at(tmp_path: Path, module: str, host: str, task: str = "Task") -> str:
    path = tmp_path / f"fail-{module}.txt"
    path.write_text(FAIL_AT.format(module=module, host=host, task=task))
    return str(path)


def test_resume_runs_the_remaining_phases_then_stops_at_a_failed_one(
        lab_config: Path, tmp_path: Path, env: dict[str, str]) -> None:
    assert install(lab_config, env, tmp_path, "etcd-failure").returncode == 1  # run 1
    log = tmp_path / "calls.jsonl"
    res = resume(lab_config, env, tmp_path, FAKE_KK_CALLS=str(log), FAKE_KK_FAIL_PHASE="join")
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert "resume of run 1: kk failed in ETCDConfigureModule" in out
    assert "phases to run: binary, etcd, init, join, configure" in out
    assert "  ok reachable: " in out
    ran = calls(log)
    assert [a[3] for a in ran] == ["binary", "etcd", "init", "join"]  # stopped at the failure
    assert all(a[:3] == ["alpha", "create", "phase"] and a[4:] == ["-f", "config-sample.yaml"]
               for a in ran)
    run = json.loads(kkui(["history", "show", "2", "--json"], env, tmp_path).stdout)
    assert run["outcome"] == "failed" and run["failed_module"] == "JoinNodesModule"
    assert "--resume" in run["argv"]
    assert [s["name"] for s in run["stages"] if s["name"].startswith(("resume", "phase"))] == [
        "resume checks", "phase binary", "phase etcd", "phase init", "phase join"]

    # resuming again starts at join, which assumes a healthy etcd: not there -> refused
    again = resume(lab_config, env, tmp_path, FAKE_KK_CALLS=str(log))
    assert again.returncode == 1, again.stdout + again.stderr
    assert "phases to run: join, configure" in again.stdout
    assert "FAIL etcd-healthy" in again.stdout
    assert "not resumable: the state the phases assume is not there" in again.stdout
    assert "`kkui delete`" in again.stdout
    assert len(calls(log)) == 4  # no kk started


def test_resume_succeeds_and_counts_as_the_install(lab_config: Path, tmp_path: Path,
                                                   env: dict[str, str]) -> None:
    host = lab_config.read_text().split('"name": "', 1)[1].split('"', 1)[0]
    env = {**env, "FAKE_KK_TRANSCRIPT": fail_at(tmp_path, "ConfigureOSModule", host)}
    assert install(lab_config, env, tmp_path).returncode == 1
    log = tmp_path / "calls.jsonl"
    res = resume(lab_config, env, tmp_path, FAKE_KK_CALLS=str(log))
    assert res.returncode == 0, res.stdout + res.stderr
    assert [a[3] for a in calls(log)] == ["binary", "os", "images", "etcd", "init", "join",
                                          "configure"]
    assert "resumed: phases binary, os, images, etcd, init, join, configure succeeded" in \
        res.stdout
    # then verified: the lab hosts run no Kubernetes, so verify says so (kk's status stays 0)
    assert "kkui: verifying the cluster" in res.stdout
    assert "the phases ran, but the cluster is not healthy yet" in res.stdout
    runs = json.loads(kkui(["history", "--json"], env, tmp_path).stdout)["runs"]
    assert [(r["command"], r["outcome"]) for r in runs] == [("install", "success"),
                                                            ("install", "failed")]
    shown = json.loads(kkui(["history", "show", str(runs[0]["id"]), "--json"], env,
                            tmp_path).stdout)
    assert shown["stages"][-1]["name"] == "verify" and shown["findings"]
    nothing = resume(lab_config, env, tmp_path)
    assert nothing.returncode == 2 and "installed the cluster: nothing to resume" in \
        nothing.stderr


def test_unreachable_host_refuses_before_kk(tmp_path: Path, env: dict[str, str]) -> None:
    from history.conftest import write_config

    config = write_config(tmp_path / "cluster.yaml")
    config.write_text(config.read_text().replace("user: ubuntu", "user: ubuntu, port: 1"))
    assert install(config, env, tmp_path, "etcd-failure").returncode == 1
    log = tmp_path / "calls.jsonl"
    res = resume(config, env, tmp_path, FAKE_KK_CALLS=str(log))
    assert res.returncode == 1
    assert "FAIL reachable" in res.stdout and "not resumable" in res.stdout
    assert calls(log) == []


def test_a_module_of_no_phase_is_refused_without_contacting_anything(
        tmp_path: Path, env: dict[str, str]) -> None:
    from history.conftest import write_config

    config = write_config(tmp_path / "cluster.yaml")
    env = {**env, "FAKE_KK_TRANSCRIPT": fail_at(tmp_path, "InternalLoadbalancerModule",
                                                "node1", "GenerateHaproxyManifest")}
    assert install(config, env, tmp_path).returncode == 1
    res = resume(config, env, tmp_path)
    assert res.returncode == 1
    assert res.stdout.splitlines()[-1] == (
        "not resumable: the internal load balancer (HAProxy or kube-vip) belongs to no phase; "
        "the safe way on: `kkui delete` (kk delete cluster) and a scan of the hosts for "
        "leftovers, then `kkui install` from the start")


def test_nothing_to_resume_without_a_failed_install(tmp_path: Path, env: dict[str, str]) -> None:
    from history.conftest import write_config

    config = write_config(tmp_path / "cluster.yaml")
    res = resume(config, env, tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1] == (
        "kkui: error: no install of cluster sample in the run history: nothing to resume; run "
        "`kkui install`")


def _first_module_of_each_stage() -> list[str]:
    from kkui.core.kk.stages import CREATE_CLUSTER_STAGES

    return [next(m for m in stage.modules if " " not in m) for stage in CREATE_CLUSTER_STAGES
            if any(" " not in m for m in stage.modules)]


@pytest.mark.parametrize("module", _first_module_of_each_stage())
def test_a_failure_at_every_stage_gets_its_resume_plan(module: str, tmp_path: Path,
                                                       env: dict[str, str]) -> None:
    """kk fails in the first module of each create-cluster stage; the recorded failure
    becomes the plan of the resume table (nothing listens on the hosts' port: the state check
    fails, so kk is never started)."""
    from history.conftest import write_config

    from kkui.core.install.resume import plan_resume

    config = write_config(tmp_path / "cluster.yaml")
    config.write_text(config.read_text().replace("user: ubuntu", "user: ubuntu, port: 1"))
    env = {**env, "FAKE_KK_TRANSCRIPT": fail_at(tmp_path, module, "node1")}
    assert install(config, env, tmp_path).returncode == 1
    log = tmp_path / "calls.jsonl"
    res = resume(config, env, tmp_path, FAKE_KK_CALLS=str(log))
    expected = plan_resume(module, ["node1"], ["GreetingsModule", module], from_run=1)
    assert res.stdout.splitlines()[0] == f"resume of run 1: kk failed in {module} on node1"
    if expected.phases:
        assert f"phases to run: {', '.join(expected.phases)}" in res.stdout
        assert "FAIL reachable" in res.stdout
    else:
        assert res.stdout.splitlines()[-1] == f"not resumable: {expected.refusal}"
    assert res.returncode == 1 and calls(log) == []
