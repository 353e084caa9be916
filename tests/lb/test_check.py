"""The real parsers on rendered files: haproxy -c and keepalived -t (in a scratch netns)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from lb.helpers import GOLDEN_STATS_PASSWORD, profile_doc

from kkui.core.lb.check import check_haproxy, check_keepalived, check_rendered
from kkui.core.lb.render import render_all

pytestmark = [pytest.mark.netns,  # lab prerequisites: a skip fails under CI=true
              pytest.mark.skipif(
    not (shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy"))
    or not (shutil.which("keepalived") or os.path.exists("/usr/sbin/keepalived")),
    reason="haproxy and keepalived (Debian packages) are not installed")]


def write(tmp_path: Path, interface: str = "eth0") -> Path:
    doc = profile_doc()
    doc.set_kkui("loadBalancer.interface", interface)
    for host in render_all(doc.model()):
        (tmp_path / host.name).mkdir()
        (tmp_path / host.name / "haproxy.cfg").write_text(host.haproxy_cfg)
        (tmp_path / host.name / "keepalived.conf").write_text(host.keepalived_conf)
    return tmp_path


@pytest.mark.skipif(os.geteuid() != 0, reason="scratch network namespaces need root")
def test_rendered_files_pass_both_parsers_even_for_an_interface_this_machine_lacks(
        tmp_path: Path) -> None:
    assert not Path("/sys/class/net/ens224").exists()
    results = check_rendered(write(tmp_path, "ens224"), ["lb1", "lb2"], "ens224")
    assert [(r.host, r.tool, r.status) for r in results] == [
        ("lb1", "haproxy", "ok"), ("lb1", "keepalived", "ok"),
        ("lb2", "haproxy", "ok"), ("lb2", "keepalived", "ok")]
    assert "scratch network namespace with a link named ens224" in results[1].detail
    assert "WARNING" not in results[0].detail


def test_haproxy_reports_a_broken_file_without_leaking_the_password(tmp_path: Path) -> None:
    out = write(tmp_path)
    cfg = out / "lb1" / "haproxy.cfg"
    cfg.write_text(cfg.read_text().replace("balance roundrobin", "balance sideways")
                   .replace("stats auth kkui:", f"stats bogus {GOLDEN_STATS_PASSWORD} kkui:"))
    result = check_haproxy("lb1", cfg, [GOLDEN_STATS_PASSWORD])
    assert result.status == "failed"
    assert "balance only supports" in result.detail and "NOTICE" not in result.detail
    assert "unknown stats parameter 'bogus'" in result.detail
    assert GOLDEN_STATS_PASSWORD not in result.detail


@pytest.mark.skipif(os.geteuid() != 0, reason="scratch network namespaces need root")
def test_keepalived_reports_a_broken_file(tmp_path: Path) -> None:
    conf = write(tmp_path) / "lb1" / "keepalived.conf"
    conf.write_text(conf.read_text().replace("virtual_router_id 51", "virtual_router_id 300"))
    result = check_keepalived("lb1", conf, "eth0")
    assert result.status == "failed" and "300" in result.detail


def test_a_missing_file_fails_instead_of_passing(tmp_path: Path) -> None:
    # keepalived -t itself exits 0 when the file does not exist
    assert check_keepalived("lb1", tmp_path / "nope.conf", "eth0").status == "failed"
    assert check_haproxy("lb1", tmp_path / "nope.cfg").status == "failed"
