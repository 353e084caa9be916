# ruff: noqa: E501
"""Fixtures for the TUI tests: config files on disk and an app factory."""

from __future__ import annotations

import asyncio
import inspect
import shutil
from pathlib import Path

import pytest

from kkui.core.config import ClusterDocument
from kkui.tui.app import KkuiApp

REPO = Path(__file__).resolve().parents[2]
KK_SAMPLE = REPO / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml"
FAKE_KK = REPO / "tests" / "support" / "fake_kk.py"
TRANSCRIPTS = REPO / "tests" / "support" / "kk_transcripts"
SIZE = (100, 32)

# A small loopback-only config with comments and a CJK comment (never a real address).
LOOPBACK_CONFIG = """\
# 实验集群 — a loopback test cluster
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: sample
spec:
  hosts:
  # the control plane
  - {name: node1, address: 127.0.0.1, internalAddress: 127.0.0.1, user: root, password: "Qcloud@123"}
  - {name: node2, address: 127.0.0.2, internalAddress: 127.0.0.2, user: root, privateKeyPath: ~/.ssh/id_ed25519}
  roleGroups:
    etcd:
    - node1
    control-plane:
    - node1
    worker:
    - node1
    - node2
  controlPlaneEndpoint:
    domain: lb.kubesphere.local
    address: ""
    port: 6443
  kubernetes:
    version: v1.23.17
    containerManager: docker
  network:
    plugin: calico
    kubePodsCIDR: 10.233.64.0/18
    kubeServiceCIDR: 10.233.0.0/18
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config-sample.yaml"
    path.write_text(LOOPBACK_CONFIG, encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def kk_sample(tmp_path: Path) -> Path:
    path = tmp_path / "kk-sample.yaml"
    shutil.copyfile(KK_SAMPLE, path)
    path.chmod(0o644)
    return path


@pytest.fixture
def make_app(tmp_path: Path):
    def make(path: Path | None = None, **kwargs: object) -> KkuiApp:
        doc = ClusterDocument.load(path) if path is not None else None
        kwargs.setdefault("clock", lambda: 0.0)
        kwargs.setdefault("workdir", tmp_path / "work")
        return KkuiApp(doc, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no asyncio plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames  # noqa: SLF001
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(pyfuncitem.obj(**kwargs))
    return True
