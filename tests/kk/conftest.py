"""Fixtures for the kk tests: a workdir holding the fake kk and a config-sample.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SUPPORT = Path(__file__).resolve().parents[1] / "support"
FAKE_KK = SUPPORT / "fake_kk.py"
TRANSCRIPTS = SUPPORT / "kk_transcripts"


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Environment for fake_kk (it may be copied away from its transcripts)."""
    monkeypatch.setenv("FAKE_KK_TRANSCRIPTS", str(TRANSCRIPTS))
    monkeypatch.setenv("FAKE_KK_RECORD", str(tmp_path / "record.json"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KKZONE", raising=False)
    return tmp_path / "record.json"


@pytest.fixture
def kk_workdir(tmp_path: Path, fake_env: Path) -> Path:
    workdir = tmp_path / "work"
    workdir.mkdir()
    shutil.copy(FAKE_KK, workdir / "kk")
    (workdir / "kk").chmod(0o755)
    (workdir / "config-sample.yaml").write_text("apiVersion: kubekey.kubesphere.io/v1alpha2\n"
                                                "kind: Cluster\n")
    return workdir
