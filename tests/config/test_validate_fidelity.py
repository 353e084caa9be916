"""Severities follow kk v3.1.12: an error only where kk fails or builds a broken cluster.

Each case cites the kk source behind it (cmd/kk/apis/kubekey/v1alpha2/default.go,
cluster_types.go, cmd/kk/pkg/core/util/ip.go); every corpus file kk rejects
(tests/data/configs/manifest.toml) gets an error at kk's own reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kkui.core.config import ClusterDocument, Problem

CORPUS = Path(__file__).resolve().parents[1] / "data" / "configs"
BASE = """\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: t
spec:
  hosts:
  - {name: m1, address: 10.0.0.1, internalAddress: "10.0.0.1,fd00:10::1", privateKeyPath: ~/.ssh/k}
  - {name: m2, address: 10.0.0.2, internalAddress: "10.0.0.2,fd00:10::2", privateKeyPath: ~/.ssh/k}
  - {name: m3, address: 10.0.0.3, internalAddress: "10.0.0.3,fd00:10::3", privateKeyPath: ~/.ssh/k}
  roleGroups:
    etcd: [m1, m2, m3]
    control-plane: [m1, m2, m3]
    worker: [m1, m2, m3]
  controlPlaneEndpoint:
    internalLoadbalancer: haproxy
    domain: lb.kubesphere.local
    address: ""
    port: 6443
  kubernetes:
    version: v1.28.15
    containerManager: containerd
  network:
    plugin: calico
    kubePodsCIDR: 10.233.64.0/18,fd85:ee78:d8a6:8607::1:0000/112
    kubeServiceCIDR: 10.233.0.0/18,fd85:ee78:d8a6:8607::1000/116
"""
PODS = "kubePodsCIDR: 10.233.64.0/18,fd85:ee78:d8a6:8607::1:0000/112"
SERVICES = "kubeServiceCIDR: 10.233.0.0/18,fd85:ee78:d8a6:8607::1000/116"


def problems(text: str) -> list[Problem]:
    return ClusterDocument.from_text(text).validate()


def at(found: list[Problem], path: str, severity: str) -> list[Problem]:
    return [p for p in found if p.path == path and p.severity == severity]


def edited(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def test_dual_stack_pairs_are_valid() -> None:
    assert problems(BASE) == []


# --------------------------------------------------------------------------- dual-stack
@pytest.mark.parametrize("old,new,path,words", [
    (PODS, "kubePodsCIDR: 10.233.64.0/18,fd85:ee78::zz/112", "spec.network.kubePodsCIDR",
     "'fd85:ee78::zz/112' is not a valid CIDR"),
    # disjoint per family: the IPv6 parts overlap, the IPv4 parts do not
    (SERVICES, "kubeServiceCIDR: 10.233.0.0/18,fd85:ee78:d8a6:8607::1:0/116",
     "spec.network.kubeServiceCIDR", "overlaps the pod CIDR fd85:ee78:d8a6:8607::1:0/112"),
    # a host's IPv6 internal address inside the IPv6 pod range
    (PODS, "kubePodsCIDR: 10.233.64.0/18,fd00:10::/64", "spec.network.kubePodsCIDR",
     "contains the address fd00:10::1 of host m1"),
    (PODS, "kubePodsCIDR: 10.233.64.0/18,10.234.0.0/18", "spec.network.kubePodsCIDR",
     "two of different IP families"),
    # kk takes the first service part through IPv4-only code (util/ip.go networkRange)
    (SERVICES, "kubeServiceCIDR: fd85:ee78:d8a6:8607::1000/116,10.233.0.0/18",
     "spec.network.kubeServiceCIDR", "put the IPv4 range first"),
    (PODS, "kubePodsCIDR: 10.233.64.0/18, fd85:ee78:d8a6:8607::1:0000/112",
     "spec.network.kubePodsCIDR", "without spaces"),
])
def test_dual_stack_errors(old: str, new: str, path: str, words: str) -> None:
    found = at(problems(edited(old, new)), path, "error")
    assert any(words in p.message for p in found), found


def test_cidr_with_host_bits_is_a_warning() -> None:
    # kk masks the address (util/ip.go networkRange), as does Kubernetes
    found = problems(edited(PODS, "kubePodsCIDR: 10.233.64.1/18"))
    assert not [p for p in found if p.severity == "error"]
    assert "network 10.233.64.0/18" in at(found, "spec.network.kubePodsCIDR", "warning")[0].message


# ------------------------------------------------------------------- HA without a load balancer
NO_LB = "    internalLoadbalancer: haproxy\n"


def test_ha_without_lb_is_a_warning_that_says_what_is_lost() -> None:
    found = problems(edited(NO_LB, ""))
    assert not [p for p in found if p.severity == "error"]
    (warning,) = at(found, "spec.controlPlaneEndpoint.address", "warning")
    assert "no load balancer" in warning.message
    assert "first control-plane node's address" in warning.message
    assert "not highly available" in warning.message


@pytest.mark.parametrize("old,new,warned", [
    (NO_LB, "    externalDNS: true\n", False),  # default.go:197: no warning with externalDNS
    ('    address: ""', "    address: 127.0.0.1", True),  # default.go:209 replaces 127.0.0.1
    (NO_LB + '    domain: lb.kubesphere.local\n    address: ""',
     "    domain: lb.kubesphere.local\n    address: 10.0.0.100", False),  # an external LB
])
def test_ha_warning_follows_kk(old: str, new: str, warned: bool) -> None:
    text = edited(old, new)
    if old == '    address: ""':
        text = text.replace(NO_LB, "")
    found = problems(text)
    lost = [p for p in found if "not highly available" in p.message]
    assert bool(lost) == warned, found
    assert not [p for p in found if p.severity == "error"]


def test_misspelled_internal_lb_is_a_warning() -> None:
    # kk compares with "haproxy" exactly (cluster_types.go:324) and installs nothing else
    found = problems(edited("internalLoadbalancer: haproxy", "internalLoadbalancer: HAProxy"))
    (warning,) = at(found, "spec.controlPlaneEndpoint.internalLoadbalancer", "warning")
    assert "installs no internal load balancer" in warning.message
    assert "not highly available" in " ".join(p.message for p in found)


def test_a_range_beyond_the_hosts_is_one_error() -> None:
    text = edited("worker: [m1, m2, m3]", "worker: ['m[1:40]']")
    (error,) = at(problems(text), "spec.roleGroups.worker[0]", "error")
    assert "37 hosts that are not in spec.hosts (m4, m5, m6, …)" in error.message


# ------------------------------------------------------------------------------- the corpus
# tests/data/configs/manifest.toml says which corpus files kk v3.1.12 accepts (test_corpus.py
# checks those get no error); here: every file kk rejects gets an error at kk's own reason.
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
KK_REJECTS = {
    # loader.go:212: a quoted port into ControlPlaneEndpoint.Port (int); confirm/tasks.go:120
    "v1alpha1-master-quoted-port.yaml": {"spec.controlPlaneEndpoint.port",
                                         "spec.kubernetes.version"},
    # bootstrap/confirm/tasks.go:120-124: "isn't supported", exit 1
    "v1alpha1-block.yaml": {"spec.kubernetes.version"},
    # cluster_types.go:309 hostVerify: node[10:100] names hosts the file does not have
    "realworld/kk-docs-config-example.yaml": {"spec.roleGroups.master[1]",
                                              "spec.roleGroups.worker[1]"},
    # loader.go:219-221: every ConfigMap is taken for KubeSphere's; without metadata kk panics
    "ranges-flow.yaml": {"ConfigMap:metadata.labels"},
    # kk names the "<name>-kubeconfig" ConfigMap after metadata.name (kubernetes/tasks.go:1055)
    "cjk-block.yaml": {"metadata.name"},
}


def rejected_files() -> list[str]:
    return sorted(name for name, entry in MANIFEST.items()
                  if not entry["kk_accepts"] and entry.get("parses", True))


def test_every_file_kk_rejects_has_its_reason_listed() -> None:
    assert set(KK_REJECTS) == set(rejected_files())


@pytest.mark.parametrize("name", rejected_files())
def test_corpus_files_kk_rejects_get_kks_reason_as_errors(name: str) -> None:
    errors = {p.path for p in ClusterDocument.load(CORPUS / name).validate()
              if p.severity == "error"}
    assert errors == KK_REJECTS.get(name)


# ------------------------------------------------------------------------------- versions
@pytest.mark.parametrize("written,severity,words", [
    ("1.28.15", None, ""),  # loader.go:266 adds the "v"
    ("v1.28.15-k3s", None, ""),  # default.go:304-307: version v1.28.15, type k3s
    ("v1.28", "warning", "installs its default v1.23.17"),  # loader.go:300-307 → ""
    ("v1.28.99", "error", "isn't supported"),
])
def test_kubernetes_version_as_kk_reads_it(written: str, severity: str | None,
                                           words: str) -> None:
    found = [p for p in problems(edited("version: v1.28.15", f"version: {written}"))
             if p.path == "spec.kubernetes.version"]
    if severity is None:
        assert found == []
    else:
        assert [p.severity for p in found] == [severity] and words in found[0].message


@pytest.mark.parametrize("ilb,words", [("haproxy", "exits 0 without installing"),
                                       ("kube-vip", "both claim the VIP")])
def test_internal_lb_next_to_kkuis_external_pair(ilb: str, words: str) -> None:
    doc = ClusterDocument.from_profile("ha-external-lb")
    doc.cluster["spec"]["controlPlaneEndpoint"]["internalLoadbalancer"] = ilb
    (error,) = at(doc.validate(), "spec.controlPlaneEndpoint.internalLoadbalancer", "error")
    assert words in error.message


@pytest.mark.parametrize("etcd,path,words", [
    ("  etcd: {type: KubeKey}\n", "spec.etcd.type", "sets up no etcd"),
    ("  etcd: {type: external}\n", "spec.etcd.external.endpoints", "without endpoints"),
    ("  etcd: {type: external, external: {endpoints: [https://10.0.0.9:2379]}}\n", "", ""),
    ("  etcd: {type: kubeadm}\n", "", ""),
])
def test_etcd_type_as_kk_switches_on_it(etcd: str, path: str, words: str) -> None:
    errors = [p for p in problems(edited("  network:\n", etcd + "  network:\n"))
              if p.severity == "error"]
    if not path:
        assert errors == []
    else:
        (error,) = errors
        assert error.path == path and words in error.message
