"""One test per LB validation rule: the problem names the field and says how to fix it."""

from __future__ import annotations

from lb.helpers import profile_doc

from kkui.core.config import ClusterDocument, Problem
from kkui.core.config.profiles import profile_path
from kkui.core.lb.validate import validate_lb

LB = "kkui:spec.loadBalancer"


def errors(doc: ClusterDocument) -> list[Problem]:
    return [p for p in validate_lb(doc.model()) if p.severity == "error"]


def only_error(doc: ClusterDocument, path: str) -> Problem:
    found = errors(doc)
    assert [p.path for p in found] == [path], found
    return found[0]


def test_the_profile_is_valid() -> None:
    assert validate_lb(profile_doc().model()) == []


def test_no_lb_configured_is_not_this_validators_business() -> None:
    doc = ClusterDocument.from_profile("ha-internal-haproxy")
    assert validate_lb(doc.model()) == []


def test_one_lb_host_is_not_enough() -> None:
    doc = profile_doc()
    doc.remove_host("lb2", lb=True)
    problem = only_error(doc, f"{LB}.hosts")
    assert "at least two" in problem.message and "add a second host" in problem.message


def test_vip_outside_the_lb_subnet() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.vip", "192.168.234.18")
    found = errors(doc)
    assert {p.path for p in found} == {f"{LB}.vip"} and len(found) == 2  # one per LB host
    assert "outside lb1's subnet 192.168.233.0/24" in found[0].message


def test_prefix_decides_the_subnet() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.vip", "192.168.234.18")
    doc.set_kkui("loadBalancer.prefix", 16)
    assert errors(doc) == []


def test_vip_that_is_a_host_address() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.vip", "192.168.233.13")
    problem = only_error(doc, f"{LB}.vip")
    assert "master2's own address" in problem.message


def test_vip_that_is_an_lb_address() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.vip", "192.168.233.11")
    assert "lb2's own address" in only_error(doc, f"{LB}.vip").message


def test_vip_that_is_the_network_address() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.vip", "192.168.233.0")
    assert "network or broadcast" in errors(doc)[0].message


def test_router_id_range() -> None:
    for bad in (0, 256):
        doc = profile_doc()
        doc.set_kkui("loadBalancer.virtualRouterId", bad)
        assert "1–255" in only_error(doc, f"{LB}.virtualRouterId").message
    doc = profile_doc()
    doc.set_kkui("loadBalancer.virtualRouterId", 255)
    assert errors(doc) == []


def test_lb_host_that_is_also_a_control_plane_node_clashes_on_6443() -> None:
    doc = profile_doc()
    doc.update_host("lb2", lb=True, address="192.168.233.12", internalAddress="192.168.233.12")
    problem = only_error(doc, f"{LB}.hosts[1]")
    assert "master1" in problem.message and "6443" in problem.message
    assert "8443" in problem.message  # the fix


def test_a_different_frontend_port_avoids_the_clash() -> None:
    doc = profile_doc()
    doc.update_host("lb2", lb=True, address="192.168.233.12", internalAddress="192.168.233.12")
    doc.set_kkui("loadBalancer.port", 8443)  # kkui keeps controlPlaneEndpoint.port in sync
    assert errors(doc) == []


def _profile_text_with(old: str, new: str) -> ClusterDocument:
    text = profile_path("ha-external-lb").read_text()
    assert old in text
    return ClusterDocument.from_text(text.replace(old, new, 1), source="edited")


def test_control_plane_endpoint_must_be_the_vip_and_port() -> None:
    doc = _profile_text_with("    address: 192.168.233.18\n    port: 6443",
                             "    address: 192.168.233.99\n    port: 7443")
    found = {p.path: p.message for p in errors(doc)}
    assert set(found) == {"spec.controlPlaneEndpoint.address", "spec.controlPlaneEndpoint.port"}
    assert "192.168.233.99" in found["spec.controlPlaneEndpoint.address"]
    assert "set it to the VIP" in found["spec.controlPlaneEndpoint.address"]


def test_internal_loadbalancer_must_be_unset() -> None:
    doc = _profile_text_with("    domain: lb.kubesphere.local",
                             "    internalLoadbalancer: haproxy\n    domain: lb.kubesphere.local")
    problem = [p for p in errors(doc) if p.path.endswith("internalLoadbalancer")]
    assert problem and "remove internalLoadbalancer" in problem[0].message


def test_long_auth_pass_is_a_warning_and_odd_characters_an_error() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.secrets.authPass", "abcdefghij")
    assert [(p.severity, p.path) for p in validate_lb(doc.model())] == \
        [("warning", f"{LB}.secrets.authPass")]
    doc.set_kkui("loadBalancer.secrets.statsPassword", "has space")
    assert only_error(doc, f"{LB}.secrets.statsPassword")


def test_document_validation_includes_the_lb_rules() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.virtualRouterId", 300)
    assert any(p.path == f"{LB}.virtualRouterId" for p in doc.validate())
