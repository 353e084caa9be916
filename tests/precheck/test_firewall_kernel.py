"""Issue #11 defect 11: the firewalld fix opens the CNI ports its own detail lists, and
`ip_forward is 0` passes with the reason (kk's ConfigureOS sets it) instead of a warning whose
fix is "nothing to do". Pure checks over recorded gather outputs (tests/precheck/recorded)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kkui.core.config.model import Host
from kkui.core.precheck.checks import CNI_PORTS, REGISTRY, CheckContext
from kkui.core.precheck.gather import parse_output

RECORDED = Path(__file__).parent / "recorded"


def facts(name: str):
    return parse_output((RECORDED / f"{name}.txt").read_text())


def ctx(**kw) -> CheckContext:
    return CheckContext(host=Host(name="node1", address="127.0.0.1"),
                        roles=("etcd", "control-plane"), **kw)


@pytest.mark.parametrize("plugin", sorted(CNI_PORTS))
def test_firewalld_fix_opens_what_the_detail_lists(plugin: str) -> None:
    result = REGISTRY["firewalld"].fn(facts("centos7"), ctx(network_plugin=plugin))
    assert result.status == "warn" and "firewalld is active" in result.detail
    listed = re.findall(r"(\d+(?:-\d+)?/(?:tcp|udp))", result.detail)
    opened = set(re.findall(r"--add-port=(\d+(?:-\d+)?/(?:tcp|udp))", result.fix))
    brace = re.search(r"--add-port=\{([^}]*)\}/tcp", result.fix)
    assert brace is not None
    opened |= {f"{p}/tcp" for p in brace.group(1).split(",")}
    missing = [p for p in listed if p not in opened]
    assert not missing, f"{plugin}: the detail lists {missing} but the fix does not open them"
    if "IP protocol 4" in result.detail:
        assert "--add-protocol=ipencap" in result.fix


def test_ufw_fix_opens_the_cni_ports_and_says_what_it_cannot() -> None:
    text = (RECORDED / "centos7.txt").read_text().replace(
        "firewalld=active", "firewalld=inactive").replace("ufw=unknown", "ufw=active")
    result = REGISTRY["firewalld"].fn(parse_output(text), ctx(network_plugin="calico"))
    assert "ufw is active" in result.detail, result.detail
    assert "ufw allow 179/tcp" in result.fix and "ufw allow 4789/udp" in result.fix
    assert "IP-in-IP" in result.fix


def test_ip_forward_0_passes_because_kk_sets_it() -> None:
    f = facts("centos7")
    assert "ip_forward=0" in "\n".join(f.lines("kernel"))
    result = REGISTRY["kernel"].fn(f, ctx())
    assert result.status == "pass", result
    assert "kk's ConfigureOS sets it to 1" in result.detail and not result.fix
    assert REGISTRY["kernel"].fn(f, ctx(skip_configure_os=True)).status == "fail"
