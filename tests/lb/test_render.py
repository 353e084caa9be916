"""Rendering: golden files for the ha-external-lb profile, determinism, per-host differences."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lb.helpers import GOLDEN_AUTH_PASS, profile_doc
from lb.keepalived_conf import parse as parse_keepalived

from kkui.core.errors import KkuiError
from kkui.core.lb.render import render_all, render_haproxy
from kkui.core.lb.secrets import ensure_secrets

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("lb", ["lb1", "lb2"])
@pytest.mark.parametrize("kind", ["haproxy.cfg", "keepalived.conf"])
def test_profile_renders_the_reviewed_golden_files(lb: str, kind: str) -> None:
    rendered = {h.name: h for h in render_all(profile_doc().model())}
    text = rendered[lb].haproxy_cfg if kind == "haproxy.cfg" else rendered[lb].keepalived_conf
    assert text == (GOLDEN / lb / kind).read_text()


def test_haproxy_balances_over_every_control_plane_node_with_health_checks() -> None:
    cfg = render_all(profile_doc().model())[0].haproxy_cfg
    assert re.findall(r"^    server (\S+) (\S+)$", cfg, re.M) == [
        ("master1", "192.168.233.12:6443"), ("master2", "192.168.233.13:6443"),
        ("master3", "192.168.233.14:6443")]
    assert "bind *:6443" in cfg and "balance roundrobin" in cfg and "option tcp-check" in cfg
    for word in ("inter", "rise", "fall", "slowstart"):
        assert re.search(rf"default-server check .*\b{word} \d", cfg)
    assert "stats auth kkui:" in cfg and "admin:admin" not in cfg


def test_keepalived_priorities_differ_and_peers_are_the_other_lbs() -> None:
    lb1, lb2 = render_all(profile_doc().model())
    prio = [re.findall(r"priority (\d+)", h.keepalived_conf) for h in (lb1, lb2)]
    assert len(prio[0]) == len(prio[1]) == 1 and prio[0] != prio[1]
    assert "unicast_src_ip 192.168.233.10" in lb1.keepalived_conf
    assert re.search(r"unicast_peer \{\s+192\.168\.233\.11\s+\}", lb1.keepalived_conf)
    assert re.search(r"unicast_peer \{\s+192\.168\.233\.10\s+\}", lb2.keepalived_conf)
    for h in (lb1, lb2):
        assert f"auth_pass {GOLDEN_AUTH_PASS}\n" in h.keepalived_conf


@pytest.mark.parametrize("lb", [0, 1])
def test_keepalived_settings_as_keepalived_reads_them(lb: int) -> None:
    """Parsed, not grepped: the comment above vrrp_instance mentions nopreempt too."""
    conf = parse_keepalived(render_all(profile_doc().model())[lb].keepalived_conf)
    instance = conf.block("vrrp_instance")
    assert "nopreempt" in instance.keywords()  # a returning LB never takes the VIP back
    assert instance.value("state") == ["BACKUP"]  # nopreempt requires state BACKUP
    assert instance.block("track_script").words() == conf.block("vrrp_script").args
    script = conf.block("vrrp_script")
    assert script.value("script") == ["/usr/bin/killall -0 haproxy"]
    assert "weight" not in script.keywords()  # no weight: FAULT, the VIP leaves at once
    assert instance.value("advert_int") == ["1"]


def test_changing_the_model_changes_the_output() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.virtualRouterId", 77)
    doc.set_kkui("loadBalancer.interface", "ens192")
    conf = render_all(doc.model())[0].keepalived_conf
    assert "virtual_router_id 77" in conf
    assert "interface ens192" in conf and "192.168.233.18/24 dev ens192" in conf


def test_auth_pass_longer_than_8_is_cut_to_what_keepalived_uses() -> None:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.secrets.authPass", "abcdefghXYZ")
    assert "auth_pass abcdefgh\n" in render_all(doc.model())[0].keepalived_conf


def test_secrets_are_generated_once_and_then_kept() -> None:
    doc = profile_doc(secrets=False)
    with pytest.raises(KkuiError, match="secrets are not generated"):
        render_haproxy(doc.model(), doc.model().kkui.load_balancer.hosts[0])
    assert ensure_secrets(doc) == ["authPass", "statsPassword"]
    first = render_all(doc.model())
    secrets = doc.model().kkui.load_balancer.secrets
    assert len(secrets.auth_pass) == 8 and len(secrets.stats_password) >= 20
    assert secrets.auth_pass.isalnum() and secrets.stats_password.isalnum()
    assert ensure_secrets(doc) == []
    assert render_all(doc.model()) == first
    other = profile_doc(secrets=False)
    ensure_secrets(other)
    assert other.model().kkui.load_balancer.secrets != secrets  # random, not a constant
