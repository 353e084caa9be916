"""Issue #10 items 1 and 6: a hostile LB host name (or interface, secret ...) must never reach the
generated haproxy.cfg / keepalived.conf, nor lead ``lb render -o DIR`` outside DIR.

The first test shows why this is a root code-execution bug, not a cosmetic one: a name built to
fit keepalived's 1023-byte line reads (lib/parser.c ``read_line(buf, MAXBUF)``, MAXBUF 1024 in
keepalived v2.2.7 lib/parser.h:39) is one harmless comment line for haproxy, while keepalived
splits it into real lines — a second ``vrrp_instance`` with a ``notify`` script run as root.
Both real parsers accept the file. Only kkui's validation and render-time allow-list stop it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lb.helpers import profile_doc

import kkui.core.lb.render as render
from kkui.core.config import ClusterDocument
from kkui.core.fsutil import FileWriteError, contained
from kkui.core.lb.check import check_rendered

HAVE_PARSERS = all(shutil.which(t) or os.path.exists(f"/usr/sbin/{t}")
                   for t in ("haproxy", "keepalived"))
KEEPALIVED_LINE = 1023  # fgets(buf, MAXBUF=1024): at most 1023 bytes per read


def _prefix_lengths() -> tuple[int, int]:
    """Where the name starts on its two keepalived.conf lines (header comment, router_id)."""
    doc = profile_doc()
    text = render.render_keepalived(doc.model(), doc.model().kkui.load_balancer.hosts[0])
    lines = [line for line in text.splitlines() if "lb1" in line]
    return lines[0].index("lb1"), lines[1].index("lb1")


def line_split_payload(*, router_id: int = 99, marker: str = "/tmp/kkui-pwned") -> str:
    """A name with no newline at all: each keepalived read of the header comment starts at a
    '#', each read of the router_id line starts with the next line of the injected config."""
    header, router = _prefix_lengths()
    lines = ["}", "vrrp_instance evil {", "state BACKUP", "interface eth0",
             f"virtual_router_id {router_id}", "priority 1", "virtual_ipaddress {", "10.9.9.9",
             "}", f'notify "/usr/bin/touch {marker}"', "}", "global_defs {"]
    a, b = KEEPALIVED_LINE - header, KEEPALIVED_LINE - router
    name = [" "] * (b + KEEPALIVED_LINE * len(lines))
    name[0:3] = "lb1"
    for k in range(len(lines) + 1):
        name[a + KEEPALIVED_LINE * k] = "#"
    for k, line in enumerate(lines):
        start = b + KEEPALIVED_LINE * k
        name[start:start + len(line)] = line
    return "".join(name).rstrip()


NEWLINE_PAYLOAD = ('lb1\n.if defined(KKUI_NEVER)\n}\nvrrp_instance evil {\n  notify '
                   '"/usr/bin/touch /tmp/kkui-pwned"\n}\nglobal_defs {\n.endif\n#')


def hostile_config(tmp_path: Path, name: str) -> Path:
    """The LB profile on loopback addresses (never the profile's 192.168.233.x), with lb1
    renamed to ``name``."""
    doc = profile_doc()
    doc.update_host("lb1", lb=True, name=name)
    path = tmp_path / "c.yaml"
    doc.save(path)
    path.write_text(path.read_text().replace("192.168.233.", "127.0.233."))
    return path


def render_unchecked(doc: ClusterDocument, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What kkui rendered before the fix: no allow-list."""
    with monkeypatch.context() as m:
        m.setattr(render, "check_renderable", lambda model: None)
        m.setattr(render, "_name", lambda field, value: None)
        m.setattr(render, "_ipv4", lambda field, value: None)
        hosts = render.render_all(doc.model())
    for index, host in enumerate(hosts):
        d = out / f"lb{index + 1}"
        d.mkdir(parents=True)
        (d / "haproxy.cfg").write_text(host.haproxy_cfg)
        (d / "keepalived.conf").write_text(host.keepalived_conf)


@pytest.mark.netns
@pytest.mark.skipif(not HAVE_PARSERS or os.geteuid() != 0,
                    reason="needs haproxy, keepalived and root (scratch network namespace)")
def test_hostile_name_passes_both_real_parsers_unless_kkui_refuses_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kkui_cmd: list[str],
        kkui_env: dict[str, str]) -> None:
    payload = line_split_payload()
    doc = profile_doc()
    doc.update_host("lb1", lb=True, name=payload)

    # before the fix: both real parsers accept the file with the injected root notify script
    render_unchecked(doc, tmp_path / "before", monkeypatch)
    results = check_rendered(tmp_path / "before", ["lb1"], "eth0")
    assert [(r.tool, r.status) for r in results] == [("haproxy", "ok"), ("keepalived", "ok")], \
        [r.detail[:400] for r in results]
    assert 'notify "/usr/bin/touch /tmp/kkui-pwned"' in \
        (tmp_path / "before" / "lb1" / "keepalived.conf").read_text()
    # ... and keepalived really parses the injected block (not a comment): an invalid value
    # inside it makes keepalived -t fail
    doc.update_host(payload, lb=True, name=line_split_payload(router_id=300))
    render_unchecked(doc, tmp_path / "live", monkeypatch)
    live = check_rendered(tmp_path / "live", ["lb1"], "eth0")
    assert live[1].status == "failed" and "300" in live[1].detail

    # after: `kkui lb render --check` refuses, exit 2, one line per problem, nothing written
    cfg = hostile_config(tmp_path, payload)
    out = tmp_path / "out"
    res = subprocess.run([*kkui_cmd, "lb", "render", "-f", str(cfg), "-o", str(out), "--check"],
                         env=kkui_env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr[-2000:]
    assert "kkui:spec.loadBalancer.hosts[0].name" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists() or not any(out.rglob("*"))


def test_render_time_allow_list_refuses_what_validation_would_have_caught() -> None:
    """Defence in depth: render_all itself refuses, even when nothing validated the model."""
    doc = profile_doc()
    doc.update_host("lb1", lb=True, name=NEWLINE_PAYLOAD)
    with pytest.raises(render.UnsafeRenderValue, match=r"hosts\[0\]\.name"):
        render.render_all(doc.model())


@pytest.mark.parametrize(("path", "value", "field"), [
    ("loadBalancer.interface", "eth0\n}\nvrrp_instance x {", "interface"),
    ("loadBalancer.vip", "10.0.0.5 dev eth0\n}", "vip"),
    ("loadBalancer.virtualRouterId", 300, "virtualRouterId"),  # text falls back to 51
    ("loadBalancer.port", 70000, "port"),
    ("loadBalancer.prefix", 33, "prefix"),
    ("loadBalancer.secrets.authPass", "ab\n}\nglobal_defs {", "authPass"),
    ("loadBalancer.secrets.statsPassword", "pw\n    stats admin if TRUE", "statsPassword"),
], ids=["interface", "vip", "router-id", "port", "prefix", "auth-pass", "stats-password"])
def test_every_interpolated_value_is_allow_listed(path: str, value: object, field: str) -> None:
    doc = profile_doc()
    doc.set_kkui(path, value)
    with pytest.raises(render.UnsafeRenderValue) as caught:
        render.render_all(doc.model())
    assert field in str(caught.value)
    if "secrets" in path:
        assert str(value) not in str(caught.value) and "(value not shown)" in str(caught.value)


def test_a_control_plane_name_cannot_inject_into_the_haproxy_backend() -> None:
    doc = profile_doc()
    master = doc.model().control_plane_hosts[0].name
    doc.rename_host(master, "m1\n    server evil 10.9.9.9:6443")
    with pytest.raises(render.UnsafeRenderValue, match="control plane"):
        render.render_all(doc.model())


@pytest.mark.parametrize("action", [["render", "-o", "OUT"], ["status"], ["deploy", "--yes"],
                                    ["drill", "--yes"]])
@pytest.mark.parametrize(("hostile", "field"), [
    ("lb-name", "kkui:spec.loadBalancer.hosts[0].name"),
    ("cluster-name", "metadata.name"),  # outside the LB rules: only the full validation sees it
])
def test_every_lb_command_runs_the_full_validation(tmp_path: Path, action: list[str],
                                                    hostile: str, field: str,
                                                    kkui_cmd: list[str],
                                                    kkui_env: dict[str, str]) -> None:
    """The LB rules alone never looked at LB host names (nor at anything outside the pair);
    every `lb` action now refuses before rendering, writing or connecting anything (exit 2)."""
    if hostile == "lb-name":
        cfg = hostile_config(tmp_path, NEWLINE_PAYLOAD)
    else:
        cfg = hostile_config(tmp_path, "lb1")
        cfg.write_text(cfg.read_text().replace("name: ha-external-lb", "name: ../../escaped", 1))
    args = [str(tmp_path / "out") if a == "OUT" else a for a in action]
    res = subprocess.run([*kkui_cmd, "lb", args[0], "-f", str(cfg), *args[1:]], env=kkui_env,
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert res.returncode == 2, res.stdout + res.stderr
    assert field in res.stderr
    assert "nothing was changed" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_a_dotdot_lb_name_never_writes_outside_the_output_directory(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    cfg = hostile_config(tmp_path, "../escaped")
    out = tmp_path / "deep" / "out"
    res = subprocess.run([*kkui_cmd, "lb", "render", "-f", str(cfg), "-o", str(out)],
                         env=kkui_env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert not (tmp_path / "deep" / "escaped").exists()
    assert sorted(p.name for p in tmp_path.rglob("*.cfg")) == []


@pytest.mark.parametrize("part", ["..", ".", "", "a/b", "/etc", "x\0y"])
def test_contained_refuses_any_name_that_leaves_the_directory(tmp_path: Path, part: str) -> None:
    with pytest.raises(FileWriteError):
        contained(tmp_path, part, "haproxy.cfg")
    assert contained(tmp_path, "lb1", "haproxy.cfg") == tmp_path / "lb1" / "haproxy.cfg"


def test_the_output_directory_holds_even_without_validation_and_allow_list(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last layer alone: with validation and the render-time allow-list switched off, the
    writer still refuses a host name that leaves DIR (item 6)."""
    from kkui.cli import main

    cfg = hostile_config(tmp_path, "../escaped")
    monkeypatch.setattr(ClusterDocument, "validate", lambda self: [])
    monkeypatch.setattr(render, "check_renderable", lambda model: None)
    monkeypatch.setattr(render, "_name", lambda field, value: None)
    out = tmp_path / "deep" / "out"
    assert main(["lb", "render", "-f", str(cfg), "-o", str(out)]) == 1
    assert not (tmp_path / "deep" / "escaped").exists()
