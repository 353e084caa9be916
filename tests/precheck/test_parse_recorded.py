"""Every check as a pure function over gather outputs of real distributions.

Two kinds of output live in ``recorded/`` (each file's provenance: ``recorded/PROVENANCE.md``):
``*-debootstrap.txt`` were recorded by ``record.py`` — kkui's gather script run by real bash in
debootstrapped Debian 12 and 13 roots; the others were reconstructed by hand from public
sources for distributions this machine cannot run (CentOS 7, Rocky 9, Ubuntu 22.04, Kylin V10,
and an older Debian 12 sample): realistic, but not recordings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kkui.core.config.model import Host
from kkui.core.precheck.checks import (
    K8S_CHECK_IDS,
    K8S_CHECKS,
    REGISTRY,
    CheckContext,
    check_firewall,
    check_kernel,
    check_resources,
    check_swap,
    check_time,
    family,
    listening_ports,
)
from kkui.core.precheck.gather import TOOLS, LbProbe, build_script, parse_output

RECORDED = Path(__file__).parent / "recorded"
CP = ("etcd", "control-plane")
T0 = 1767225600.0  # the time the reconstructed outputs claim (their @@kkui time section)


def facts(name: str):
    return parse_output((RECORDED / f"{name}.txt").read_text())


def ctx(user: str = "root", roles=CP, arch: str = "amd64", **kw) -> CheckContext:
    host = Host(name="node1", address="192.0.2.10", user=user, arch=arch,
                password=kw.pop("password", None))
    kw.setdefault("sent_at", T0)
    kw.setdefault("received_at", T0 + 1.0)
    return CheckContext(host=host, roles=roles, **kw)


def run_all(f, c) -> dict[str, tuple[str, str, str]]:
    return {fn(f, c).id: (fn(f, c).status, fn(f, c).detail, fn(f, c).fix) for fn in K8S_CHECKS}


# distro, context, expected status per check id (ids not listed must pass; ip_forward 0 passes:
# kk's ConfigureOS sets it, see test_ip_forward_0_passes_because_kk_sets_it)
CASES = [
    ("centos7", dict(), {
        "selinux": "warn", "firewalld": "warn", "swap": "warn",
        "socat": "fail", "conntrack": "fail"}),
    ("rocky9", dict(user="rocky"), {
        "selinux": "warn", "resources": "warn", "socat": "fail",
        "conntrack": "fail", "ebtables": "fail", "ipset": "fail", "containerd": "warn"}),
    ("ubuntu2204", dict(user="ubuntu", password="x", roles=("worker",)), {
        "swap": "warn", "containerd": "warn"}),
    ("debian12", dict(), {
        "sudo": "fail", "swap": "warn", "socat": "fail", "conntrack": "fail",
        "ebtables": "fail", "ipset": "fail"}),
    ("kylinv10", dict(arch="arm64"), {"firewalld": "warn"}),
    # recorded: a minbase root has no sudo and none of kk's tools; ip_forward is the kernel's
    ("debian12-debootstrap", dict(sent_at=None), {
        "sudo": "fail", "socat": "fail", "conntrack": "fail",
        "ebtables": "fail", "ipset": "fail"}),
    ("debian13-debootstrap", dict(sent_at=None), {
        "sudo": "fail", "socat": "fail", "conntrack": "fail",
        "ebtables": "fail", "ipset": "fail"}),
]


@pytest.mark.parametrize(("distro", "context", "expected"), CASES, ids=[c[0] for c in CASES])
def test_statuses_of_recorded_distros(distro, context, expected):
    f = facts(distro)
    if "sent_at" in context and context["sent_at"] is None:  # sent just before its own clock
        at = float(f.lines("time")[0])
        context = {**context, "sent_at": at - 0.5, "received_at": at + 0.5}
    results = run_all(f, ctx(**context))
    assert list(results) == [i for i in K8S_CHECK_IDS if REGISTRY[i].fn is not None]
    got = {cid: r[0] for cid, r in results.items() if r[0] != "pass"}
    assert got == expected, {cid: results[cid][1] for cid in got}
    for cid, (status, _detail, fix) in results.items():
        if status in ("fail", "warn"):
            assert fix, f"{cid} has no fix"


@pytest.mark.parametrize(("distro", "user", "command"), [
    ("centos7", "root", "yum install -y socat conntrack-tools"),
    ("rocky9", "rocky", "sudo dnf install -y socat conntrack-tools"),
    ("debian12", "root", "apt-get install -y socat conntrack"),
    ("kylinv10", "root", "dnf install -y socat conntrack-tools"),
])
def test_fix_commands_follow_the_distro_family(distro, user, command):
    f = facts(distro)
    socat = run_all(f, ctx(user=user))["socat"]
    conntrack = run_all(f, ctx(user=user))["conntrack"]
    pm = command.removeprefix("sudo ").split()[0]
    if socat[0] == "fail":
        head = command.rsplit(" ", 2)[0]
        assert socat[2] == f"{head} socat"
        assert conntrack[2] == f"{head} {command.rsplit(' ', 1)[1]}"
    assert family(f) == {"apt-get": "apt"}.get(pm, pm)


def test_zypper_family_and_package_names():
    text = (RECORDED / "centos7.txt").read_text().replace(
        'ID="centos"', 'ID="sles"').replace('ID_LIKE="rhel fedora"', 'ID_LIKE="suse"').replace(
        "yum=/usr/bin/yum", "zypper=/usr/bin/zypper")
    result = REGISTRY["conntrack"].fn(parse_output(text), ctx())
    assert result.fix == "zypper --non-interactive install conntrack-tools"
    assert result.packages == ("conntrack-tools",)


def test_debian_without_sudo_fails_the_way_kk_would():
    results = run_all(facts("debian12"), ctx())
    status, detail, fix = results["sudo"]
    assert status == "fail" and "kubekey#1196" in detail
    assert fix == "apt-get install -y sudo"
    # kk's own view needs sudo; a tool missing everywhere is still reported as missing
    assert results["socat"][0] == "fail" and "not installed" in results["socat"][1]


def test_arm64_kylin_with_default_arch_fails():
    results = run_all(facts("kylinv10"), ctx(arch="amd64"))
    status, detail, fix = results["arch"]
    assert status == "fail" and "arm64 (aarch64)" in detail and "kubekey#2615" in detail
    assert fix == "set `arch: arm64` on host node1"


def test_centos_firewalld_lists_the_cluster_and_cni_ports():
    result = check_firewall(facts("centos7"), ctx(network_plugin="flannel"))
    assert result.status == "warn"
    assert "6443/tcp" in result.detail and "30000-32767/tcp" in result.detail
    assert "8472/udp" in result.detail
    assert "firewall-cmd" in result.fix


def test_ubuntu_ufw_service_active_but_disabled_is_not_a_firewall():
    f = facts("ubuntu2204")
    assert f.kv("services")["ufw"] == "active"
    assert check_firewall(f, ctx()).status == "pass"
    enabled = (RECORDED / "ubuntu2204.txt").read_text().replace("ufw.conf=no", "ufw.conf=yes")
    result = check_firewall(parse_output(enabled), ctx())
    assert result.status == "warn" and "ufw" in result.detail and "ufw allow" in result.fix


def test_skip_configure_os_turns_swap_and_ip_forward_into_failures():
    f = facts("centos7")
    assert check_swap(f, ctx(skip_configure_os=True)).status == "fail"
    assert check_kernel(f, ctx(skip_configure_os=True)).status == "fail"
    assert check_swap(f, ctx()).status == "warn"


def test_resources_depend_on_the_role():
    # Rocky: 2 CPU, 1.7 GiB (a "2 GiB" VM) and 7.1 GiB free disk
    rocky = facts("rocky9")
    cp = check_resources(rocky, ctx(roles=CP))
    assert cp.status == "warn" and "7.1 GiB free on /" in cp.detail
    tiny = (RECORDED / "rocky9.txt").read_text().replace("MemTotal:        1813020 kB",
                                                         "MemTotal:        1013020 kB")
    assert check_resources(parse_output(tiny), ctx(roles=CP)).status == "fail"
    assert check_resources(parse_output(tiny), ctx(roles=("worker",))).status == "warn"


def test_listening_ports_decode_proc_net_tcp():
    ports = listening_ports(facts("ubuntu2204"))
    assert ports[53] == ["127.0.0.53"]
    assert sorted(ports[22]) == ["0.0.0.0", "::"]
    assert 35617 in ports  # 0x8B21 on 127.0.0.1 (containerd's stream server)


@pytest.mark.parametrize(("skew", "status"), [(0.0, "pass"), (8.0, "warn"), (-8.0, "warn"),
                                              (90.0, "fail"), (-3600.0, "fail")])
def test_time_skew_thresholds(skew, status):
    result = check_time(facts("centos7"), ctx(sent_at=T0 - skew, received_at=T0 - skew + 1.0))
    assert result.status == status, result.detail


def test_truncated_output_is_an_error_not_a_pass():
    text = (RECORDED / "centos7.txt").read_text()
    f = parse_output(text[: text.index("@@kkui sudo")])
    assert not f.complete
    from kkui.core.precheck.engine import _run_checks
    results = {r.id: r for r in _run_checks(f, ctx(), is_lb=False)}
    assert results["sudo"].status == "error" and "'sudo'" in results["sudo"].detail
    assert results["socat"].status == "error"
    assert results["os"].status == "pass"


def test_script_reads_the_password_from_stdin_only():
    script = build_script(have_password=True)
    assert "IFS= read -r PW" in script
    assert all(t in script for t in TOOLS)
    assert "@" + "LB@" not in script and "VIP=" not in script
    lb = build_script(have_password=False, lb=LbProbe("127.0.0.9", 6443, "eth0"))
    assert "VIP='127.0.0.9'" in lb and '[ "0" = 1 ]' in lb


@pytest.mark.parametrize("bad", [dict(vip="1.2.3.4; rm -rf /", port=1, interface="eth0"),
                                 dict(vip="10.0.0.1", port=1, interface="eth0;reboot"),
                                 dict(vip="10.0.0.1", port=70000, interface="eth0")])
def test_lb_probe_refuses_values_that_are_not_addresses(bad):
    with pytest.raises(ValueError):
        LbProbe(**bad)
