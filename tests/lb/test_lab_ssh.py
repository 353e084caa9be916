"""`kkui lb status` and `kkui lb drill` for real: the command, over SSH, against the netns lab.

Each LB of the lab runs a real sshd inside its own network and PID namespaces, and that sshd's
PATH starts with a systemctl stand-in driving the LB's haproxy and keepalived (see
``netns_lab.SYSTEMCTL``).  The command runs as a subprocess inside the client namespace, so
every connection it makes stays in the lab.  Tests run in file order; each waits for a VIP
holder first and leaves the pair working.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from lb.netns_lab import (
    Lab,
    assert_vip_stays,
    close_and_check,
    ensure_preempting_holder,
    preempt_window,
    running,
    wait_for,
)

from kkui.core.lb.drill import find_holders
from kkui.core.lb.status import host_status

pytestmark = [pytest.mark.netns, pytest.mark.sshd]


@pytest.fixture(scope="module")
def ssh_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = Lab(tmp_path_factory.mktemp(f"lb-ssh-lab-{os.getpid()}"), name="ssh", ssh=True)
    with running(lab, close_and_check):
        yield lab


@pytest.fixture(scope="module")
def config(ssh_lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = ssh_lab.write_config(tmp_path_factory.mktemp("lb-ssh-config") / "cluster.yaml")
    text = path.read_text()
    assert "192.168.233." not in text and "user: root" in text
    return path


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The operator's config dir and known_hosts, kept across the commands like a real one."""
    return tmp_path_factory.mktemp("lb-ssh-home")


def kkui(lab: Lab, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return lab.run_kkui(*args, home=home)


def wait_for_holder(lab: Lab) -> str:
    wait_for(lambda: len(find_holders(lab.ops())) == 1, 15, "exactly one LB to hold the VIP")
    return find_holders(lab.ops())[0]


def wait_until_down_on_both(lab: Lab, backend: str) -> None:
    def down_on_both() -> bool:
        return all(any(b.name == backend and not b.up for b in host_status(o).backends)
                   for o in lab.ops())
    wait_for(down_on_both, 15, f"both haproxies to mark {backend} DOWN")


def vip(lab: Lab) -> str:
    return str(lab.model.kkui.load_balancer.vip)


def test_status_over_ssh_reports_the_holder_services_and_backends(
        ssh_lab: Lab, config: Path, home: Path) -> None:
    holder = wait_for_holder(ssh_lab)
    routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True,
                            text=True, check=True).stdout
    assert f"unreachable {ssh_lab.route}" in routes  # the root namespace cannot reach the lab
    proc = kkui(ssh_lab, home, "lb", "status", "-f", str(config), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert (report["verdict"], report["holders"]) == ("ok", [holder])
    assert report["frontend_answers"] is True
    assert [h["name"] for h in report["hosts"]] == ["lb1", "lb2"]
    for host in report["hosts"]:
        assert (host["haproxy"], host["keepalived"], host["error"]) == \
            ("active", "active", None), host
        assert host["holds_vip"] is (host["name"] == holder)
        assert [(b["name"], b["address"], b["up"]) for b in host["backends"]] == [
            (f"master{i}", f"{ssh_lab.net}.{11 + i}:6443", True) for i in (1, 2, 3)]
    known = (home / "kkui_known_hosts").read_text()  # first contact recorded both host keys
    assert f"{ssh_lab.net}.10" in known and f"{ssh_lab.net}.11" in known


def test_status_over_ssh_shows_a_stopped_backend_down(
        ssh_lab: Lab, config: Path, home: Path) -> None:
    wait_for_holder(ssh_lab)
    ssh_lab.stop_backend("master2")
    try:
        wait_until_down_on_both(ssh_lab, "master2")
        proc = kkui(ssh_lab, home, "lb", "status", "-f", str(config), "--json")
        assert proc.returncode == 0, proc.stdout + proc.stderr  # one holder: the pair is fine
        for host in json.loads(proc.stdout)["hosts"]:
            states = {b["name"]: (b["up"], b["status"].split()[0]) for b in host["backends"]}
            assert states == {"master1": (True, "UP"), "master2": (False, "DOWN"),
                              "master3": (True, "UP")}, host
    finally:
        ssh_lab.start_backend("master2", f"{ssh_lab.net}.13")


def test_drill_over_ssh_moves_the_vip_and_restores_haproxy(
        ssh_lab: Lab, config: Path, home: Path) -> None:
    old = ensure_preempting_holder(ssh_lab)  # else a missing nopreempt could not show
    new = "lb2" if old == "lb1" else "lb1"
    target = f"{vip(ssh_lab)}:6443"
    haproxy_before = ssh_lab.lb_pids(old, "haproxy")
    proc = kkui(ssh_lab, home, "lb", "drill", "-f", str(config), "--yes", "--timeout", "30")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    timeline = [f"{old} holds the VIP and {target} answers", f"haproxy stopped on {old}",
                f"VIP moved to {new}", f"{target} answers again via {new}",
                f"haproxy started again on {old}", "total outage: "]
    positions = [out.find(event) for event in timeline]
    assert -1 not in positions and positions == sorted(positions), out
    outage = re.search(r"total outage: (\d+\.\d+) s \(haproxy stopped on (\S+) → "
                       r"(\S+) answered via (\S+)\)", out)
    assert outage is not None, out
    assert 0 < float(outage.group(1)) < 30
    assert outage.group(2, 3, 4) == (old, target, new)
    # haproxy runs again on the old holder: a new process, with the lab's own command line
    haproxy_after = ssh_lab.lb_pids(old, "haproxy")
    assert len(haproxy_after) == 1 and haproxy_after != haproxy_before
    assert psutil.Process(haproxy_after[0]).cmdline() == ssh_lab.haproxy_argv(old)
    # nopreempt: the VIP stays on the new holder once the old one is healthy again
    assert_vip_stays(ssh_lab, new, preempt_window(ssh_lab, old),
                     lambda: find_holders(ssh_lab.ops()))
    proc = kkui(ssh_lab, home, "lb", "status", "-f", str(config), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["holders"] == [new] and report["frontend_answers"] is True
    assert [(h["haproxy"], h["keepalived"]) for h in report["hosts"]] == \
        [("active", "active")] * 2


def test_ctrl_c_during_the_drill_starts_haproxy_again(
        ssh_lab: Lab, config: Path, home: Path) -> None:
    old = wait_for_holder(ssh_lab)
    drill = subprocess.Popen(
        ssh_lab.kkui_argv("lb", "drill", "-f", str(config), "--yes", "--timeout", "20"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ssh_lab.kkui_env(home))
    try:
        assert drill.stdout is not None
        seen = ""
        for line in drill.stdout:  # the drill flushes each timeline line
            seen += line
            if f"haproxy stopped on {old}" in line:
                break
        assert ssh_lab.lb_pids(old, "haproxy") == [], seen  # really stopped, mid-drill
        drill.send_signal(signal.SIGINT)
        out, err = drill.communicate(timeout=30)
    finally:
        if drill.poll() is None:
            drill.kill()
            drill.communicate()
    assert drill.returncode == 130, seen + out + err
    assert "interrupted" in err and "Traceback" not in err
    assert f"haproxy started again on {old}" in out
    assert len(ssh_lab.lb_pids(old, "haproxy")) == 1


def test_the_drill_refuses_when_no_peer_can_take_over(
        ssh_lab: Lab, config: Path, home: Path) -> None:
    holder = wait_for_holder(ssh_lab)
    peer = "lb2" if holder == "lb1" else "lb1"
    res = ssh_lab.systemctl(peer, "stop", "haproxy")
    assert res.returncode == 0, res.stderr
    try:
        haproxy = ssh_lab.lb_pids(holder, "haproxy")
        proc = kkui(ssh_lab, home, "lb", "drill", "-f", str(config), "--yes")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert (f"no LB can take the VIP over from {holder}: on {peer} haproxy is inactive"
                in proc.stderr), proc.stderr
        assert "haproxy stopped" not in proc.stdout  # nothing was touched
        assert ssh_lab.lb_pids(holder, "haproxy") == haproxy
        assert find_holders(ssh_lab.ops()) == [holder] and ssh_lab.tcp_answers(vip(ssh_lab))
    finally:
        ssh_lab.systemctl(peer, "start", "haproxy")


def test_without_keepalived_status_says_no_holder_and_the_drill_refuses(
        ssh_lab: Lab, config: Path, home: Path) -> None:
    wait_for_holder(ssh_lab)
    try:
        with ThreadPoolExecutor() as pool:  # keepalived takes ~1 s to stop
            stops = list(pool.map(lambda n: ssh_lab.systemctl(n, "stop", "keepalived"),
                                  ("lb1", "lb2")))
        assert [(r.returncode, r.stderr) for r in stops] == [(0, "")] * 2
        # the stand-in answers like systemctl: 0 when any unit is active, else 3
        res = ssh_lab.systemctl("lb1", "is-active", "haproxy", "keepalived")
        assert (res.returncode, res.stdout.split()) == (0, ["active", "inactive"])
        res = ssh_lab.systemctl("lb1", "is-active", "keepalived")
        assert (res.returncode, res.stdout.split()) == (3, ["inactive"])
        proc = kkui(ssh_lab, home, "lb", "status", "-f", str(config))
        assert proc.returncode == 1, proc.stdout + proc.stderr
        for name in ("lb1", "lb2"):
            assert f"{name}: haproxy active, keepalived inactive, backup" in proc.stdout
        assert f"no LB holds the VIP {vip(ssh_lab)}" in proc.stdout
        assert f"{vip(ssh_lab)}:6443 does NOT answer" in proc.stdout
        haproxies = {name: ssh_lab.lb_pids(name, "haproxy") for name in ("lb1", "lb2")}
        proc = kkui(ssh_lab, home, "lb", "drill", "-f", str(config), "--yes")
        assert proc.returncode == 1
        assert "no LB holds the VIP; fix that first" in proc.stderr + proc.stdout
        assert {name: ssh_lab.lb_pids(name, "haproxy") for name in ("lb1", "lb2")} == haproxies
    finally:
        for name in ("lb1", "lb2"):
            ssh_lab.systemctl(name, "start", "keepalived")


def test_verify_checks_the_pair_over_ssh_and_names_a_down_backend(
        ssh_lab: Lab, config: Path, home: Path) -> None:
    """`kkui verify --only lb-vip,lb-backends`: one holder and every API server UP in both
    HAProxies pass; a stopped API server fails lb-backends on each LB, naming it (issue #13)."""
    holder = wait_for_holder(ssh_lab)
    proc = kkui(ssh_lab, home, "verify", "-f", str(config), "--only", "lb-vip,lb-backends",
                "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = json.loads(proc.stdout)["checks"]
    assert [(c["id"], c["status"]) for c in checks if c["id"] == "lb-vip"] == [("lb-vip", "pass")]
    assert holder in checks[0]["detail"]
    assert sorted(c["status"] for c in checks if c["id"] == "lb-backends") == ["pass", "pass"]
    ssh_lab.stop_backend("master2")
    try:
        wait_until_down_on_both(ssh_lab, "master2")
        proc = kkui(ssh_lab, home, "verify", "-f", str(config), "--only", "lb-backends")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        fails = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAIL")]
        assert len(fails) == 2 and all("DOWN: master2" in ln for ln in fails), proc.stdout
    finally:
        ssh_lab.start_backend("master2", f"{ssh_lab.net}.13")
