"""Issue #11 defect 10: kk accepts a DNS name as a host's SSH ``address`` (it dials
``address:port``), and fills ``address``/``internalAddress`` from each other when one is empty
(cmd/kk/apis/kubekey/v1alpha2/default.go, SetDefaultHostsCfg)."""

from __future__ import annotations

import pytest

from kkui.core.config import ClusterDocument
from kkui.core.config.hostfields import address_error


def problems_for(row: str) -> list[tuple[str, str, str]]:
    doc = ClusterDocument.from_text(f"""apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata: {{name: t}}
spec:
  hosts:
  - {row}
  roleGroups: {{etcd: [n1], control-plane: [n1], worker: [n1]}}
""", source="t.yaml")
    return [(p.path, p.severity, p.message) for p in doc.validate()
            if p.path.startswith("spec.hosts[0].address")]


@pytest.mark.parametrize("row", [
    "{name: n1, address: node1.example.internal, internalAddress: 10.0.0.5}",
    "{name: n1, address: Node1.Example.Internal, internalAddress: 10.0.0.5}",
    "{name: n1, internalAddress: 10.0.0.5}",          # kk copies it into address
    "{name: n1, address: 10.0.0.5}",
])
def test_what_kk_accepts_is_no_error(row: str) -> None:
    assert problems_for(row) == []


def test_a_dns_name_without_an_internal_ip_is_an_error_naming_the_fix() -> None:
    [(path, severity, message)] = problems_for("{name: n1, address: node1.example.internal}")
    assert severity == "error" and "internalAddress" in message


@pytest.mark.parametrize("row", ["{name: n1}", "{name: n1, address: 'not an ip!'}",
                                 "{name: n1, address: 'node_1.example'}"])
def test_no_address_or_an_impossible_one_is_an_error(row: str) -> None:
    [(_, severity, _)] = problems_for(row)
    assert severity == "error"


def test_the_host_form_rule_is_the_same() -> None:
    assert address_error("node1.example.internal") == ""
    assert address_error("10.0.0.1") == "" and address_error("fd00::1") == ""
    assert address_error("bad name") != ""
