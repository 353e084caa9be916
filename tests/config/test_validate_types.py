"""kk's Go types and keys (kk_schema / kk_decode): what kk v3.1.12's loader rejects is an error
naming the field, the type kk expects and the fix; what it ignores is a warning, per API version.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kkui.core.config import ClusterDocument, Problem
from kkui.core.config.kk_decode import known_paths, struct_fields

BASE = """\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: t
spec:
  hosts:
  - {name: m1, address: 10.0.0.1, internalAddress: 10.0.0.1, privateKeyPath: ~/.ssh/k}
  roleGroups:
    etcd: [m1]
    control-plane: [m1]
    worker: [m1]
  controlPlaneEndpoint:
    domain: lb.kubesphere.local
    address: ""
    port: 6443
  system:
    ntpServers: [ntp.aliyun.com]
  kubernetes:
    version: v1.28.15
    containerManager: containerd
    autoRenewCerts: true
    maxPods: 110
  etcd:
    type: kubekey
  network:
    plugin: calico
    kubePodsCIDR: 10.233.64.0/18
    kubeServiceCIDR: 10.233.0.0/18
  registry:
    privateRegistry: ""
    registryMirrors: []
"""
UNMARSHAL = "Failed to unmarshal configuration"


def problems(text: str) -> list[Problem]:
    return ClusterDocument.from_text(text).validate()


def at(found: list[Problem], path: str, severity: str) -> list[Problem]:
    return [p for p in found if p.path == path and p.severity == severity]


def edited(old: str, new: str, base: str = BASE) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def test_base_is_clean() -> None:
    assert problems(BASE) == []


# ------------------------------------------------------------------ type errors (kk fails)
@pytest.mark.parametrize("old,new,path,words", [
    # a JSON string into a Go int (kk 1.x docs quoted the port)
    ("    port: 6443", '    port: "6443"', "spec.controlPlaneEndpoint.port",
     ["Go int", "write `port: 6443` without quotes"]),
    ("privateKeyPath: ~/.ssh/k}", 'privateKeyPath: ~/.ssh/k, port: "22"}', "spec.hosts[0].port",
     ["Go int", "`port: 22`"]),
    # int fields reject fractions and booleans
    ("maxPods: 110", "maxPods: 110.5", "spec.kubernetes.maxPods",
     ["a fraction", "whole number"]),
    ("maxPods: 110", "maxPods: true", "spec.kubernetes.maxPods", ["a boolean", "whole number"]),
    # a list into a Go string
    ('    privateRegistry: ""', "    privateRegistry: \"\"\n    type: []",
     "spec.registry.type", ["a list", "Go string", "single text value"]),
    # a number into a Go string: quote it
    ("domain: lb.kubesphere.local", "domain: 12345", "spec.controlPlaneEndpoint.domain",
     ["a number", 'quote it: `domain: "12345"`']),
    ("version: v1.28.15", "version: 1.28", "spec.kubernetes.version",
     ["a fraction", 'quote it: `version: "1.28"`']),
    # YAML 1.1: a plain `yes` is a boolean to kk, so it cannot go into a string
    ("domain: lb.kubesphere.local", "domain: yes", "spec.controlPlaneEndpoint.domain",
     ["a boolean", 'quote it: `domain: "yes"`', "YAML 1.1"]),
    # bool fields reject strings
    ("autoRenewCerts: true", 'autoRenewCerts: "true"', "spec.kubernetes.autoRenewCerts",
     ["a string", "write `autoRenewCerts: true` without quotes"]),
    # a scalar into a Go slice
    ("ntpServers: [ntp.aliyun.com]", "ntpServers: ntp.aliyun.com", "spec.system.ntpServers",
     ["a list", "`ntpServers: [ntp.aliyun.com]`"]),
    ("worker: [m1]", "worker: m1", "spec.roleGroups.worker", ["a list", "Go []string"]),
    # elements of slices and values of maps are typed too
    ("worker: [m1]", "worker: [m1, 7]", "spec.roleGroups.worker[1]", ["a number", "quote it"]),
    ("maxPods: 110", "maxPods: 110\n    featureGates: {RotateKubeletServerCertificate: "
     "'true'}", "spec.kubernetes.featureGates.RotateKubeletServerCertificate",
     ["a string", "Go bool"]),
    # a scalar or a list into a struct
    ("  etcd:\n    type: kubekey", "  etcd: kubekey", "spec.etcd", ["a string", "mapping"]),
    # *int and *int64 fields
    ("    type: kubekey", "    type: kubekey\n    port: \"2379\"", "spec.etcd.port", ["Go int"]),
    ("privateKeyPath: ~/.ssh/k}", 'privateKeyPath: ~/.ssh/k, timeout: "30"}',
     "spec.hosts[0].timeout", ["Go int64", "`timeout: 30`"]),
    # out of int64 range
    ("maxPods: 110", "maxPods: 99999999999999999999", "spec.kubernetes.maxPods", ["Go int"]),
    # helm values: []string for a chart, a mapping for yaml sources
    ('    registryMirrors: []', "    registryMirrors: []\n  addons:\n  - name: a\n    sources:\n"
     "      chart: {name: c, values: {replicas: 2}}", "spec.addons[0].sources.chart.values",
     ["a mapping", "Go []string"]),
])
def test_type_errors_name_field_type_and_fix(old: str, new: str, path: str,
                                            words: list[str]) -> None:
    found = at(problems(edited(old, new)), path, "error")
    assert len(found) == 1, problems(edited(old, new))
    for word in [UNMARSHAL, *words]:
        assert word in found[0].message, found[0].message


@pytest.mark.parametrize("old,new", [
    ("    port: 6443", "    port: ~"),                      # null fits every Go type
    ("    port: 6443", "    port: 6443.0"),                  # json.Marshal writes 6443
    ("autoRenewCerts: true", "autoRenewCerts: yes"),         # YAML 1.1 boolean
    ("autoRenewCerts: true", "autoRenewCerts: off"),
    ("  registry:\n", "  registry:\n    auths: {\"r.io\": {username: u}}\n"),  # RawExtension
    ("maxPods: 110", "maxPods: 110\n    kubeletConfiguration: {maxPods: \"x\"}"),  # passed on
    ("maxPods: 110", "maxPods: 0x6E"),
    ("    registryMirrors: []", "    registryMirrors:"),     # empty = null
])
def test_values_kk_accepts_are_not_errors(old: str, new: str) -> None:
    assert [p for p in problems(edited(old, new)) if p.severity == "error"] == []


def test_inf_cannot_become_json() -> None:
    found = at(problems(edited("maxPods: 110", "maxPods: .inf")), "spec.kubernetes.maxPods",
               "error")
    assert "Unable to convert configuration to json" in found[0].message


def test_missing_metadata_name_crashes_kk() -> None:
    text = edited("metadata:\n  name: t\n", "metadata:\n  labels: {a: b}\n")
    assert "kk crashes" in at(problems(text), "metadata.name", "error")[0].message
    text = edited("metadata:\n  name: t\n", "")
    assert "kk crashes" in at(problems(text), "metadata", "error")[0].message


def test_type_errors_never_show_a_secret() -> None:
    text = edited("privateKeyPath: ~/.ssh/k}", "Password: 90817263544}")
    text = edited("  roleGroups:", "  - {name: m2, address: 10.0.0.2, privateKey: [k3yS3cr3t]}\n"
                  "  roleGroups:", text)
    found = problems(text)
    assert at(found, "spec.hosts[0].Password", "error")
    assert at(found, "spec.hosts[1].privateKey", "error")
    shown = "\n".join(str(p) for p in found)
    assert "90817263544" not in shown and "k3yS3cr3t" not in shown


def test_validate_command_reports_the_quoted_port(kkui_cmd, kkui_env, tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(edited("    port: 6443", '    port: "6443"'))
    result = subprocess.run([*kkui_cmd, "validate", "-f", str(cfg), "--json"], env=kkui_env,
                            cwd=tmp_path, text=True, capture_output=True, timeout=60)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == 1
    assert report["problems"][0]["path"] == "spec.controlPlaneEndpoint.port"


# ------------------------------------------------------------------ keys kk ignores (warnings)
@pytest.mark.parametrize("key", ["containerdDataDir", "dockerDataDir", "registryDataDir",
                                 "namespaceOverride", "bridgeIP"])
def test_real_registry_fields_are_known(key: str) -> None:
    text = edited('    privateRegistry: ""', f'    privateRegistry: ""\n    {key}: /data/x')
    assert problems(text) == []


def test_registry_structures_are_known_and_typed() -> None:
    text = edited('    privateRegistry: ""', '    privateRegistry: ""\n'
                  "    namespaceRewrite: {policy: changePrefix, src: [a], dest: b}\n"
                  "    remoteMirrors:\n      docker.io: {endpoint: https://m.example}")
    assert problems(text) == []
    bad = text.replace("src: [a]", "src: a")
    assert at(problems(bad), "spec.registry.namespaceRewrite.src", "error")


V1ALPHA1 = BASE.replace("v1alpha2", "v1alpha1").replace("control-plane: [m1]", "master: [m1]")


@pytest.mark.parametrize("api", ["v1alpha1", "v1alpha2"])
def test_image_repo_per_api_version(api: str) -> None:
    base = V1ALPHA1 if api == "v1alpha1" else BASE
    found = problems(edited("    maxPods: 110", "    maxPods: 110\n    imageRepo: kubesphere",
                            base))
    (warning,) = at(found, "spec.kubernetes.imageRepo", "warning")
    if api == "v1alpha1":  # a real kk v1.x field, which kk v3 does not read any more
        assert "kk v1.x (v1alpha1) field" in warning.message
        assert "`spec.registry.namespaceOverride`" in warning.message
        assert "unknown" not in warning.message
    else:
        assert "kk ignores the unknown key `imageRepo`" in warning.message
        assert "did you mean" not in warning.message
    assert not [p for p in found if p.severity == "error"]


def test_v1alpha1_keys_kk_v3_ignores_are_warned() -> None:
    text = edited("    plugin: calico\n", "    plugin: calico\n    podNetworkCidr: 10.233.64.0/18\n"
                  "    serviceNetworkCidr: 10.233.0.0/18\n", V1ALPHA1)
    text += "  storage:\n    defaultStorageClass: localVolume\n"
    found = problems(text)
    assert "`spec.network.kubePodsCIDR`" in at(found, "spec.network.podNetworkCidr",
                                               "warning")[0].message
    assert "`spec.network.kubeServiceCIDR`" in at(found, "spec.network.serviceNetworkCidr",
                                                  "warning")[0].message
    assert "openebs" in at(found, "spec.storage.defaultStorageClass", "warning")[0].message


def test_v1alpha1_kubeovn_flat_key_points_to_its_new_place() -> None:
    text = edited("    plugin: calico\n", "    plugin: kubeovn\n    kubeovn: {iface: eth1}\n",
                  V1ALPHA1)
    (warning,) = at(problems(text), "spec.network.kubeovn.iface", "warning")
    assert "`spec.network.kubeovn.kube-ovn-cni.iface`" in warning.message


@pytest.mark.parametrize("old,new,path,words,absent", [
    ("    plugin: calico", "    plugn: calico\n    plugin: calico", "spec.network.plugn",
     "did you mean `plugin`?", ""),
    ("  system:", "  enabledAddons: [a]\n  system:", "spec.enabledAddons", "unknown key",
     "did you mean"),
    ("  name: t\n", "  name: t\n  spec: {}\n", "metadata.spec", "belongs at `spec`", ""),
    # a name used in many places gets no misleading "belongs at"
    ("    type: kubekey", "    type: kubekey\n    enabled: true", "spec.etcd.enabled",
     "unknown key", "belongs at"),
])
def test_unknown_key_hints_only_when_right(old: str, new: str, path: str, words: str,
                                           absent: str) -> None:
    (warning,) = at(problems(edited(old, new)), path, "warning")
    assert words in warning.message
    assert not absent or absent not in warning.message


def test_case_variant_key_is_read_by_kk_and_still_typed() -> None:
    text = edited("  controlPlaneEndpoint:\n", "  controlPlaneEndPoint:\n")
    found = problems(text)
    assert "kk reads `controlPlaneEndPoint` as `controlPlaneEndpoint`" in at(
        found, "spec.controlPlaneEndPoint", "warning")[0].message
    found = problems(text.replace("    port: 6443", '    port: "6443"'))
    assert at(found, "spec.controlPlaneEndPoint.port", "error")


def test_schema_comes_from_kk_structs() -> None:
    # spot checks against cmd/kk/apis/kubekey/v1alpha2/*_types.go @ v3.1.12
    assert struct_fields("HostCfg")["timeout"] == "*int64"
    assert struct_fields("EtcdCluster")["backupScript"] == "string"  # json tag, not the Go name
    assert struct_fields("Cluster")["kind"] == "string"  # inline TypeMeta
    assert "cilium" not in struct_fields("NetworkConfig")
    assert known_paths()["containerdDataDir"] == ("spec.registry.containerdDataDir",)


# ------------------------------------------------------------- KubeSphere's document (loader.go)
KS_DOC = """---
apiVersion: installer.kubesphere.io/v1alpha1
kind: ClusterConfiguration
metadata:
  name: ks-installer
  namespace: kubesphere-system
  labels:
    version: v3.4.1
spec: {}
"""


@pytest.mark.parametrize("old,new,path,words", [
    ("    version: v3.4.1\n", "    app: ks\n", "ClusterConfiguration:metadata.labels.version",
     "Unknown version"),
    ("  labels:\n    version: v3.4.1\n", "", "ClusterConfiguration:metadata.labels",
     "kk crashes"),
    ("version: v3.4.1", "version: v3.5.0", "ClusterConfiguration:metadata.labels.version",
     "Unsupported KubeSphere version"),
    ("version: v3.4.1", "version: 3.4", "ClusterConfiguration:metadata.labels.version",
     "must be a string"),
])
def test_kubesphere_document_as_kk_loads_it(old: str, new: str, path: str, words: str) -> None:
    assert problems(BASE + KS_DOC) == []
    (error,) = at(problems(BASE + KS_DOC.replace(old, new)), path, "error")
    assert words in error.message


@pytest.mark.parametrize("version", ["v3.3.2", "latest", "nightly-20240101", "v3.4.1-rc.1"])
def test_kubesphere_versions_kk_accepts(version: str) -> None:
    assert problems(BASE + KS_DOC.replace("v3.4.1", version)) == []


def test_a_huge_value_is_cut_in_the_message() -> None:
    text = edited("autoRenewCerts: true", f"autoRenewCerts: \"{'x' * 100_000}\"")
    (error,) = at(problems(text), "spec.kubernetes.autoRenewCerts", "error")
    assert len(error.message) < 400
