"""The TUI's pure helpers: secret masking, bulk-add planning, jump targets, batching."""

from __future__ import annotations

import pytest

from kkui.tui.batching import EventBatcher
from kkui.tui.bulk import BulkError, expand_addresses, next_free_number, plan_hosts
from kkui.tui.jump import cluster_widget, host_row, target_of
from kkui.tui.mask import mask_secrets


def test_mask_secrets_flow_block_and_block_scalar() -> None:
    text = ('  - {name: n1, address: 10.0.0.1, password: "Qcloud@123", user: root}\n'
            "    authPass: s3cr3t\n"
            "    privateKey: |\n      -----BEGIN KEY-----\n      abc\n    port: 22\n"
            "  - {name: n2, password: 'it''s'}\n")
    masked = mask_secrets(text)
    for secret in ("Qcloud@123", "s3cr3t", "BEGIN KEY", "abc", "it''s"):
        assert secret not in masked
    assert 'password: ••••, user: root}' in masked and "    port: 22" in masked


def test_expand_addresses_ranges_and_lists() -> None:
    assert expand_addresses("10.0.0.15-17") == ["10.0.0.15", "10.0.0.16", "10.0.0.17"]
    assert expand_addresses("10.0.0.254-10.0.1.1, 10.0.2.3") == [
        "10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1", "10.0.2.3"]
    with pytest.raises(BulkError, match="upwards"):
        expand_addresses("10.0.0.17-15")
    with pytest.raises(BulkError, match="twice"):
        expand_addresses("10.0.0.1 10.0.0.1")


def test_plan_hosts_names_and_conflicts() -> None:
    planned = plan_hosts("10.0.0.15-16", "worker{n}", 4, {"worker1"}, set())
    assert [(p.name, p.address) for p in planned] == [("worker4", "10.0.0.15"),
                                                      ("worker5", "10.0.0.16")]
    assert plan_hosts("10.0.0.15", "node-{octet}", 1, set(), set())[0].name == "node-15"
    with pytest.raises(BulkError, match="already used"):
        plan_hosts("10.0.0.15", "worker{n}", 1, {"worker1"}, set())
    with pytest.raises(BulkError, match=r"\{n\}"):
        plan_hosts("10.0.0.15", "worker", 1, set(), set())
    assert next_free_number("worker{n}", {"worker1", "worker7", "master2"}) == 8


def test_jump_targets() -> None:
    assert target_of("spec.hosts[2].address") == "hosts"
    assert host_row("spec.hosts[2].address") == (2, "address")
    assert target_of("spec.roleGroups.worker[1]") == "roles"
    assert target_of("kkui:spec.loadBalancer.vip") == "cluster"
    assert cluster_widget("kkui:spec.loadBalancer.vip") == "endpoint-address"
    assert cluster_widget("spec.network.kubeServiceCIDR") == "service-cidr"


def test_batcher_sends_batches_not_single_events() -> None:
    now = [0.0]
    sent: list[list[int]] = []
    batcher = EventBatcher(sent.append, interval=0.05, max_events=100, clock=lambda: now[0])
    for i in range(250):
        batcher.add(i)
    assert [len(b) for b in sent] == [100, 100]
    now[0] = 1.0
    batcher.tick()
    assert [len(b) for b in sent] == [100, 100, 50]
