"""Each validation rule: a bad config in, a problem naming the field and the fix out."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.base_config import BASE

from kkui.core.config import ClusterDocument, Problem

REPO = Path(__file__).resolve().parents[2]


def problems(text: str) -> list[Problem]:
    return ClusterDocument.from_text(text).validate()


def only(text: str, severity: str) -> list[Problem]:
    return [p for p in problems(text) if p.severity == severity]


def find(found: list[Problem], path: str, words: str = "") -> Problem:
    matches = [p for p in found if p.path == path and words in p.message]
    assert matches, f"no problem at {path} saying {words!r}: {found}"
    return matches[0]


def test_base_is_clean() -> None:
    assert problems(BASE) == []


def test_profiles_have_no_errors() -> None:
    for profile in (REPO / "profiles").glob("*.yaml"):
        errors = [p for p in ClusterDocument.load(profile).validate() if p.severity == "error"]
        assert errors == [], profile.name


@pytest.mark.parametrize("old,new,path,words", [
    ("name: w1,", "name: Worker_1,", "spec.hosts[3].name", "RFC 1123"),
    ("name: m2,", "name: m1,", "spec.hosts[1].name", "duplicate host name 'm1'"),
    ("address: 10.0.0.4,", "address: 10.0.0.400,", "spec.hosts[3].address",
     "not an IP address or a DNS name"),
    ("address: 10.0.0.4,", "address: 10.0.0.3,", "spec.hosts[3].address", "already used"),
    ("internalAddress: 10.0.0.4,", "internalAddress: \"10.0.0.4,fe80::zz\",",
     "spec.hosts[3].internalAddress", "dual-stack"),
    ("privateKeyPath: ~/.ssh/k}\n  roleGroups", "privateKeyPath: ~/.ssh/k, port: 70000}\n"
     "  roleGroups", "spec.hosts[3].port", "1 to 65535"),
    ("privateKeyPath: ~/.ssh/k}\n  roleGroups", "privateKeyPath: ~/.ssh/k, arch: x86_64}\n"
     "  roleGroups", "spec.hosts[3].arch", "amd64 or arm64"),
    ("worker: [w1]", "worker: [w1, w9]", "spec.roleGroups.worker[1]", "w9 is in the worker group"),
    ("worker: [w1]", "worker: ['w[1:2]']", "spec.roleGroups.worker[0]", "w2 is in the worker"),
    ("control-plane: [m1, m2, m3]", "control-plane: []", "spec.roleGroups.control-plane",
     "cannot be 0"),
    ("etcd: [m1, m2, m3]", "etcd: []", "spec.roleGroups.etcd", "etcd.type is kubekey"),
    ('address: ""', "address: 10.0.0.50", "spec.controlPlaneEndpoint.address", "exits 0"),
    ("internalLoadbalancer: haproxy", "internalLoadbalancer: kube-vip",
     "spec.controlPlaneEndpoint.address", "kube-vip needs the virtual IP"),
    ("kubePodsCIDR: 10.233.64.0/18", "kubePodsCIDR: 10.233.64.0/33", "spec.network.kubePodsCIDR",
     "not a valid CIDR"),
    ("kubeServiceCIDR: 10.233.0.0/18", "kubeServiceCIDR: 10.233.64.0/20",
     "spec.network.kubeServiceCIDR", "overlaps the pod CIDR"),
    ("kubePodsCIDR: 10.233.64.0/18", "kubePodsCIDR: 10.0.0.0/16", "spec.network.kubePodsCIDR",
     "contains the address 10.0.0.1 of host m1"),
    ("version: v1.28.15", "version: v1.28.99", "spec.kubernetes.version", "v1.28.15"),
    ("containerManager: containerd", "containerManager: podman",
     "spec.kubernetes.containerManager", "docker, containerd"),
    ("plugin: calico", "plugin: weave", "spec.network.plugin", "calico, flannel"),
])
def test_error_rules(old: str, new: str, path: str, words: str) -> None:
    assert old in BASE
    problem = find(only(BASE.replace(old, new, 1), "error"), path)
    assert words in problem.message


def test_unsupported_version_names_nearest_and_the_kk_message() -> None:
    problem = find(only(BASE.replace("v1.28.15", "v1.22.99"), "error"), "spec.kubernetes.version")
    assert "isn't supported" in problem.message and "v1.22.17" in problem.message


@pytest.mark.parametrize("old,new,path,words", [
    ("etcd: [m1, m2, m3]", "etcd: [m1, m2]", "spec.roleGroups.etcd", "tolerate only 0"),
    ("privateKeyPath: ~/.ssh/k}\n  roleGroups", "password: x}\n  roleGroups",
     "spec.hosts[3].password", "privateKeyPath"),
    ("privateKeyPath: ~/.ssh/k}\n  roleGroups", "password: &x}\n  roleGroups",
     "spec.hosts[3].password", "starts with & or *"),
    ("containerManager: containerd", "containerManager: docker",
     "spec.kubernetes.containerManager", "cri-dockerd"),
    ("  controlPlaneEndpoint:", "  controlPlaneEndPoint: {}\n  controlPlaneEndpoint:",
     "spec.controlPlaneEndPoint", "rename it to `controlPlaneEndpoint`"),
    ("    internalLoadbalancer: haproxy\n", "", "spec.controlPlaneEndpoint.address",
     "no load balancer"),
    ("internalLoadbalancer: haproxy", "internalLoadbalancer: nginx",
     "spec.controlPlaneEndpoint.internalLoadbalancer", "exactly haproxy or kube-vip"),
    ("    plugin: calico", "    plugn: calico\n    plugin: calico", "spec.network.plugn",
     "did you mean `plugin`"),
    ("  name: t\n", "  name: t\n  spec: {}\n", "metadata.spec", "check the indentation"),
    ("    worker: [w1]", "    worker: [w1]\n    workers: [w1]", "spec.roleGroups.workers",
     "did you mean `worker`"),
])
def test_warning_rules(old: str, new: str, path: str, words: str) -> None:
    assert old in BASE
    problem = find(only(BASE.replace(old, new, 1), "warning"), path)
    assert words in problem.message


def test_a_host_in_no_role_group_is_a_warning_naming_it() -> None:
    # kk builds its host list from the role groups only (kube_runtime.go:78-90)
    text = BASE.replace("    worker: [w1]\n", "")
    problem = find(only(text, "warning"), "spec.hosts[3]", "w1 is in no role group")
    assert "never connects to it and installs nothing" in problem.message
    # a member of any group (also an unknown one, or through a range) counts as placed
    assert not [p for p in problems(BASE) if "no role group" in p.message]
    ranged = BASE.replace("    worker: [w1]", "    worker: [\"w[1:1]\"]")
    assert not [p for p in problems(ranged) if "no role group" in p.message]


def test_endpoint_on_a_control_plane_is_a_warning() -> None:
    text = BASE.replace("    internalLoadbalancer: haproxy\n", "").replace(
        'address: ""', "address: 10.0.0.1")
    problem = find(only(text, "warning"), "spec.controlPlaneEndpoint.address")
    assert "not a load balancer" in problem.message


def test_all_problems_are_reported_not_just_the_first() -> None:
    text = BASE.replace("name: w1,", "name: W1,").replace("v1.28.15", "v9.9.9").replace(
        "plugin: calico", "plugin: weave")
    paths = {p.path for p in only(text, "error")}
    assert {"spec.hosts[3].name", "spec.kubernetes.version", "spec.network.plugin"} <= paths


def test_lb_pair_must_match_the_cluster_endpoint() -> None:
    doc = ClusterDocument.from_profile("ha-external-lb")
    doc.cluster["spec"]["controlPlaneEndpoint"]["address"] = "192.168.233.99"
    doc.cluster["spec"]["controlPlaneEndpoint"]["internalLoadbalancer"] = "haproxy"
    errors = [p for p in doc.validate() if p.severity == "error"]
    find(errors, "spec.controlPlaneEndpoint.address", "192.168.233.18")
    find(errors, "spec.controlPlaneEndpoint.internalLoadbalancer", "internalLoadbalancer")


def test_kkui_document_rules() -> None:
    doc = ClusterDocument.from_profile("all-in-one")
    doc.set_kkui("kk.version", "v4.0.2")
    doc.set_kkui("kk.zone", "china")
    errors = [p for p in doc.validate() if p.severity == "error"]
    assert "kkui drives kk v3" in find(errors, "kkui:spec.kk.version").message
    assert "cn" in find(errors, "kkui:spec.kk.zone").message
