"""`kkui verify` against the loopback cluster lab: real sshd, real 3-member etcd with kk's
certificates, real kubectl/etcdctl on the hosts, a real HAProxy endpoint and a DNS server.

Each test breaks one thing, checks what the operator would see, and puts it back.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab

from kkui.core.config import ClusterDocument
from kkui.core.verify.engine import run_verify
from kkui.core.verify.report import VerifyReport

pytestmark = [pytest.mark.sshd]


def verify_cli(config: Path, home: Path, *args: str,
               lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(home), "NO_COLOR": "1",
           **({"LANG": lang} if lang else {}),
           "KKUI_KNOWN_HOSTS": str(home / "kkui_known_hosts"),
           "KKUI_USER_KNOWN_HOSTS": str(home / "user_known_hosts"),
           "XDG_CACHE_HOME": str(home / "cache"), "XDG_STATE_HOME": str(home / "state"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-m", "kkui", "verify", "-f", str(config), *args],
                          capture_output=True, text=True, timeout=120, env=env, check=False)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def verify(config: Path, **kwargs: object) -> VerifyReport:
    return run_verify(ClusterDocument.load(config).model(), timeout=10, **kwargs)  # type: ignore[arg-type]


def by(report: VerifyReport, check_id: str, target: str | None = None) -> list[str]:
    return [r.status for r in report.results
            if r.id == check_id and (target is None or r.target == target)]


def test_a_healthy_cluster_passes_every_check_through_the_cli(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    proc = verify_cli(config, home, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"checks", "summary"}
    assert data["summary"] == {"pass": len(data["checks"]), "warn": 0, "fail": 0, "error": 0}
    ids = {c["id"] for c in data["checks"]}
    assert ids == {"etcd-members", "etcd-health", "etcd-quorum", "etcd-leader", "etcd-db-size",
                   "apiserver", "apiserver-vip", "nodes-ready", "system-pods",
                   "kubelet-endpoint", "dns", "certs", "time"}
    for check in data["checks"]:
        assert set(check) == {"id", "target", "status", "detail", "fix"}
    table = verify_cli(config, home)
    assert table.returncode == 0
    assert "0 failed" in table.stdout and "FAIL" not in table.stdout
    assert "etcd-quorum" in table.stdout and "3 of 3 healthy" in table.stdout


def test_one_etcd_member_down_warns_on_quorum_two_down_fail(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    m1, m2, m3 = cluster.master_names
    etcd_file = lambda name: cluster.hosts[name].dir / "services" / "etcd"  # noqa: E731
    etcd_file(m3).write_text("inactive\n")
    wait_until(lambda: not cluster.etcd.members[m3].running, 10, "etcd on m3 to stop")
    try:
        report = verify(config, only=["etcd-quorum", "etcd-health", "etcd-members"])
        quorum = [r for r in report.results if r.id == "etcd-quorum"][0]
        assert quorum.status == "warn"
        assert "2 of 3 healthy" in quorum.detail and "one more loss" in quorum.detail
        assert by(report, "etcd-health", m3) == ["fail"]
        assert by(report, "etcd-health", m1) == ["pass"]
        chinese_table_and_english_json(config, home, m3)  # issue #16, with m3 still down
        etcd_file(m2).write_text("inactive\n")
        wait_until(lambda: not cluster.etcd.members[m2].running, 10, "etcd on m2 to stop")
        proc = verify_cli(config, home, "--only", "etcd-quorum", "--json")
        assert proc.returncode == 1
        [quorum_json] = json.loads(proc.stdout)["checks"]
        assert quorum_json["status"] == "fail" and "no quorum" in quorum_json["detail"]
    finally:
        etcd_file(m2).write_text("active\n")
        etcd_file(m3).write_text("active\n")
        wait_until(lambda: cluster.etcd.members[m2].running and
                   cluster.etcd.members[m3].running, 10, "etcd to start again")
        cluster.etcd.wait_healthy(3)


def test_a_stopped_apiserver_fails_for_its_host_and_the_vip_still_answers(
        cluster: ClusterLab, config: Path) -> None:
    m2 = cluster.master_names[1]
    (cluster.hosts[m2].dir / "services" / "apiserver").write_text("inactive\n")
    wait_until(lambda: m2 not in cluster.standins, 5, "the stand-in to stop")
    try:
        time.sleep(0.8)  # haproxy's health check (inter 300 ms, fall 2) takes it out
        report = verify(config, only=["apiserver", "apiserver-vip"])
        assert by(report, "apiserver", m2) == ["fail"]
        assert by(report, "apiserver", cluster.master_names[0]) == ["pass"]
        assert by(report, "apiserver-vip") == ["pass"]
    finally:
        (cluster.hosts[m2].dir / "services" / "apiserver").write_text("active\n")
        wait_until(lambda: m2 in cluster.standins, 5, "the stand-in to start again")


def test_an_unready_apiserver_is_reported_with_its_readyz_answer(
        cluster: ClusterLab, config: Path) -> None:
    m1 = cluster.master_names[0]
    cluster.set_apiserver_ready(m1, False)
    try:
        report = verify(config, only=["apiserver"])
        [bad] = [r for r in report.results if r.target == m1]
        assert bad.status == "fail" and bad.fix
        assert "readyz" in bad.detail
    finally:
        cluster.set_apiserver_ready(m1, True)


def test_a_kubelet_pointing_at_one_master_fails_kubelet_endpoint(
        cluster: ClusterLab, config: Path) -> None:
    worker = cluster.worker_names[0]
    m1 = cluster.master_names[0]
    cluster.set_kubelet_server(worker, f"https://{cluster.address(m1)}:6443")
    try:
        report = verify(config, only=["kubelet-endpoint"])
        [bad] = [r for r in report.results if r.target == worker]
        assert bad.status == "fail"
        assert f"master {m1} only" in bad.detail
        assert "lb.kubesphere.local" in bad.fix
        assert all(r.status == "pass" for r in report.results if r.target != worker)
    finally:
        cluster.set_kubelet_server(worker, "https://lb.kubesphere.local:6443")
    cluster.set_hosts_entry(worker, cluster.address(m1))
    try:
        report = verify(config, only=["kubelet-endpoint"])
        [bad] = [r for r in report.results if r.target == worker]
        assert bad.status == "fail" and "/etc/hosts maps" in bad.detail
    finally:
        cluster.set_hosts_entry(worker, cluster.vip)


def test_an_expiring_certificate_warns_and_an_almost_expired_one_fails(
        cluster: ClusterLab, config: Path) -> None:
    m2 = cluster.master_names[1]
    rel = "etc/kubernetes/pki/apiserver-kubelet-client.crt"
    cluster.set_cert(m2, rel, days=20)
    try:
        report = verify(config, only=["certs"])
        [r] = [r for r in report.results if r.target == m2]
        assert r.status == "warn" and "apiserver-kubelet-client.crt 20 days" in r.detail
        cluster.set_cert(m2, rel, days=3)
        report = verify(config, only=["certs"])
        [r] = [r for r in report.results if r.target == m2]
        assert r.status == "fail" and "kk certs renew" in r.fix
    finally:
        cluster.set_cert(m2, rel, days=365)


def test_not_ready_nodes_and_crashing_system_pods_are_named(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    worker = cluster.worker_names[0]
    cluster.set_node_ready(worker, False)
    cluster.set_pod("coredns-5495dd7c88-q9z8m", ready=False, waiting="CrashLoopBackOff")
    try:
        proc = verify_cli(config, home, "--only", "nodes-ready,system-pods")
        assert proc.returncode == 1
        assert f"{worker}" in proc.stdout and "NotReady" in proc.stdout
        assert "coredns-5495dd7c88-q9z8m" in proc.stdout
    finally:
        cluster.set_node_ready(worker, True)
        cluster.set_pod("coredns-5495dd7c88-q9z8m", ready=True)


def test_dns_fails_when_coredns_does_not_answer(cluster: ClusterLab, config: Path) -> None:
    cluster.dns.stop()
    try:
        report = verify(config, only=["dns"])
        [r] = report.results
        assert r.status == "fail" and "no answer" in r.detail
    finally:
        cluster.dns.start()


def test_an_unreachable_host_is_an_error_for_its_checks_not_a_hang(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    worker = cluster.hosts[cluster.worker_names[0]]
    worker.stop()
    try:
        started = time.monotonic()
        proc = verify_cli(config, home, "--json", "--only", "kubelet-endpoint,time,etcd-quorum")
        elapsed = time.monotonic() - started
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr
        checks = json.loads(proc.stdout)["checks"]
        [bad] = [c for c in checks if c["target"] == worker.name]
        assert bad["status"] == "error" and "not checked" in bad["detail"]
        assert [c["status"] for c in checks if c["id"] == "etcd-quorum"] == ["pass"]
        assert elapsed < 20
    finally:
        worker.start()


def test_bad_options_and_configs_exit_2(cluster: ClusterLab, config: Path, home: Path) -> None:
    proc = verify_cli(config, home, "--only", "etcd-quorom")
    assert proc.returncode == 2
    assert "unknown check 'etcd-quorom'" in proc.stderr and "etcd-quorum" in proc.stderr
    broken = config.with_name("broken.yaml")
    broken.write_text(config.read_text().replace("  - " + "{\"name\": \"" +
                                                 cluster.master_names[0], "  - {\"nam\": \"x"))
    proc = verify_cli(broken, home)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_password_hosts_never_leak_the_password_into_verify_or_drill_output(
        cluster: ClusterLab, home: Path, tmp_path: Path) -> None:
    """Secrets audit for the verify and drill output paths: the SSH/sudo password is typed on
    stdin only; it is in no output, report, JSON or the process list."""
    config = cluster.write_config(tmp_path / "pw.yaml", auth="password")
    password = cluster.ssh.password
    assert password in config.read_text()
    proc = verify_cli(config, home, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = verify_cli(config, home, "--only", "etcd-quorum,certs")
    report = tmp_path / "drill.md"
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(home), "NO_COLOR": "1",
           "KKUI_KNOWN_HOSTS": str(home / "kkui_known_hosts"),
           "KKUI_USER_KNOWN_HOSTS": str(home / "user_known_hosts"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    drill = subprocess.run([sys.executable, "-m", "kkui", "drill", "node", "-f", str(config),
                            "--yes", "--hold", "3", "--json", "--report", str(report)],
                           capture_output=True, text=True, timeout=180, env=env, check=False)
    assert drill.returncode in (0, 1), drill.stdout + drill.stderr
    for text in (proc.stdout, proc.stderr, table.stdout, table.stderr, drill.stdout,
                 drill.stderr, report.read_text()):
        assert password not in text


def test_host_text_in_verify_output_has_no_control_sequences(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    """A hostile kubelet.conf (host-controlled text) cannot retitle or clear the terminal."""
    worker = cluster.worker_names[0]
    cluster.set_kubelet_server(worker, "https://\x1b]0;pwned\x07\x1b[2Jevil.example:6443")
    try:
        proc = verify_cli(config, home, "--only", "kubelet-endpoint")
        assert proc.returncode in (0, 1), proc.stderr
        assert "evil.example" in proc.stdout
        assert "\x1b" not in proc.stdout + proc.stderr
        assert "\x07" not in proc.stdout + proc.stderr
    finally:
        cluster.set_kubelet_server(worker, "https://lb.kubesphere.local:6443")


# checks whose answer does not drift between two runs a second apart (not the clock skew, not
# etcd's database size)
STEADY_CHECKS = ("etcd-members", "etcd-health", "etcd-quorum", "etcd-leader", "apiserver",
                 "apiserver-vip", "nodes-ready", "system-pods", "kubelet-endpoint", "dns")


def chinese_table_and_english_json(config: Path, home: Path, m3: str) -> None:
    """Issue #16: the details and fixes are shown in Chinese; --json stays English, byte for
    byte, whatever the locale (one etcd member, ``m3``, is down)."""
    only = ("--only", ",".join(STEADY_CHECKS))
    chinese = verify_cli(config, home, *only, "--json", lang="zh_CN.UTF-8")
    c_locale = verify_cli(config, home, *only, "--json", lang="C")
    table = verify_cli(config, home, *only, lang="zh_CN.UTF-8")
    assert chinese.returncode == c_locale.returncode == table.returncode == 1
    assert chinese.stdout == c_locale.stdout
    quorum = [c for c in json.loads(c_locale.stdout)["checks"] if c["id"] == "etcd-quorum"]
    assert quorum[0]["detail"] == (f"2 of 3 healthy (2 needed; down: {m3}): one more loss "
                                   "stops the cluster")
    out = table.stdout
    assert f"3 个中 2 个健康（需要 2 个；故障：{m3}）：再失去一个成员集群就会停止" in out
    assert "在该节点上执行：systemctl status etcd" in out  # the fix, commands kept
    assert "3 个成员：" in out and "不健康" in out
