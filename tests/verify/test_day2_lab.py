"""Day-2 commands against the loopback cluster lab: the certificate calendar and etcd
snapshot/restore with the real 3-member etcd (kk's certificate layout and data dir)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab

pytestmark = [pytest.mark.sshd]
REPO = Path(__file__).resolve().parents[2]


def kkui(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(home), "NO_COLOR": "1",
           "KKUI_KNOWN_HOSTS": str(home / "kkui_known_hosts"),
           "KKUI_USER_KNOWN_HOSTS": str(home / "user_known_hosts"),
           "XDG_CACHE_HOME": str(home / "cache"), "XDG_STATE_HOME": str(home / "state"),
           "XDG_DATA_HOME": str(home / "data"), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "kkui", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, check=False)


def test_certs_calendar_lists_soonest_first_and_says_what_kk_renews(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    m3 = cluster.master_names[2]
    rel = "etc/kubernetes/pki/front-proxy-client.crt"
    cluster.set_cert(m3, rel, days=5)
    try:
        proc = kkui(home, "certs", "-f", str(config), "--json")
        assert proc.returncode == 1, proc.stdout + proc.stderr      # one expires within 7 days
        certs = json.loads(proc.stdout)["certs"]
        assert set(certs[0]) == {"host", "path", "subject", "not_after", "days_left", "status"}
        first = certs[0]
        assert (first["host"], first["path"], first["status"]) == (
            m3, "/" + rel, "fail")
        assert 4 <= first["days_left"] <= 5
        days = [c["days_left"] for c in certs]
        assert days == sorted(days)
        paths = {c["path"] for c in certs}
        assert "/etc/ssl/etcd/ssl/ca.pem" in paths and "/etc/kubernetes/pki/ca.crt" in paths
        assert not any(p.endswith("-key.pem") for p in paths)      # never a key
        table = kkui(home, "certs", "-f", str(config))
        assert "does not renew kk's etcd certificates" in table.stdout
        ca_row = next(ln for ln in table.stdout.splitlines()
                      if ln.endswith("/etc/ssl/etcd/ssl/ca.pem"))
        assert " CA " in ca_row
    finally:
        cluster.set_cert(m3, rel, days=365)


def test_etcd_snapshot_then_restore_rolls_the_data_back(
        cluster: ClusterLab, config: Path, home: Path, tmp_path: Path) -> None:
    put = cluster.etcd.ctl("put", "/kkui-test/before", "kept")
    assert put.returncode == 0, put.stderr
    out = tmp_path / "backup"
    proc = kkui(home, "etcd", "snapshot", "-f", str(config), "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    snap = json.loads(proc.stdout)
    path = Path(snap["path"])
    assert path.parent == out and (path.stat().st_mode & 0o777) == 0o600
    assert snap["size"] > 0 and snap["revision"] and snap["total_keys"]
    check = subprocess.run(["sha256sum", "-c", path.name + ".sha256"], cwd=out,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    for host in cluster.hosts.values():                # no copy left on any host
        assert not list((host.root_dir / "var" / "lib").glob("kkui/*.db"))
    # after the snapshot: one key deleted, one written
    assert cluster.etcd.ctl("del", "/kkui-test/before").returncode == 0
    assert cluster.etcd.ctl("put", "/kkui-test/after", "lost").returncode == 0
    plan = kkui(home, "etcd", "restore", "-f", str(config), str(path))
    assert plan.returncode == 0 and "systemctl stop etcd" in plan.stdout
    assert plan.stdout.count("etcdctl snapshot restore") == 3
    assert all(cluster.etcd.members[m].running for m in cluster.master_names)  # printed only
    proc = kkui(home, "etcd", "restore", "-f", str(config), str(path), "--yes", timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = [ln for ln in proc.stdout.splitlines() if ln.startswith("ok   ")]
    assert {ln.split()[1].rstrip(":") for ln in steps} == set(cluster.master_names), proc.stdout
    assert "\x1b" not in proc.stdout  # a pipe: plain lines
    deadline = time.monotonic() + 30
    while not all(cluster.etcd.members[m].running for m in cluster.master_names):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    cluster.etcd.wait_healthy(3)
    assert cluster.etcd.ctl("get", "/kkui-test/before", "--print-value-only").stdout.strip() \
        == "kept"
    assert cluster.etcd.ctl("get", "/kkui-test/after").stdout.strip() == ""
    kept = [p for h in cluster.master_names
            for p in (cluster.hosts[h].root_dir / "var" / "lib").glob("etcd.before-restore-*")]
    assert len(kept) == 3                              # the old data dirs were kept aside
    assert os.path.exists(cluster.hosts[cluster.master_names[0]].root_dir / "var/lib/etcd")


def test_a_corrupted_snapshot_is_refused(cluster: ClusterLab, config: Path, home: Path,
                                         tmp_path: Path) -> None:
    snap = tmp_path / "s.db"
    snap.write_bytes(b"not a snapshot")
    (tmp_path / "s.db.sha256").write_text("0" * 64 + "  s.db\n")
    proc = kkui(home, "etcd", "restore", "-f", str(config), str(snap), "--yes")
    assert proc.returncode == 2 and "does not match" in proc.stderr
    assert all(cluster.etcd.members[m].running for m in cluster.master_names)
