"""Day-2 commands that drive kk (issue #15), against the loopback cluster lab: the real sshd
hosts, the real 3-member etcd and the apiserver stand-ins, with the stand-in kk
(tests/support/fake_kk.py) replaying kk v3.1.12's day-2 transcripts and recording its argv,
working directory and config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab

pytestmark = [pytest.mark.sshd]
REPO = Path(__file__).resolve().parents[2]
SUPPORT = REPO / "tests" / "support"
FAKE_KK = SUPPORT / "fake_kk.py"


def kkui(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(home), "NO_COLOR": "1",
            "KKUI_KNOWN_HOSTS": str(home / "kkui_known_hosts"),
            "KKUI_USER_KNOWN_HOSTS": str(home / "user_known_hosts"),
            "XDG_CACHE_HOME": str(home / "cache"), "XDG_STATE_HOME": str(home / "state"),
            "XDG_DATA_HOME": str(home / "data"), "PYTHONPATH": str(REPO),
            "KKUI_DB": str(home / "history.db"),
            "FAKE_KK_TRANSCRIPTS": str(SUPPORT / "kk_transcripts"), "FAKE_KK_SPEED": "0",
            "FAKE_KK_RECORD": str(home / "kk-record.json")}
    return subprocess.run([sys.executable, "-m", "kkui", *args], capture_output=True,
                          text=True, timeout=timeout, env={**base, **(env or {})},
                          check=False, input=stdin if stdin is not None else "")


def kk_record(home: Path) -> dict[str, object]:
    return json.loads((home / "kk-record.json").read_text())


def kk_flags(home: Path, workdir: Path) -> list[str]:
    return ["--kk", str(FAKE_KK), "--workdir", str(workdir)]


def test_certs_renew_runs_kk_in_the_workdir_then_says_what_kk_left_alone(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    proc = kkui(home, "certs", "-f", str(config), "--renew", *kk_flags(home, work))
    assert proc.returncode == 2 and "--yes" in proc.stderr            # no terminal, no --yes
    assert not (home / "kk-record.json").exists()                       # kk never started
    proc = kkui(home, "certs", "-f", str(config), "--renew", "--yes", *kk_flags(home, work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rec = kk_record(home)
    assert rec["argv"] == ["certs", "renew", "-f", "config-sample.yaml"]
    assert Path(str(rec["cwd"])).resolve() == work.resolve()
    assert "kind: Cluster" in str(rec["config"])
    out = proc.stdout
    assert "RenewCertsPipeline" in out and "kk certs renew succeeded" in out
    assert "does not renew kk's etcd certificates" in out            # said plainly, after kk
    assert out.index("kk certs renew succeeded") < out.index("/etc/ssl/etcd/ssl/ca.pem")
    logs = list((work / "logs").glob("certs-renew-*.log"))
    assert len(logs) == 1 and "RenewCertsModule" in logs[0].read_text()
    hist = kkui(home, "history", "--json")
    runs = json.loads(hist.stdout)
    runs = runs["runs"] if isinstance(runs, dict) else runs
    assert runs[0]["command"] == "certs renew" and runs[0]["outcome"] == "success"


def _stub(cluster: ClusterLab, host: str, tool: str, body: str) -> Path:
    path = cluster.hosts[host].bin_dir / tool
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_delete_runs_kk_then_lists_every_leftover_with_its_cleanup(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "kubekey" / "pki" / "etcd").mkdir(parents=True)   # from the earlier install
    worker = cluster.worker_names[0]
    stubs = [_stub(cluster, worker, "ip", "printf '1: lo: <LOOPBACK>\\n"
                   "7: cali5f3a9b2c1d4@if3: <BROADCAST>\\n8: tunl0@NONE: <NOARP>\\n'\n"),
             _stub(cluster, worker, "iptables-save",
                   "printf ':KUBE-SERVICES - [0:0]\\n-A PREROUTING -j KUBE-SERVICES\\n'\n")]
    try:
        proc = kkui(home, "delete", "-f", str(config), "--yes", "--json",
                    *kk_flags(home, work))
    finally:
        for stub in stubs:
            stub.unlink()
    assert proc.returncode == 1, proc.stdout + proc.stderr        # leftovers found
    assert kk_record(home)["argv"] == ["delete", "cluster", "-f", "config-sample.yaml"]
    lines = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.strip()]
    assert any(ev.get("event") == "PipelineSucceeded" or "DeleteClusterPipeline" in
               json.dumps(ev) for ev in lines[:-1])
    report = lines[-1]["leftovers"]
    assert report["clean"] is False
    by_host = {h["host"]: {f["id"]: f for f in h["findings"]} for h in report["hosts"]}
    assert set(by_host) == set(cluster.master_names + cluster.worker_names)
    w = by_host[worker]
    assert w["interfaces"]["items"] == ["cali5f3a9b2c1d4", "tunl0"]
    assert "ip link delete cali5f3a9b2c1d4" in w["interfaces"]["cleanup"]
    assert w["iptables"]["items"] == ["2 KUBE-* rules/chains"]
    assert "iptables -t nat -F" in w["iptables"]["cleanup"]
    m1 = by_host[cluster.master_names[0]]
    assert "/var/lib/etcd" in m1["directories"]["items"]
    assert "rm -rf" in m1["directories"]["cleanup"] and "/etc/kubernetes" in \
        m1["directories"]["cleanup"]
    assert m1["containers"]["items"] == ["3f1c0ffee0a1"]        # the lab's crictl stand-in
    assert "interfaces" not in m1                               # the stub was on the worker
    assert report["local"][0]["id"] == "kk-pki"
    assert str(work / "kubekey" / "pki") in report["local"][0]["cleanup"]
    assert "leftovers found" in proc.stderr and "clean up (as root on" in proc.stderr
    assert (work / "kubekey" / "pki").exists()                  # kkui only reports


def test_delete_stops_when_kk_fails_and_refuses_without_yes(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    proc = kkui(home, "delete", "-f", str(config), *kk_flags(home, work))
    assert proc.returncode == 2 and "pass --yes" in proc.stderr
    assert not (home / "kk-record.json").exists()
    proc = kkui(home, "delete", "-f", str(config), "--yes", *kk_flags(home, work),
                env={"FAKE_KK_SCENARIO": "delete-cluster-failure"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "kk delete cluster failed (exit 1)" in proc.stdout
    assert "scanning" not in proc.stdout                        # no scan after a failed kk


def test_delete_scan_only_never_runs_kk(cluster: ClusterLab, config: Path, home: Path,
                                        tmp_path: Path) -> None:
    proc = kkui(home, "delete", "-f", str(config), "--scan-only", "--workdir",
                str(tmp_path / "work"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert not (home / "kk-record.json").exists()
    assert f"left   {cluster.master_names[0]}" in proc.stdout and "directories" in proc.stdout


def test_upgrade_checks_the_step_against_the_running_version_then_updates_the_config(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    config.write_text(config.read_text().replace(
        "    version: v1.28.15", "    # pinned by the platform team\n    version: v1.28.15"))
    refused = {"v1.30.6": "skips a minor version", "v1.28.10": "does not downgrade",
               "v1.29.13": "not in kk v3.1.12's supported list"}
    for target, why in refused.items():
        proc = kkui(home, "upgrade", "-f", str(config), "--to", target, "--yes",
                    *kk_flags(home, work))
        assert proc.returncode == 2 and why in proc.stderr, (target, proc.stderr)
        assert "v1.28.15" in proc.stdout                      # read from the API server
    assert not (home / "kk-record.json").exists()
    check = kkui(home, "upgrade", "-f", str(config), "--check")
    assert check.returncode == 0 and "v1.29.15" in check.stdout and "v1.30" not in check.stdout
    proc = kkui(home, "upgrade", "-f", str(config), "--to", "v1.29.15", "--yes", "--json",
                *kk_flags(home, work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.strip()]
    assert lines[-1] == {"upgrade": {"from": "v1.28.15", "to": "v1.29.15",
                                     "config": str(config), "verified": True}}
    assert any("UpgradeClusterPipeline" in json.dumps(ev) for ev in lines[:-1])
    assert "kkui: verify:" in proc.stderr
    assert kk_record(home)["argv"] == ["upgrade", "--with-kubernetes", "v1.29.15", "-f",
                                       "config-sample.yaml"]
    text = config.read_text()
    assert "    # pinned by the platform team\n    version: v1.29.15\n" in text
    assert "v1.28.15" not in text


def _without(config: Path, name: str) -> str:
    """The config text without host ``name`` (its row and its role-group lines)."""
    from kkui.core.config import ClusterDocument

    doc = ClusterDocument.load(config)
    doc.remove_host(name)
    return doc.kk_text()


def test_nodes_add_names_new_and_touched_hosts_prechecks_all_then_runs_kk(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    worker = cluster.worker_names[0]
    (work / "config-sample.yaml").write_text(_without(config, worker))   # the applied one
    dry = kkui(home, "nodes", "add", "-f", str(config), "--dry-run", "--workdir", str(work))
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"new:     {worker}" in dry.stdout
    touched = next(ln for ln in dry.stdout.splitlines() if "touched:" in ln)
    assert all(m in touched for m in cluster.master_names) and worker not in touched
    assert "kubekey#1638" in touched
    assert not (home / "kk-record.json").exists()
    proc = kkui(home, "nodes", "add", "-f", str(config), "--yes", *kk_flags(home, work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rec = kk_record(home)
    assert rec["argv"] == ["add", "nodes", "-f", "config-sample.yaml"]
    assert worker in str(rec["config"])                            # kk sees the new host
    assert "precheck: " in proc.stdout and "AddNodesPipeline" in proc.stdout, proc.stdout
    assert "kkui: verify:" in proc.stdout
    again = kkui(home, "nodes", "add", "-f", str(config), "--dry-run", "--workdir", str(work))
    assert again.returncode == 2 and "nothing to add" in again.stdout   # history: applied now
    assert "in the history" in again.stdout


def test_nodes_add_refuses_when_an_existing_host_fails_the_precheck(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    worker = cluster.worker_names[0]
    (work / "config-sample.yaml").write_text(_without(config, worker))
    broken = config.read_text().replace(
        f'"address": "{cluster.address(cluster.master_names[1])}"', '"address": "127.0.0.1"', 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(broken)
    proc = kkui(home, "nodes", "add", "-f", str(bad), "--yes", *kk_flags(home, work))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "not starting kk" in proc.stdout
    assert not (home / "kk-record.json").exists()


def test_nodes_delete_drains_a_worker_runs_kk_and_removes_its_row(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    worker = cluster.worker_names[0]
    config.write_text(config.read_text().replace("  roleGroups:",
                                                 "  # rows above are managed by the infra team\n"
                                                 "  roleGroups:"))
    try:
        proc = kkui(home, "nodes", "delete", worker, "-f", str(config), "--yes", "--json",
                    *kk_flags(home, work))
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        node = next(n for n in cluster.state()["nodes"] if n["metadata"]["name"] == worker)
        assert node.get("spec", {}).get("unschedulable") is True, proc.stderr  # cordoned
        assert f"cordoned and drained {worker}" in proc.stderr
        result = json.loads(proc.stdout.splitlines()[-1])["nodes_delete"]
        assert result["name"] == worker and result["roles"] == ["worker"]
        assert kk_record(home)["argv"] == ["delete", "node", worker, "-f",
                                           "config-sample.yaml"]
        text = config.read_text()
        assert worker not in text and "# rows above are managed by the infra team" in text
        assert "kkui: verify:" in proc.stderr
    finally:
        with cluster.state_lock:
            state = cluster.state()
            for n in state["nodes"]:
                n.get("spec", {}).pop("unschedulable", None)
            cluster.write_state(state)


def test_nodes_delete_refuses_an_etcd_node_and_shows_the_quorum(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    master = cluster.master_names[1]
    proc = kkui(home, "nodes", "delete", master, "-f", str(config), "--yes",
                *kk_flags(home, tmp_path / "work"))
    assert proc.returncode == 2 and "kk delete node removes workers only" in proc.stderr
    assert "etcd: 3 members, quorum 2" in proc.stderr
    assert not (home / "kk-record.json").exists()
    first = kkui(home, "nodes", "delete", cluster.master_names[0], "-f", str(config),
                 "--yes", "--force", *kk_flags(home, tmp_path / "work"))
    assert first.returncode == 2 and "first control-plane node" in first.stderr
    assert not (home / "kk-record.json").exists()


def test_ctrl_c_during_a_day2_kk_run_stops_kks_whole_tree_and_records_it(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    """kk hangs deaf to SIGINT/SIGTERM with a signal-deaf child of its own: Ctrl-C on kkui
    delete must still leave no process behind, exit 130, and not scan."""
    import signal
    import time

    import psutil

    work = tmp_path / "work"
    transcript = tmp_path / "hang-with-child.txt"
    transcript.write_text("E {T} [GreetingsModule] Greetings\n!child\n!hang\n")
    pid_file = tmp_path / "child.pid"
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(home), "NO_COLOR": "1",
           "KKUI_KNOWN_HOSTS": str(home / "kkui_known_hosts"),
           "KKUI_USER_KNOWN_HOSTS": str(home / "user_known_hosts"),
           "XDG_STATE_HOME": str(home / "state"), "XDG_DATA_HOME": str(home / "data"),
           "PYTHONPATH": str(REPO), "KKUI_DB": str(home / "history.db"),
           "FAKE_KK_TRANSCRIPT": str(transcript), "FAKE_KK_CHILD_PID_FILE": str(pid_file),
           "FAKE_KK_RECORD": str(home / "kk-record.json")}
    proc = subprocess.Popen([sys.executable, "-m", "kkui", "delete", "-f", str(config),
                             "--yes", "--skip-precheck", *kk_flags(home, work)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    child = int(pid_file.read_text())
    assert psutil.pid_exists(child)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "kk delete cluster interrupted" in out and "scanning" not in out
    gone_by = time.monotonic() + 5
    while psutil.pid_exists(child) and psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < gone_by, "kk's child survived Ctrl-C"
        time.sleep(0.05)
    runs = json.loads(kkui(home, "history", "--json").stdout)["runs"]
    assert runs[0]["command"] == "delete" and runs[0]["outcome"] == "cancelled"


def test_nodes_add_json_ends_with_one_result_line(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    worker = cluster.worker_names[0]
    (work / "config-sample.yaml").write_text(_without(config, worker))
    failed = kkui(home, "nodes", "add", "-f", str(config), "--yes", "--json",
                  *kk_flags(home, work), env={"FAKE_KK_SCENARIO": "etcd-failure"})
    result = json.loads(failed.stdout.splitlines()[-1])["nodes_add"]
    assert (failed.returncode, result["outcome"], result["exit"]) == (1, "failed", 1)
    assert result["kk_succeeded"] is False and result["verified"] is None

    # kkui wrote kk's copy into the workdir (the baseline when the history has no success)
    (work / "config-sample.yaml").write_text(_without(config, worker))
    proc = kkui(home, "nodes", "add", "-f", str(config), "--yes", "--json",
                *kk_flags(home, work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [json.loads(ln) for ln in proc.stdout.splitlines()]      # JSON only on stdout
    assert lines[0]["diff"]["new"] == [worker]
    assert any(ev.get("event") == "RawLine" for ev in lines[1:-1])   # kk's events between
    result = lines[-1]["nodes_add"]
    assert result["outcome"] == "success" and result["exit"] == 0
    assert result["new"] == [worker] and set(result["touched"]) == set(cluster.master_names)
    assert result["kk_succeeded"] is True and result["verified"] is True
    assert Path(result["log"]).parent == work / "logs"

    again = kkui(home, "nodes", "add", "-f", str(config), "--yes", "--json",
                 *kk_flags(home, work))
    result = json.loads(again.stdout.splitlines()[-1])["nodes_add"]
    assert (again.returncode, result["outcome"], result["new"]) == (2, "nothing to add", [])
