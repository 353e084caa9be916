"""run_precheck end to end against real sshd hosts that differ only by their stub tools."""

from __future__ import annotations

import threading
import time

import pytest

from kkui.core.config import ClusterDocument
from kkui.core.errors import ConfigError
from kkui.core.precheck import HostReport, apply_fix, plan_fixes, run_precheck

pytestmark = pytest.mark.sshd


def model_of(sshlab, tmp_path, hosts, **kw):
    path = sshlab.write_config(tmp_path / "config.yaml", hosts, **kw)
    return ClusterDocument.load(path).model()


def statuses(host: HostReport) -> dict[str, str]:
    return {c.id: c.status for c in host.checks if c.status != "pass"}


def test_the_issue_scenarios(sshlab, farm, tmp_path, known_hosts):
    names = ["healthy", "nosocat", "sbinct", "selinux", "arm"]
    model = model_of(sshlab, tmp_path, [farm[n] for n in names],
                     roles={"etcd": ["healthy"], "control-plane": ["healthy"], "worker": names})
    seen: list[str] = []
    report = run_precheck(model, known_hosts=known_hosts,
                          on_host_done=lambda h: seen.append(h.name))
    assert sorted(seen) == sorted(names)
    assert [h.name for h in report.hosts] == names  # config order, whatever the finish order
    by = {h.name: h for h in report.hosts}
    assert statuses(by["healthy"]) == {}
    assert by["healthy"].role == "etcd,control-plane,worker"
    assert statuses(by["nosocat"]) == {"socat": "fail", "conntrack": "fail"}
    assert by["nosocat"].check("socat").fix == "sudo apt-get install -y socat"
    assert statuses(by["sbinct"]) == {"conntrack": "fail"}
    detail = by["sbinct"].check("conntrack").detail
    assert str(farm["sbinct"].sbin_dir / "conntrack") in detail and "secure_path" in detail
    assert statuses(by["selinux"]) == {"selinux": "warn", "firewalld": "warn"}
    assert statuses(by["arm"]) == {"arch": "fail"}
    assert report.summary["fail"] == 4 and report.summary["warn"] == 2
    assert not report.ok


def test_strict_turns_warnings_into_failures(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["selinux"]])
    report = run_precheck(model, strict=True, known_hosts=known_hosts)
    assert statuses(report.hosts[0]) == {"selinux": "fail", "firewalld": "fail"}


def test_password_auth_and_sudo_password(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["pwsudo"]], auth="password")
    report = run_precheck(model, known_hosts=known_hosts)
    host = report.hosts[0]
    assert statuses(host) == {}
    assert "by password" in host.check("ssh").detail
    assert "types the host row's password" in host.check("sudo").detail


def test_sudo_password_without_a_password_in_the_row(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["pwsudo"]], auth="key")
    host = run_precheck(model, known_hosts=known_hosts).hosts[0]
    assert host.check("sudo").status == "fail"
    assert "kubekey#2343" in host.check("sudo").detail
    # what kk sees cannot be checked without sudo: said so, not guessed
    assert host.check("socat").status == "error"


def test_unreachable_hosts_fail_ssh_only_and_fast(sshlab, farm, tmp_path, known_hosts):
    address, port = sshlab.unused_endpoint()
    ghost = {"name": "ghost", "address": address, "internalAddress": address, "port": port,
             "user": sshlab.user, "password": "Wr0ng-Secret-Value"}
    wrong = dict(sshlab.host_row(farm["healthy"], auth="none"), name="wrongpw",
                 password="Wr0ng-Secret-Value")
    model = model_of(sshlab, tmp_path, [ghost, wrong],
                     roles={"etcd": ["ghost"], "control-plane": ["ghost"], "worker": ["wrongpw"]})
    started = time.monotonic()
    report = run_precheck(model, known_hosts=known_hosts)
    assert time.monotonic() - started < 3
    ghost_r, wrong_r = report.hosts
    assert [c.id for c in ghost_r.checks] == ["ssh"] and ghost_r.checks[0].status == "fail"
    assert "connection refused" in ghost_r.checks[0].detail
    assert "password: rejected" in wrong_r.checks[0].detail
    assert "Wr0ng-Secret-Value" not in repr(report)


def test_ports_in_use_and_duplicate_hostnames(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["busy"], farm["healthy"], farm["twin"]],
                     roles={"etcd": ["busy"], "control-plane": ["busy"],
                            "worker": ["healthy", "twin"]})
    by = {h.name: h for h in run_precheck(model, known_hosts=known_hosts).hosts}
    ports = by["busy"].check("ports")
    assert ports.status == "fail" and "6443 (kube-apiserver)" in ports.detail
    assert "2379 (etcd client)" in ports.detail
    assert by["healthy"].check("hostname").status == "warn"
    assert "twin" in by["healthy"].check("hostname").detail
    assert "healthy" in by["twin"].check("hostname").detail
    assert by["busy"].check("hostname").status == "pass"


def test_timeout_costs_only_that_host(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["healthy"], farm["slow"]])
    started = time.monotonic()
    report = run_precheck(model, timeout=1.0, known_hosts=known_hosts)
    assert time.monotonic() - started < 3
    slow = report.host("slow")
    assert slow.check("gather").status == "error"
    assert "within 1 s" in slow.check("gather").detail
    assert statuses(report.host("healthy")) == {}


def test_cancel_returns_within_a_second_with_what_was_gathered(sshlab, farm, tmp_path,
                                                               known_hosts):
    model = model_of(sshlab, tmp_path, [farm["healthy"], farm["slow"]])
    cancel = threading.Event()
    cancelled_at: list[float] = []

    def done(host: HostReport) -> None:
        if host.name == "healthy":
            cancelled_at.append(time.monotonic())
            cancel.set()

    report = run_precheck(model, on_host_done=done, cancel=cancel, known_hosts=known_hosts)
    assert time.monotonic() - cancelled_at[0] < 1.0
    assert report.cancelled and report.pending == ["slow"]
    assert [h.name for h in report.hosts] == ["healthy"]


def test_unknown_host_names_are_a_config_error(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["healthy"]])
    with pytest.raises(ConfigError, match="'nope'.*hosts: healthy"):
        run_precheck(model, hosts=["nope"], known_hosts=known_hosts)


def lb_settings(sshlab, **kw):
    return {"vip": f"{sshlab.block}.200", "prefix": 8, "port": 6443, "interface": "lo",
            "virtualRouterId": 51, **kw}


def test_load_balancer_hosts(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["healthy"]],
                     lb_hosts=[farm["lbok"], farm["lbinst"], farm["lbbad"]],
                     lb=lb_settings(sshlab))
    report = run_precheck(model, known_hosts=known_hosts)
    by = {h.name: h for h in report.hosts}
    assert by["lbok"].role == "loadbalancer"
    assert [c.id for c in by["lbok"].checks] == [
        "ssh", "sudo", "os", "time", "haproxy", "keepalived", "interface", "vip", "frontend"]
    assert statuses(by["lbok"]) == {}
    assert statuses(by["lbinst"]) == {}
    assert "kkui lb deploy" in by["lbinst"].check("haproxy").detail
    # lbbad: no package manager, the VIP answers (checked with bash /dev/tcp on loopback since
    # this host has no ping), and something listens on the frontend port
    assert statuses(by["lbbad"]) == {"haproxy": "fail", "keepalived": "fail", "vip": "fail",
                                     "frontend": "fail"}
    assert "already answers" in by["lbbad"].check("vip").detail


def test_load_balancer_interface_must_exist(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["healthy"]], lb_hosts=[farm["lbok"], farm["lbinst"]],
                     lb=lb_settings(sshlab, interface="kkuinope0"))
    report = run_precheck(model, hosts=["lbok"], known_hosts=known_hosts)
    iface = report.hosts[0].check("interface")
    assert iface.status == "fail" and "kkuinope0" in iface.detail and "lo" in iface.detail


def test_fix_installs_packages_then_the_check_passes(sshlab, tmp_path, known_hosts):
    lab_host = sshlab.add_host("fixme", tools_missing=("socat", "conntrack"), pkg_manager="apt")
    model = model_of(sshlab, tmp_path, [lab_host])
    before = run_precheck(model, known_hosts=known_hosts)
    plans = plan_fixes(before)
    assert [(p.name, p.packages, p.command, p.blocked) for p in plans] == [
        ("fixme", ("socat", "conntrack"), "sudo apt-get install -y socat conntrack", "")]
    outcome = apply_fix(model, plans[0], known_hosts=known_hosts)
    assert outcome.ok, outcome.detail
    after = run_precheck(model, known_hosts=known_hosts)
    assert statuses(after.hosts[0]) == {}


def test_fix_is_blocked_without_a_package_manager(sshlab, farm, tmp_path, known_hosts):
    model = model_of(sshlab, tmp_path, [farm["nosocat"]])
    plans = plan_fixes(run_precheck(model, known_hosts=known_hosts))
    assert plans[0].blocked == "no known package manager on this host"
    assert not apply_fix(model, plans[0], known_hosts=known_hosts).ok
