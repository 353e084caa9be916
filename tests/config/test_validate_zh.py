"""Validation problems, their fixes and the config errors in Chinese (issue #16).

Every rule family of kkui/core/config (Go types, unknown keys and did-you-mean, versions,
CIDR/dual-stack, HA/load balancer, hosts and role groups, metadata.name, the input limits, the
write guard and the edit errors) builds its text as an ``L_`` message: English where it is
data (``Problem.message``, ``as_dict()``, ``--json``), Chinese where it is shown
(``kkui.i18n.shown``). Each case here checks what an operator reading ``kkui --lang zh
validate`` gets: the text is Chinese, every placeholder is filled, the field names, values and
paths of the English are there unchanged, and nested parts (the fix, the did-you-mean hint)
are translated too."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from support.base_config import BASE

from kkui import i18n
from kkui.core.config import ClusterDocument, Problem, guard
from kkui.core.errors import ConfigError, EditError
from kkui.i18n import L_, shown
from kkui.i18n.width import cells

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "tests" / "data" / "configs"

KKUI_DOC = """\
---
apiVersion: kkui/v1alpha1
kind: KkuiSettings
metadata: {name: t}
spec:
  kk: {version: v3.1.12, zone: global}
"""
M1 = "{name: m1, address: 10.0.0.1, internalAddress: 10.0.0.1, privateKeyPath: ~/.ssh/k}"
KUBERNETES = "  kubernetes:\n    version: v1.28.15\n"
CPE = "    internalLoadbalancer: haproxy\n"


def edited(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def host1(fields: str) -> str:
    return edited((M1, "{name: m1, " + fields + "}"))


# family, config text, the problem's path, what must appear unchanged in the Chinese text
CASES: list[tuple[str, str, str, list[str]]] = [
    # Go types (kk_decode): the value, the key, Go's type and the fix's example stay
    ("type-int", host1('address: 10.0.0.1, internalAddress: 10.0.0.1, port: "22"'),
     "spec.hosts[0].port", ['"22"', "`port`", "Go int", "`port: 22`",
                            "Failed to unmarshal configuration"]),
    ("type-bool-word", edited((KUBERNETES, KUBERNETES + "    clusterName: yes\n")),
     "spec.kubernetes.clusterName", ["yes", "`clusterName: \"yes\"`", "YAML 1.1"]),
    ("type-list", edited((KUBERNETES, KUBERNETES + "    apiserverCertExtraSans: lb.x.io\n")),
     "spec.kubernetes.apiserverCertExtraSans", ["`apiserverCertExtraSans: [lb.x.io]`",
                                                "Go []string"]),
    ("type-secret", host1("address: 10.0.0.1, internalAddress: 10.0.0.1, password: 123456"),
     "spec.hosts[0].password", ['`password: "…"`']),
    ("type-mapping", edited(("    plugin: calico\n", "    plugin: calico\n    calico: on\n")),
     "spec.network.calico", ["`calico:`", "`name: value`"]),
    ("type-inf", edited((KUBERNETES, KUBERNETES + "    maxPods: .inf\n")),
     "spec.kubernetes.maxPods", ["maxPods", ".inf/.nan",
                                 "Unable to convert configuration to json"]),
    # unknown keys and did-you-mean
    ("unknown-close", edited((KUBERNETES, KUBERNETES + "    versoin: v1\n")),
     "spec.kubernetes.versoin", ["kk", "`versoin`", "`version`"]),
    ("unknown-case", edited(("  controlPlaneEndpoint:", "  controlPlaneEndPoint:")),
     "spec.controlPlaneEndPoint", ["`controlPlaneEndPoint`", "`controlPlaneEndpoint`"]),
    ("unknown-elsewhere", edited((KUBERNETES, KUBERNETES + "    kubePodsCIDR: 10.0.0.0/8\n")),
     "spec.kubernetes.kubePodsCIDR", ["`kubePodsCIDR`", "`spec.network.kubePodsCIDR`"]),
    ("unknown-never-kk", edited(("    plugin: calico\n",
                                 "    plugin: calico\n    podNetworkCidr: 10.0.0.0/8\n")),
     "spec.network.podNetworkCidr", ["`podNetworkCidr`", "`spec.network.kubePodsCIDR`"]),
    ("unknown-block-hint", BASE + "  storage:\n    localVolume: {storageClassName: local}\n",
     "spec.storage.localVolume", ["`localVolume`", "`openebs: {basePath: ...}`",
                                 "ClusterConfiguration"]),
    ("unknown-v1alpha1", edited(("v1alpha2", "v1alpha1"),
                                (KUBERNETES, KUBERNETES + "    imageRepo: kubesphere\n")),
     "spec.kubernetes.imageRepo", ["`imageRepo`", "kk v1.x", "v1alpha1", "v1alpha2",
                                   "`spec.registry.namespaceOverride`"]),
    ("unknown-group", edited(("    worker: [w1]", "    worker: [w1]\n    workers: [w1]")),
     "spec.roleGroups.workers", ["`workers`", "`worker`", "etcd, control-plane, master"]),
    ("unknown-kkui-key", BASE + KKUI_DOC.replace("zone: global}", "zone: global, mirror: x}"),
     "kkui:spec.kk.mirror", ["kkui", "`mirror`"]),
    # versions
    ("version-unsupported", edited(("v1.28.15", "v1.99.0")), "spec.kubernetes.version",
     ["kk v3.1.12", "Kubernetes 'v1.99.0'", "isn't supported", "v1.33.4"]),
    ("version-unreadable", edited(("v1.28.15", "latest")), "spec.kubernetes.version",
     ["'latest'", "v1.23.17", "v1.28.15"]),
    ("kk-version-v4", BASE + KKUI_DOC.replace("v3.1.12", "v4.0.1"), "kkui:spec.kk.version",
     ["kk v4.0.1", "Inventory + Config", "v3.1.12"]),
    ("kk-zone", BASE + KKUI_DOC.replace("global", "mars"), "kkui:spec.kk.zone",
     ["'mars'", "KKZONE=cn", "global"]),
    ("kubesphere-version", BASE + "---\napiVersion: installer.kubesphere.io/v1alpha1\n"
     "kind: ClusterConfiguration\nmetadata:\n  name: ks-installer\n  labels:\n"
     "    version: v9.9.9\n", "ClusterConfiguration:metadata.labels.version",
     ["KubeSphere 'v9.9.9'", "Unsupported KubeSphere version", "v3.4.1"]),
    # CIDR and dual-stack
    ("cidr-spaces", edited(("10.233.64.0/18\n", '"10.233.64.0/18, fd85:ee78::/112"\n')),
     "spec.network.kubePodsCIDR", ["'10.233.64.0/18, fd85:ee78::/112'", '"v4cidr,v6cidr"']),
    ("cidr-invalid", edited(("10.233.64.0/18\n", "10.233.64.0/33\n")),
     "spec.network.kubePodsCIDR", ["'10.233.64.0/33'", "10.233.64.0/18"]),
    ("cidr-host-bits", edited(("10.233.64.0/18\n", "10.233.64.1/18\n")),
     "spec.network.kubePodsCIDR", ["10.233.64.1/18", "10.233.64.0/18"]),
    ("dual-stack-two-v4", edited(("10.233.64.0/18\n", '"10.233.64.0/18,10.244.0.0/16"\n')),
     "spec.network.kubePodsCIDR", ["'10.233.64.0/18,10.244.0.0/16'", '"v4cidr,v6cidr"']),
    ("dual-stack-v6-first", edited(("10.233.0.0/18\n", '"fd85:ee78::/112,10.233.0.0/18"\n')),
     "spec.network.kubeServiceCIDR", ["'fd85:ee78::/112,10.233.0.0/18'", "IPv4", "IPv6"]),
    ("cidr-overlap", edited(("10.233.0.0/18\n", "10.233.64.0/20\n")),
     "spec.network.kubeServiceCIDR", ["10.233.64.0/20", "10.233.64.0/18", "10.233.0.0/18"]),
    ("cidr-holds-host", edited(("10.233.64.0/18\n", "10.0.0.0/24\n")),
     "spec.network.kubePodsCIDR", ["10.0.0.0/24", "10.0.0.1", "m1"]),
    ("network-plugin", edited(("plugin: calico", "plugin: weave")), "spec.network.plugin",
     ["'weave'", "NotReady", "calico, flannel, cilium"]),
    # HA and the load balancer
    ("ha-no-lb", edited((CPE, "")), "spec.controlPlaneEndpoint.address",
     ["3", "`internalLoadbalancer: haproxy`", "kube-vip", "`externalDNS: true`"]),
    ("ha-haproxy-address", edited(('address: ""', "address: 10.0.0.100")),
     "spec.controlPlaneEndpoint.address", ["internalLoadbalancer", "haproxy", "address"]),
    ("ha-kube-vip-no-vip", edited(("haproxy", "kube-vip")), "spec.controlPlaneEndpoint.address",
     ["kube-vip", "`address`", "VIP"]),
    ("ha-endpoint-is-master", edited(("haproxy", "kube-vip"), ('address: ""', "address: 10.0.0.1")),
     "spec.controlPlaneEndpoint.address", ["10.0.0.1", "VIP"]),
    ("ha-endpoint-not-ip", edited((CPE, ""), ('address: ""', "address: lb.example.com")),
     "spec.controlPlaneEndpoint.address", ["'lb.example.com'", "/etc/hosts", "`domain`"]),
    ("ha-lb-spelling", edited(("haproxy", "HAproxy")),
     "spec.controlPlaneEndpoint.internalLoadbalancer", ["'HAproxy'", "haproxy", "kube-vip"]),
    ("ha-port", edited(("port: 6443", "port: 70000")), "spec.controlPlaneEndpoint.port",
     ["70000", "65535", "kubeadm"]),
    # hosts
    ("host-name", edited(("name: w1,", "name: Worker_1,"), ("[w1]", "[Worker_1]")),
     "spec.hosts[3].name", ["'Worker_1'", "RFC 1123", "'worker-1'"]),
    ("host-duplicate-name", edited(("name: m2,", "name: m1,")), "spec.hosts[1].name",
     ["'m1'", "spec.hosts[0]"]),
    ("host-address", host1("address: 10.0.0.400, internalAddress: 10.0.0.1"),
     "spec.hosts[0].address", ["'10.0.0.400'", "(m1)"]),
    ("host-dns-address", host1("address: m1.example.com"), "spec.hosts[0].address",
     ["'m1.example.com'", "internalAddress", "etcd", "kubelet"]),
    ("host-duplicate-address", edited(("address: 10.0.0.2, internalAddress: 10.0.0.2",
                                       "address: 10.0.0.1, internalAddress: 10.0.0.1")),
     "spec.hosts[1].address", ["10.0.0.1", "(m2)", "spec.hosts[0] (m1)"]),
    ("host-internal-address", host1("address: 10.0.0.1, internalAddress: 10.0.0.999"),
     "spec.hosts[0].internalAddress", ["'10.0.0.999'", '"v4,v6"', "kubelet"]),
    ("host-port", host1("address: 10.0.0.1, internalAddress: 10.0.0.1, port: 70000"),
     "spec.hosts[0].port", ["SSH", "70000", "(m1)", "65535"]),
    ("host-arch", host1("address: 10.0.0.1, internalAddress: 10.0.0.1, arch: x86"),
     "spec.hosts[0].arch", ["'x86'", "amd64", "arm64", "Unsupported architecture",
                            "`arch: arm64`"]),
    ("host-password", host1("address: 10.0.0.1, internalAddress: 10.0.0.1, password: 'pw'"),
     "spec.hosts[0].password", ["SSH", "(m1)", "`privateKeyPath: ~/.ssh/id_ed25519`"]),
    ("host-empty-password", host1('address: 10.0.0.1, internalAddress: 10.0.0.1, password: ""'),
     "spec.hosts[0].password", ["(m1)", "~/.ssh/id_rsa", "privateKeyPath"]),
    ("host-no-address", host1("internalAddress: ''"), "spec.hosts[0].address",
     ["(m1)", "`address: <"]),
    ("host-row", edited((M1, "m1")), "spec.hosts[0]", ["m1", "`hosts`", "Go HostCfg",
                                                      "`name: value`"]),
    # role groups
    ("group-missing-host", edited(("worker: [w1]", "worker: [w1, ghost]")),
     "spec.roleGroups.worker[1]", ["ghost", "worker", "spec.hosts"]),
    ("group-range", edited(("worker: [w1]", "worker: [w1, 'w[2:6]']")),
     "spec.roleGroups.worker[1]", ["w[2:6]", "5", "w2, w3, w4, …", "spec.hosts"]),
    ("group-no-control-plane", edited(("    control-plane: [m1, m2, m3]\n", "")),
     "spec.roleGroups.control-plane", ["The number of master/control-plane cannot be 0",
                                       "`control-plane: [node1]`"]),
    ("group-no-etcd", edited(("    etcd: [m1, m2, m3]\n", "")), "spec.roleGroups.etcd",
     ["etcd.type", "kubekey", "The number of etcd cannot be 0"]),
    ("group-even-etcd", edited(("etcd: [m1, m2, m3]", "etcd: [m1, m2]")),
     "spec.roleGroups.etcd", ["2", "0", "1", "3", "5"]),
    ("group-roleless", edited(("worker: [w1]", "worker: []")), "spec.hosts[3]",
     ["w1", "`worker: [..., w1]`"]),
    ("etcd-type", edited(("type: kubekey", "type: etcdx")), "spec.etcd.type",
     ["'etcdx'", "kubeadm", "kubekey, kubeadm, external"]),
    ("etcd-external", edited(("type: kubekey", "type: external")),
     "spec.etcd.external.endpoints", ["external", "`endpoints: [https://10.0.0.5:2379]`"]),
    ("container-manager", edited(("containerManager: containerd", "containerManager: podman")),
     "spec.kubernetes.containerManager", ["'podman'", "Unsupported container runtime",
                                          "docker, containerd, crio, isula"]),
    ("docker", edited(("containerManager: containerd", "containerManager: docker")),
     "spec.kubernetes.containerManager", ["docker", "v1.28.15", "cri-dockerd", "v1.24",
                                          "containerd"]),
    # metadata
    ("metadata-name", edited(("name: t\n", "name: Bad_Name\n")), "metadata.name",
     ["'Bad_Name'", "'-'", "'.'", "242", "sample"]),
    ("metadata-missing", edited(("metadata:\n  name: t\n", "")), "metadata",
     ["`metadata:`", "loader.go", "metadata.name", "`metadata: {name: sample}`"]),
    ("metadata-name-missing", edited(("  name: t\n", "  namespace: x\n")), "metadata.name",
     ["metadata.name", "loader.go", "`name: sample`"]),
    ("spec-missing", BASE.split("spec:")[0], "spec",
     ["`spec:`", "The number of master/control-plane cannot be 0"]),
    # input limits: a list or mapping where kk wants one value
    ("input-scalar", BASE + KKUI_DOC.replace("zone: global}", "zone: [cn]}"),
     "kkui:spec.kk.zone", ["`*alias`"]),
]
IDS = [case[0] for case in CASES]
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # a template field left unfilled
CJK = re.compile(r"[\u4e00-\u9fff]")



def nested(message: Any) -> Iterator[L_]:
    """``message`` and every L_ message among its values (the fix, the hint ...)."""
    if isinstance(message, L_):
        yield message
        for value in message.values.values():
            yield from nested(value)


def assert_chinese(message: Any, keep: list[str]) -> str:
    """The Chinese text of ``message``: translated (each nested part too), every placeholder
    filled, and the values, names and paths of ``keep`` there unchanged."""
    assert isinstance(message, L_), f"not translatable: {message!r}"
    text = str(shown(message))
    assert text != str(message) and CJK.search(text), text
    for part in nested(message):
        assert str(shown(part)) != str(part), f"untranslated part: {part.template!r}"
        for name, value in part.values.items():  # every value the English has is shown
            if not isinstance(value, L_):
                assert str(value) in text, f"{{{name}}} = {value!r} missing from: {text}"
    assert not PLACEHOLDER.search(text), text
    assert "{{" not in text and "}}" not in text, text
    for word in keep:
        assert word in str(message), f"the English lost {word!r}: {message}"
        assert word in text, f"{word!r} missing from: {text}"
    return text


def problem_at(text: str, path: str) -> Problem:
    found = ClusterDocument.from_text(text).validate()
    matches = [p for p in found if p.path == path]
    assert matches, f"no problem at {path}: {found}"
    return matches[0]


@pytest.mark.parametrize(("family", "text", "path", "keep"), CASES, ids=IDS)
def test_each_rule_family_reads_in_chinese(family: str, text: str, path: str, keep: list[str],
                                           zh: None) -> None:
    problem = problem_at(text, path)
    assert_chinese(problem.message, keep)


def test_the_secret_stays_out_of_the_chinese_text_too(zh: None) -> None:
    problem = problem_at(CASES[IDS.index("type-secret")][1], "spec.hosts[0].password")
    assert "123456" not in str(problem.message) and "123456" not in str(shown(problem.message))


@pytest.mark.parametrize(("family", "text", "path", "keep"), CASES, ids=IDS)
def test_the_problem_stays_english_data(family: str, text: str, path: str,
                                        keep: list[str], zh: None) -> None:
    """A Problem is data: its fields, as_dict() and JSON are the English text whatever the
    language; only shown() translates."""
    problem = problem_at(text, path)
    english = str(problem.message)
    assert problem.as_dict() == {"path": path, "severity": problem.severity, "message": english}
    assert json.loads(json.dumps(problem.as_dict()))["message"] == english
    assert str(problem) == f"{problem.severity}: {path}: {english}"
    assert not CJK.search(english + json.dumps(problem.as_dict(), ensure_ascii=False))
    i18n.set_language("en")
    assert shown(problem.message) == english


# ------------------------------------------------------------------ errors
def raised(call: Any) -> Any:
    with pytest.raises((ConfigError, EditError)) as info:
        call()
    return info.value.args[0]


def test_load_and_input_limit_errors_read_in_chinese(zh: None) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(6))
    cases = [
        (bomb, ["c.yaml", "YAML", "1,000,000"]),
        ("a: " + "[" * 70 + "]" * 70 + "\n", ["c.yaml", "64", "KubeKey"]),
        ("&x {a: *x}\n", ["c.yaml", "YAML"]),
        ("kind: Cluster\nspec: [\n", ["c.yaml:", "YAML"]),
        ("a: 1\na: 2\n", ["c.yaml:", '"a"']),
        ("apiVersion: kubekey.kubesphere.io/v1alpha3\nkind: Inventory\n",
         ["c.yaml", "kk v4", "kk v3", "`kind: Cluster`", "`kkui export-config`"]),
        ("# nothing\n", ["c.yaml", "KubeKey", "`kind: Cluster`"]),
        ("kind: Other\n", ["c.yaml", "`kind: Cluster`", "`kind:`"]),
    ]
    for text, keep in cases:
        message = raised(lambda text=text: ClusterDocument.from_text(text, source="c.yaml"))
        assert_chinese(message, keep)


def test_edit_errors_read_in_chinese(zh: None) -> None:
    doc = ClusterDocument.from_text(BASE)
    cases = [
        (lambda: doc.set_roles("ghost", ["worker"]), ["'ghost'", "m1, m2, m3, w1"]),
        (lambda: doc.set_roles("w1", ["boss"]), ["boss", "etcd"]),
        (lambda: doc.rename_host("w1", "m1"), ["'w1'", "'m1'"]),
        (lambda: doc.add_host({"name": "x"}), ["name=...", "address=..."]),
        (lambda: doc.add_host({"name": "m1", "address": "10.0.0.9"}), ["'m1'", "update"]),
        (lambda: doc.add_host({"name": "x", "address": "10.0.0.9", "colour": "red"}),
         ["colour", "internalAddress"]),
        (lambda: doc.set_control_plane_endpoint("magic"), ["'magic'", "kube-vip", "external"]),
        (lambda: doc.set("spec.hosts.9.name", "x"), ["spec.hosts.9.name", "9"]),
        (lambda: ClusterDocument.from_profile("nope"), ["'nope'", "ha-external-lb"]),
    ]
    for call, keep in cases:
        assert_chinese(raised(call), keep)


def test_the_write_guard_refusal_reads_in_chinese(zh: None) -> None:
    yaml = YAML(typ="rt")
    original = "spec:\n  hosts:\n  - {name: m1, port: 22}\n"
    intended = [yaml.load(original)]
    with pytest.raises(guard.UnsafeEditError) as info:
        guard.check("spec:\n  hosts:\n  - {name: m1, port: 23}\n", intended, original=original,
                    source="c.yaml")
    text = assert_chinese(info.value.args[0], ["c.yaml", "`spec.hosts[0].port`",
                                               "`key: value`", "{name: node1, address: ...}"])
    assert "第 3 行" in text and "`{ ... }`" in text


def test_host_form_rules_read_in_chinese(zh: None) -> None:
    from kkui.core.config.hostfields import field_error

    for field, value, keep in [("name", "", []), ("name", "Bad_1", ["RFC 1123", "node1"]),
                               ("address", "", []), ("address", "10.0.0.400", ["IP", "DNS"]),
                               ("internalAddress", "x", ["'x'", '"v4,v6"']),
                               ("port", "0", ["65535"]), ("user", "", ["root", "sudo"]),
                               ("arch", "x86", ["amd64", "arm64"])]:
        assert_chinese(field_error(field, value), keep)


# ------------------------------------------------- the command, both languages
def kkui(args: list[str], lang: str, *, tty: bool = False) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "KKUI_LANG", "COLUMNS",
                        "LINES")}
    env.update(LANG=lang, NO_COLOR="1", PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "kkui", *args]
    if not tty:
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60,
                              stdin=subprocess.DEVNULL).stdout
    # a terminal 80 columns wide: kkui draws the severity | field | problem table
    env.update(COLUMNS="80", LINES="24", TERM="xterm")
    main, child = pty.openpty()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=child, stderr=child,
                               env=env)
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    process.wait(timeout=60)
    return out.decode("utf-8")


# corpus files with problems (types, ranges, HA without a load balancer, v1alpha1 fields ...)
CORPUS = ["ha-masters-without-lb.yaml", "ranges-flow.yaml", "v1alpha1-master-quoted-port.yaml",
          "multidoc-clusterconfiguration.yaml", "realworld/inner-space-flow-rows.yaml",
          "realworld/kk-docs-config-example.yaml"]


@pytest.fixture(scope="module")
def broken_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file with a problem of most rule families at once."""
    path = tmp_path_factory.mktemp("zh") / "broken.yaml"
    path.write_text(edited((KUBERNETES, KUBERNETES + "    versoin: v1\n"),
                           ("name: t\n", "name: Bad_Name\n"), ("v1.28.15", "v1.99.0"),
                           (CPE, ""), ("worker: [w1]", "worker: [w1, ghost]\n    workers: [w1]"),
                           ("10.233.0.0/18\n", '"fd85:ee78::/112,10.233.0.0/18"\n'),
                           (M1, "{name: m1, address: 10.0.0.1, internalAddress: 10.0.0.1, "
                                'port: "22"}')))
    return path


@pytest.mark.parametrize("name", [*CORPUS, "broken"])
def test_validate_json_is_the_same_bytes_in_chinese_and_c(name: str,
                                                          broken_config: Path) -> None:
    path = str(broken_config) if name == "broken" else str(CONFIGS / name)
    english = kkui(["validate", "-f", path, "--json"], "C")
    data = json.loads(english)
    assert data["problems"] and all(p["message"] for p in data["problems"])
    assert kkui(["validate", "-f", path, "--json"], "zh_CN.UTF-8") == english
    assert kkui(["validate", "-f", path, "--json"], "C.UTF-8") == english
    assert not CJK.search(english)


def test_validate_in_chinese_fits_80_columns_where_the_english_does(
        broken_config: Path) -> None:
    english = kkui(["validate", "-f", str(broken_config)], "C.UTF-8", tty=True)
    chinese = kkui(["validate", "-f", str(broken_config)], "zh_CN.UTF-8", tty=True)
    assert "spec.kubernetes.version" in english and "problem" in english  # the table
    # the table (the summary line after it names the file: as long as its path)
    table = {language: [line for line in out.splitlines() if broken_config.name not in line]
             for language, out in (("en", english), ("zh", chinese))}
    assert len(table["zh"]) > 10
    assert max(cells(line) for line in table["en"]) <= 80
    assert max(cells(line) for line in table["zh"]) <= 80, chinese
    # the table in Chinese: every field path intact, the problems Chinese
    for path in ("metadata.name", "spec.kubernetes.version", "spec.roleGroups.worker[1]",
                 "spec.hosts[0].port", "spec.network.kubeServiceCIDR",
                 "spec.kubernetes.versoin", "spec.controlPlaneEndpoint.address"):
        assert path in chinese
    assert "不是有效的集群名称" in chinese and "无法安装 Kubernetes" in chinese


def test_validate_lines_in_chinese_keep_every_value(broken_config: Path) -> None:
    """On a pipe: one line per problem, each in Chinese with its values as in English."""
    english = kkui(["validate", "-f", str(broken_config)], "C.UTF-8").splitlines()
    chinese = kkui(["validate", "-f", str(broken_config)], "zh_CN.UTF-8").splitlines()
    assert len(chinese) == len(english) > 8
    for en, zh_line in zip(english[:-1], chinese[:-1], strict=True):
        path = en.split(": ")[1]
        assert f": {path}: " in zh_line and CJK.search(zh_line.split(path, 1)[1]), zh_line
        for value in re.findall(r"'[^'\s]*'|`[^`]*`|\b\d+\.\d+\.\d+\.\d+(?:/\d+)?\b", en):
            assert value in zh_line, (value, zh_line)


def test_every_bundled_profile_description_reads_in_chinese(zh: None) -> None:
    """The profile picker and `kkui profiles` show each bundled profile's first comment line:
    a catalog id for each (profiles.DESCRIPTIONS), so a new or reworded profile fails here."""
    from kkui.core.config.profiles import DESCRIPTIONS, list_profiles

    found = list_profiles()
    assert len(found) >= 4
    for profile in found:
        assert profile.description in DESCRIPTIONS, profile.name
        assert_chinese(profile.description, [])
    assert kkui(["profiles", "--json"], "zh_CN.UTF-8") == kkui(["profiles", "--json"], "C.UTF-8")


def test_no_config_message_is_a_plain_string_literal() -> None:
    """A new rule or error in kkui/core/config written as a string literal or an f-string
    would stay English in Chinese (and no catalog test can see it): its message must be built
    with L_ (or come from a function that does)."""
    import ast

    plain = (ast.Constant, ast.JoinedStr, ast.BinOp)
    raisers = {"ConfigError", "EditError", "UnsafeEditError"}
    hits = []
    for path in sorted((REPO / "kkui" / "core" / "config").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            message = None
            if name in ("error", "warning") and len(node.args) == 2:
                message = node.args[1]  # Problems.error(path, message)
            elif name in raisers and node.args:
                message = node.args[0]
            if isinstance(message, plain):
                hits.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not hits, f"build these messages with L_(...): {hits}"
