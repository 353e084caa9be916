"""Host-field rules are written once (kkui/core/config/hostfields.py) and asked by config
validation (kk's hosts and kkui's LB hosts alike) and the TUI's host form (issue #11, the seams).
No address here is contacted: this is validation only."""

from __future__ import annotations

from kkui.core.config import ClusterDocument
from kkui.core.config.hostfields import field_error, name_error, port_error
from kkui.core.config.profiles import profiles_dir
from kkui.tui.modals.host_form import check_field

# Valid RFC 1123 labels, 255 characters in all: only the length rule (Kubernetes' 253) rejects it,
# so a copy of the regex somewhere else would let it through.
LONG = ".".join(["a" * 63] * 4)


def profile_text() -> str:
    return (profiles_dir() / "ha-external-lb.yaml").read_text(encoding="utf-8")


def errors(text: str) -> dict[str, str]:
    return {p.path: p.message for p in ClusterDocument.from_text(text).validate()
            if p.severity == "error"}


def test_one_name_rule_for_hosts_lb_hosts_and_the_form() -> None:
    assert len(LONG) == 255 and name_error(LONG)
    assert check_field("name", LONG, taken_names=set(), taken_addresses=set()) == \
        name_error(LONG)
    text = profile_text().replace("{name: master1,", f"{{name: {LONG},", 1)
    text = text.replace("{name: lb1,", f"{{name: {LONG}x,", 1)
    found = errors(text)
    assert any(path.startswith("spec.hosts[") and path.endswith(".name") for path in found), found
    assert "kkui:spec.loadBalancer.hosts[0].name" in found, found


def test_lb_host_address_and_port_use_the_same_rules() -> None:
    text = profile_text().replace("{name: lb2, address: 192.168.233.11,",
                                  "{name: lb2, address: 'lb two!', port: 70000,", 1)
    found = errors(text)
    assert "kkui:spec.loadBalancer.hosts[1].address" in found, found
    assert "kkui:spec.loadBalancer.hosts[1].port" in found, found
    assert port_error(70000) and field_error("address", "lb two!")


def test_form_rules_are_the_core_rules() -> None:
    for field, value in (("address", "10.0.0"), ("internalAddress", "10.0.0.1,nope"),
                         ("port", "0"), ("user", " "), ("name", "")):
        expected = field_error(field, value)
        assert expected, (field, value)
        assert check_field(field, value, taken_names=set(), taken_addresses=set()) == expected
    assert check_field("name", "node1", taken_names={"node1"}, taken_addresses=set()) == \
        "node1 is already used by another host"
