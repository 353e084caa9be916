"""The day-2 rules that need no host (issue #15): the upgrade step, the etcd quorum arithmetic of
`kkui nodes delete --force`, the host diff of `kkui nodes add`, kk's argv per operation."""

from __future__ import annotations

import pytest

from kkui.core.config import ClusterDocument
from kkui.core.day2.kkops import OPERATIONS
from kkui.core.day2.nodes import NodeRefused, diff_hosts, lb_followup, removal_check
from kkui.core.day2.upgrade import UpgradeRefused, check_target, next_steps


def model_of(etcd: int, workers: int = 1, extra: str = "") -> object:
    names = [f"m{i}" for i in range(1, etcd + 1)]
    rows = [f"  - {{name: {n}, address: 10.0.0.{i}, internalAddress: 10.0.0.{i}, user: root}}"
            for i, n in enumerate(names + [f"w{j}" for j in range(1, workers + 1)], 1)]
    text = "\n".join([
        "apiVersion: kubekey.kubesphere.io/v1alpha2", "kind: Cluster",
        "metadata: {name: rules}", "spec:", "  hosts:", *rows, extra, "  roleGroups:",
        "    etcd: [" + ", ".join(names) + "]",
        "    control-plane: [" + ", ".join(names) + "]",
        "    worker: [" + ", ".join(f"w{j}" for j in range(1, workers + 1)) + "]",
        "  controlPlaneEndpoint: {domain: lb.kubesphere.local, address: '', port: 6443}",
        "  kubernetes: {version: v1.28.15}", ""])
    return ClusterDocument.from_text(text).model()


@pytest.mark.parametrize(("current", "target", "why"), [
    ("v1.28.15", "v1.30.6", "skips a minor version"),
    ("v1.28.15", "v1.28.10", "does not downgrade"),
    ("v1.28.15", "v1.28.15", "does not downgrade"),
    ("v1.28.15", "v1.29.13", "not in kk v3.1.12's supported list"),
])
def test_upgrade_refuses_anything_but_one_step(current: str, target: str, why: str) -> None:
    with pytest.raises(UpgradeRefused, match=why):
        check_target(current, target)


def test_upgrade_allows_a_patch_or_the_next_minor_and_lists_them() -> None:
    assert check_target("v1.28.10", "1.28.15") == "v1.28.15"
    assert check_target("v1.28.15", "v1.29.15") == "v1.29.15"
    steps = next_steps("v1.28.15")
    assert "v1.29.15" in steps and not any(s.startswith(("v1.30", "v1.27")) for s in steps)


def test_a_worker_may_go_an_etcd_member_only_with_force_and_quorum() -> None:
    three = model_of(3)
    assert removal_check(three, "w1", force=False).allowed
    with pytest.raises(NodeRefused, match="workers only"):
        removal_check(three, "m2", force=False)
    ok = removal_check(three, "m2", force=True)
    assert ok.lines[0] == ("etcd: 3 members, quorum 2; without m2: 2 members (quorum 2, "
                           "tolerating 0 failure(s)) → quorum kept")
    with pytest.raises(NodeRefused, match="BELOW QUORUM"):
        removal_check(model_of(2), "m2", force=True)                 # 1 of 2 is no quorum
    with pytest.raises(NodeRefused, match="first control-plane node"):
        removal_check(three, "m1", force=True)
    with pytest.raises(NodeRefused, match="no such host"):
        removal_check(three, "w9", force=True)


def test_the_diff_names_new_touched_and_changed_hosts() -> None:
    applied, wanted = model_of(3, workers=1), model_of(3, workers=2)
    diff = diff_hosts(applied, wanted, "test")      # type: ignore[arg-type]
    assert diff.new == ("w2",) and diff.touched == ("m1", "m2", "m3", "w1")
    assert diff.changed == () and diff.gone == () and diff.new_control_planes == ()


def test_kk_argv_per_operation() -> None:
    assert OPERATIONS["nodes delete"].argv("w3") == (
        "./kk", "delete", "node", "w3", "-f", "config-sample.yaml")
    assert OPERATIONS["upgrade"].argv("v1.29.15") == (
        "./kk", "upgrade", "--with-kubernetes", "v1.29.15", "-f", "config-sample.yaml")
    assert OPERATIONS["delete"].argv() == ("./kk", "delete", "cluster", "-f",
                                           "config-sample.yaml")
    with pytest.raises(ValueError):
        OPERATIONS["nodes delete"].argv("")


def test_a_new_control_plane_behind_kkuis_lb_pair_gets_the_lb_deploy_note() -> None:
    doc = ClusterDocument.from_profile("ha-external-lb")
    wanted = doc.model()
    first = wanted.control_plane_hosts[0].name
    doc.remove_host(first)
    applied = doc.model()
    diff = diff_hosts(applied, wanted, "test")
    assert diff.new_control_planes == (first,)
    note = lb_followup(diff, wanted, "prod.yaml")
    assert note is not None and "re-deploys its LB pair from prod.yaml" in note
    assert "haproxy reloaded, not restarted; keepalived untouched" in note
    assert f"{first} ({wanted.control_plane_hosts[0].internal_ipv4}:6443)" in note
    no_lb = ClusterDocument.from_profile("ha-kube-vip").model()
    assert lb_followup(diff, no_lb, "prod.yaml") is None
