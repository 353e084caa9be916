"""`kkui nodes replace` against its own loopback cluster lab (this module changes etcd's
membership for real, so it does not share the other modules' lab): the real etcdctl removes the
old member, the stand-in kk replays `delete node` / `add nodes` (with kk's node filter), and the
run resumes where it stopped.  The tests run in file order and build on each other."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab

from .test_day2_kk_lab import kk_flags, kk_record, kkui

pytestmark = [pytest.mark.sshd]


# etcd's own retryable answers while membership or leadership changes (etcdserver errors
# ErrTimeout, ErrTimeoutDueToLeaderFail, ErrLeaderChanged, ErrNoLeader; the health gate)
ETCD_TRANSIENT = ("deadline exceeded", "unhealthy cluster", "request timed out",
                  "leader changed", "no leader")


def members(cluster: ClusterLab, via: str) -> set[str]:
    out = cluster.etcd.ctl("member", "list", "-w", "json", via=via)
    assert out.returncode == 0, out.stderr
    return {m.get("name", "") for m in json.loads(out.stdout)["members"]}


def join_as_kk_would(cluster: ClusterLab, first: str, old: str, new: str) -> None:
    """What kk's ETCDConfigureModule does for NEW: member add, then start it joining (OLD's
    process stopped: its member is gone)."""
    # a membership change right after the remove can outlast a short client timeout on a
    # loaded 2-core machine (etcd then answers "context deadline exceeded"): retry, bounded
    deadline = time.monotonic() + 30
    while True:
        added = cluster.etcd.ctl("member", "add", new,
                                 f"--peer-urls=https://{cluster.address(new)}:2380", via=first,
                                 timeout=20, command_timeout="10s")
        if added.returncode == 0 or time.monotonic() > deadline or not any(
                why in added.stderr for why in ETCD_TRANSIENT):
            break
        time.sleep(1)
        again = cluster.etcd.ctl("member", "list", via=first)
        if f"https://{cluster.address(new)}:2380" in again.stdout:
            added = subprocess.CompletedProcess(added.args, 0, "", "")  # went through anyway
            break
    assert added.returncode == 0, added.stderr
    cluster.etcd.stop(old)
    del cluster.etcd.members[old]
    member = cluster.etcd.add(new, cluster.address(new), cluster.hosts[new].root_dir,
                              cluster.work)
    member.data_dir.mkdir(parents=True, exist_ok=True)   # an existing cluster to join
    cluster.etcd.start(new)


def test_replace_runs_the_checklist_and_resumes_at_the_failed_step(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    first, _, old = cluster.master_names
    new = cluster.worker_names[0]          # its row exists; it becomes etcd + control plane
    work = tmp_path / "work"
    config.write_text(config.read_text().replace("  roleGroups:",
                                                 "  # keep: audited rows\n  roleGroups:"))
    saved = config.read_text()
    refused = kkui(home, "nodes", "replace", first, "--with", new, "-f", str(config), "--yes",
                   *kk_flags(home, work))
    assert refused.returncode == 2 and "first control-plane node" in refused.stderr

    proc = kkui(home, "nodes", "replace", old, "--with", new, "-f", str(config), "--yes",
                *kk_flags(home, work), timeout=300)
    # kk (the stand-in) does not really join NEW to etcd: the run stops at that step
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    for n, step in enumerate(["verify: the cluster is healthy", f"drain {old}",
                              f"etcdctl member remove {old}", f"kk delete node {old}",
                              "LB pair without", "config:", "kk add nodes"], 1):
        assert f"done [{n}/10] " in out and step in out, (step, out)
    assert f"FAIL [8/10] etcd's member list shows {new}" in out
    assert "run the same command again: it continues at step 8" in out
    assert members(cluster, first) == {first, cluster.master_names[1]}   # OLD really removed
    assert kk_record(home)["argv"] == ["add", "nodes", "-f", "config-sample.yaml"]
    text = config.read_text()
    assert old not in text and "# keep: audited rows" in text
    before_edit = saved
    assert "etcd:\n    - " in text and f"- {new}" in text.split("etcd:")[1].split("control")[0]

    join_as_kk_would(cluster, first, old, new)

    # someone put the old config back meanwhile: the config step is checked, found undone,
    # and done again (the steps before it stay done)
    edited = config.read_text()
    config.write_text(before_edit)
    again = kkui(home, "nodes", "replace", old, "--with", new, "-f", str(config), "--yes",
                 *kk_flags(home, work), timeout=300)
    out = again.stdout
    assert "done [1/10] verify" in out and "(earlier run)" in out
    assert "...  [6/10] config:" in out and "done [5/10] kkui's LB pair without" in out
    assert config.read_text() == edited
    assert "done [3/10] etcdctl member remove" in out                  # re-checked, still gone
    assert f"done [8/10] etcd's member list shows {new}" in out, out + again.stderr
    # the final verify runs; in the lab NEW has no API server (kk would have installed one)
    assert "[10/10] verify: the cluster is healthy after" in out
    assert again.returncode == 1 and "continues at step 10" in out


def test_force_delete_of_an_etcd_node_removes_its_member_then_lets_kk_delete_it(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    """After the replacement above: etcd is master1, master2 and worker1 (3 members)."""
    first, second = cluster.master_names[:2]
    new = cluster.worker_names[0]
    text = config.read_text()
    old = cluster.master_names[2]
    # this test's config: the lab after the replacement (old's row gone, worker1 in etcd)
    doc_text = text.replace(f"    - {old}\n", f"    - {new}\n").replace(
        "    worker:\n    - " + new, "    worker: []")
    lines = [ln for ln in doc_text.splitlines(keepends=True) if f'"name": "{old}"' not in ln]
    config.write_text("".join(lines))
    assert members(cluster, first) == {first, second, new}
    proc = kkui(home, "nodes", "delete", second, "-f", str(config), "--yes", "--force",
                *kk_flags(home, tmp_path / "work"), timeout=300)
    assert "quorum kept" in proc.stdout, proc.stdout + proc.stderr
    assert f"kkui: etcd: removed member {second}" in proc.stdout, proc.stderr
    assert "kk delete node" in proc.stdout and "succeeded" in proc.stdout, proc.stdout
    assert members(cluster, first) == {first, new}
    rec = kk_record(home)
    assert rec["argv"][:3] == ["delete", "node", second]
    kk_groups = str(rec["config"]).split("roleGroups:")[1]
    assert f"- {second}" not in kk_groups.split("worker")[0]          # shown as a worker only
    assert second not in config.read_text()
