"""The rendered pair for real: haproxy + keepalived in network namespaces (see netns_lab.py).

The tests share one lab and run in file order; each leaves the pair healthy for the next.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from lb.netns_lab import (
    Lab,
    assert_vip_stays,
    ensure_preempting_holder,
    preempt_window,
    wait_for,
)

from kkui.core.lb.drill import DrillRefused, find_holders, run_drill
from kkui.core.lb.status import backend_addresses, collect_status

pytestmark = pytest.mark.netns


def vip(lab: Lab) -> str:
    return str(lab.model.kkui.load_balancer.vip)


def holders(lab: Lab) -> list[str]:
    return find_holders(lab.ops())


def test_exactly_one_lb_holds_the_vip(lab: Lab) -> None:
    wait_for(lambda: bool(holders(lab)), 15, "an LB to take the VIP")
    for _ in range(5):  # and it stays with one: no second master appears
        assert len(holders(lab)) == 1
        time.sleep(0.2)


def test_vip_port_round_robins_over_all_three_backends(lab: Lab) -> None:
    answers = [lab.fetch(vip(lab)) for _ in range(6)]
    assert sorted(answers[:3]) == ["master1", "master2", "master3"]
    assert answers[3:] == answers[:3]  # strict rotation, not just "all seen"


def test_status_reports_the_holder_services_and_backends(lab: Lab) -> None:
    status = collect_status(lab.ops(), vip=vip(lab), port=6443,
                            probe=lambda: lab.tcp_answers(vip(lab)),
                            addresses=backend_addresses(lab.model))
    assert status.verdict == "ok" and status.holders == holders(lab)
    assert status.frontend_answers is True
    for host in status.hosts:
        assert (host.haproxy, host.keepalived, host.error) == ("active", "active", None)
        assert [(b.name, b.up) for b in host.backends] == \
            [("master1", True), ("master2", True), ("master3", True)]
        assert {b.address for b in host.backends} == \
            {f"{lab.net}.{i}:6443" for i in (12, 13, 14)}


def test_split_brain_is_reported_and_the_drill_refuses(lab: Lab) -> None:
    holder = holders(lab)[0]
    other = "lb2" if holder == "lb1" else "lb1"
    subprocess.run(["ip", "-n", lab.ns(other), "addr", "add", f"{vip(lab)}/24", "dev", "eth0"],
                   check=True)
    try:
        status = collect_status(lab.ops(), vip=vip(lab), port=6443)
        assert status.verdict == "split-brain" and sorted(status.holders) == ["lb1", "lb2"]
        with pytest.raises(DrillRefused, match="split brain"):
            run_drill(lab.ops(), lambda: lab.tcp_answers(vip(lab)), target="VIP")
        assert lab.lb_pids(holder, "haproxy") and lab.lb_pids(other, "haproxy")
    finally:
        subprocess.run(["ip", "-n", lab.ns(other), "addr", "del", f"{vip(lab)}/24", "dev",
                        "eth0"], check=True)
    assert holders(lab) == [holder]


def test_a_stopped_backend_is_taken_out(lab: Lab) -> None:
    holder = next(o for o in lab.ops() if o.holds_vip())
    lab.stop_backend("master2")
    try:
        def master2_down() -> bool:
            status = collect_status([holder], vip=vip(lab), port=6443)
            return any(b.name == "master2" and not b.up for b in status.hosts[0].backends)
        wait_for(master2_down, 15, "haproxy to mark master2 DOWN")
        answers = {lab.fetch(vip(lab)) for _ in range(6)}
        assert answers == {"master1", "master3"}
    finally:
        lab.start_backend("master2", f"{lab.net}.13")


def test_drill_moves_the_vip_and_the_port_answers_again(lab: Lab) -> None:
    # only the higher-priority LB would preempt: drill that one, or nopreempt goes unseen
    before = [ensure_preempting_holder(lab)]
    events: list[str] = []
    report = run_drill(lab.ops(), lambda: lab.tcp_answers(vip(lab)), target=f"{vip(lab)}:6443",
                       timeout=30, on_event=lambda e: events.append(e.text))
    assert report.ok, report.error
    assert report.holder == before[0] and report.new_holder not in (None, before[0])
    assert report.outage is not None and report.vip_moved_after is not None
    assert 0 < report.vip_moved_after <= report.outage < 30
    assert events[1] == f"haproxy stopped on {before[0]}"
    assert events[-1] == f"haproxy started again on {before[0]}"
    assert any(e.startswith(f"VIP moved to {report.new_holder}") for e in events)
    # haproxy is back on the old holder, and nopreempt keeps the VIP where it went
    assert lab.lb_pids(before[0], "haproxy")
    assert_vip_stays(lab, report.new_holder, preempt_window(lab, before[0]),
                     lambda: holders(lab))
    assert lab.tcp_answers(vip(lab))
