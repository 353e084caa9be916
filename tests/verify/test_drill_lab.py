"""`kkui drill master|node|reference` against the loopback cluster lab (see support/clusterlab).

The hosts' systemctl/crictl write unit states that the lab turns into real stops and starts of
etcd members and API server stand-ins; a stopped kubelet makes its node NotReady after 2 s.
Every test asserts the cluster is whole again afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab

from kkui.core.config import ClusterDocument
from kkui.core.drill.runner import DrillOptions, DrillRefused, plan_drill

pytestmark = [pytest.mark.sshd]
REPO = Path(__file__).resolve().parents[2]


def env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(home), "NO_COLOR": "1",
            "KKUI_KNOWN_HOSTS": str(home / "kkui_known_hosts"),
            "KKUI_USER_KNOWN_HOSTS": str(home / "user_known_hosts"),
            "XDG_CACHE_HOME": str(home / "cache"), "XDG_STATE_HOME": str(home / "state"),
            "PYTHONPATH": str(REPO)}


def drill(config: Path, home: Path, *args: str, timeout: float = 180
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kkui", "drill", *args, "-f", str(config)],
                          capture_output=True, text=True, timeout=timeout, env=env(home),
                          check=False)


def drill_until(config: Path, home: Path, line: str, *args: str
                ) -> subprocess.Popen[str]:
    """`kkui drill ARGS` running in the background, returned once it printed ``line``."""
    proc = subprocess.Popen([sys.executable, "-m", "kkui", "drill", *args, "-f", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env(home))
    assert proc.stdout is not None
    for text in proc.stdout:
        if line in text:
            break
    return proc


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def whole(cluster: ClusterLab) -> bool:
    names = cluster.master_names + cluster.worker_names
    return (all(cluster.service(n, "kubelet") == "active" for n in names)
            and all(cluster.etcd.members[m].running for m in cluster.master_names)
            and all(m in cluster.standins for m in cluster.master_names)
            and all(cluster.node_ready(n) for n in names))


def guard_files(cluster: ClusterLab) -> list[Path]:
    return [p for h in cluster.hosts.values()
            for p in (h.root_dir / "run" / "kkui-drill").glob("*")
            if (h.root_dir / "run" / "kkui-drill").exists()]


def test_master_drill_keeps_the_api_and_quorum_then_restores(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    report_md = tmp_path / "drill.md"
    target = cluster.master_names[1]
    proc = drill(config, home, "master", "--target", target, "--yes", "--hold", "8",
                 "--json", "--report", str(report_md))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["targets"] == {target: "stop kubelet, kube-apiserver, etcd"}
    verdicts = {v["expectation"]: v["ok"] for v in report["verdicts"]}
    assert all(verdicts.values()), report["verdicts"]
    assert "etcd kept its quorum" in verdicts
    assert report["etcd_min_healthy"] == 2 and report["etcd_members"] == 3
    events = [e["event"] for e in report["timeline"]]
    registered = next(i for i, e in enumerate(events) if "restore registered" in e)
    broke = next(i for i, e in enumerate(events) if e.startswith(f"{target}: stop"))
    assert registered < broke                         # the undo is on the host first
    assert any(e == f"node {target} is NotReady" for e in events)
    assert any(e == f"{target}: restored" for e in events)
    text = report_md.read_text()
    assert "# kkui drill: master (stop)" in text and "| etcd kept its quorum | ✔ pass" in text
    wait_until(lambda: whole(cluster), 20, "the cluster to be whole again")
    assert guard_files(cluster) == []                 # the host timer was disarmed


def test_node_drill_ends_when_the_worker_is_seen_not_ready(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    worker = cluster.worker_names[0]
    proc = drill(config, home, "node", "--yes", "--hold", "30")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{worker} seen NotReady: restoring" in proc.stdout
    assert f"PASS  {worker} was seen NotReady" in proc.stdout
    assert "PASS  the cluster is back to a clean verify" in proc.stdout
    wait_until(lambda: whole(cluster), 20, "the cluster to be whole again")


def test_reference_drill_without_an_lb_pair_stops_a_master_and_a_worker(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    proc = drill(config, home, "reference", "--yes", "--hold", "4", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert set(report["targets"]) == {cluster.master_names[-1], cluster.worker_names[-1]}
    assert any("no kkui LB pair" in e["event"] for e in report["timeline"])
    assert report["api_outage_seconds"] <= 10
    wait_until(lambda: whole(cluster), 20, "the cluster to be whole again")


def test_a_drill_on_an_unclean_cluster_is_refused_and_changes_nothing(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    worker = cluster.worker_names[0]
    cluster.set_node_ready(worker, False)
    try:
        proc = drill(config, home, "master", "--yes")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "verify is not clean" in proc.stderr and f"nodes-ready {worker}" in proc.stderr
        assert guard_files(cluster) == []
        assert all(cluster.service(m, "kubelet") == "active" for m in cluster.master_names)
    finally:
        cluster.set_node_ready(worker, True)
    proc = drill(config, home, "master")          # no --yes and no terminal: refused
    assert proc.returncode == 2 and "--yes" in proc.stderr


def test_ctrl_c_restores_at_once_and_exits_130(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    target = cluster.master_names[0]
    proc = drill_until(config, home, f"{target}: stop", "master", "--target", target,
                       "--yes", "--hold", "60")
    wait_until(lambda: cluster.service(target, "kubelet") == "inactive", 5, "the failure")
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "interrupted: restoring now" in out
    assert cluster.service(target, "kubelet") == "active"
    assert time.monotonic() - started < 60
    wait_until(lambda: whole(cluster), 20, "the cluster to be whole again")


def test_when_kkui_is_killed_the_host_timer_restores(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    worker = cluster.worker_names[0]
    proc = drill_until(config, home, f"{worker}: stop kubelet", "node", "--yes", "--hold",
                       "120", "--max-outage", "5")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert cluster.service(worker, "kubelet") == "inactive"   # kkui could not restore it
    wait_until(lambda: cluster.service(worker, "kubelet") == "active", 15,
               "the host-side timer to restore the kubelet")
    wait_until(lambda: whole(cluster), 20, "the cluster to be whole again")
    assert guard_files(cluster) == []                 # the restore removed itself


def _model(masters: int, etcd: int):  # type: ignore[no-untyped-def]
    names = [f"m{i}" for i in range(1, masters + 1)] + ["w1"]
    hosts = "\n".join(f"  - {{name: {n}, address: 10.0.0.{i + 1}}}" for i, n in enumerate(names))
    lines = lambda ms: "".join(f"\n    - {m}" for m in ms)  # noqa: E731
    return ClusterDocument.from_text(f"""apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata: {{name: t}}
spec:
  hosts:
{hosts}
  roleGroups:
    etcd:{lines(names[:etcd])}
    control-plane:{lines(names[:masters])}
    worker:{lines(["w1"])}
  controlPlaneEndpoint: {{domain: lb.kubesphere.local, address: 10.0.0.100, port: 6443}}
""", source="t.yaml").model()


@pytest.mark.parametrize(("masters", "etcd", "kind", "refused"), [
    (1, 1, "master", "at least two control-plane nodes"),
    (2, 2, "master", "below the quorum of 2"),
    (3, 3, "master", None),
    (3, 3, "reference", None),
    (3, 3, "node", None),
])
def test_plans_never_break_quorum_or_the_only_master(
        masters: int, etcd: int, kind: str, refused: str | None) -> None:
    options = DrillOptions(kind=kind)  # type: ignore[arg-type]
    if refused:
        with pytest.raises(DrillRefused, match=refused):
            plan_drill(_model(masters, etcd), options)
    else:
        plan = plan_drill(_model(masters, etcd), options)
        assert len(plan.etcd_stopped) <= 1 and plan.observer_candidates
