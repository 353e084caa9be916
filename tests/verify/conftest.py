"""The verify lab: a loopback HA cluster with real sshd, etcd, kubectl, HAProxy and DNS."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.clusterlab import ClusterLab
from support.etcdlab import etcd_unavailable_reason
from support.sshlab import SshLab, sshlab  # noqa: F401  (session fixture)


@pytest.fixture(scope="module")
def cluster(sshlab: SshLab, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
            ) -> Iterator[ClusterLab]:
    reason = etcd_unavailable_reason()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp(f"verify-lab-{os.getpid()}")
    lab = ClusterLab(sshlab, work, prefix=f"v{len(sshlab.hosts)}")
    try:
        lab.start()
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def config(cluster: ClusterLab, tmp_path: Path) -> Path:
    return cluster.write_config(tmp_path / "cluster.yaml")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """kkui's known-hosts files for this test only (new hosts are trusted on first use)."""
    monkeypatch.setenv("KKUI_KNOWN_HOSTS", str(tmp_path / "kkui_known_hosts"))
    monkeypatch.setenv("KKUI_USER_KNOWN_HOSTS", str(tmp_path / "user_known_hosts"))
    return tmp_path
