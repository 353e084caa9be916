"""`kkui verify` uses the one SSH session pool: a dead host is tried once per run, however
many phases read it, and every session is closed when the run ends (the verify lab: real
sshd, etcd, kubectl, HAProxy, DNS on loopback)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab
from support.countingport import CountingPort

from kkui.core.config import ClusterDocument
from kkui.core.config.model import Host
from kkui.core.ssh import SshSession, connect
from kkui.core.verify.engine import run_verify

pytestmark = [pytest.mark.sshd]


def test_a_dead_first_master_is_tried_once_and_every_session_is_closed(
        cluster: ClusterLab, config: Path, home: Path) -> None:
    model = ClusterDocument.load(config).model()
    dead = cluster.master_names[0]  # first control-plane, etcd and kube node: read by
    opened: list[SshSession] = []   # the hosts, cluster, etcd and dns phases alike

    def recording_connector(host: Host, **kwargs: object) -> SshSession:
        session = connect(host, **kwargs)  # type: ignore[arg-type]
        opened.append(session)
        return session

    block = cluster.address(dead).rsplit(".", 1)[0]
    with CountingPort(f"{block}.249") as port:
        hosts = tuple(dataclasses.replace(h, address=port.address, port=port.port)
                      if h.name == dead else h for h in model.hosts)
        report = run_verify(dataclasses.replace(model, hosts=hosts), timeout=10,
                            connector=recording_connector)
        assert port.attempts == 1
    statuses = {(r.id, r.target): r.status for r in report.results}
    assert [statuses[(c, dead)] for c in ("apiserver", "certs", "kubelet-endpoint")] == \
        ["error"] * 3
    # the cluster-wide phases went on through the next master
    assert [r.status for r in report.results if r.id == "etcd-quorum"] == ["pass"]
    assert [r.status for r in report.results if r.id == "dns"] == ["pass"]
    assert len(opened) == len(model.hosts) - 1  # one session per live host, no more
    assert not any(s.active for s in opened)
