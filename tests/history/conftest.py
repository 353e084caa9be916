"""Fixtures for the run-history tests: a loopback config, the fake kk, the real kkui."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import netguard

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "tests" / "support"
FAKE_KK = SUPPORT / "fake_kk.py"
HOLDER = Path(__file__).resolve().parent / "holder.py"
SAMPLE = ROOT / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml"
PASSWORD = "Hist-S3cret-pw"


def write_config(path: Path, *, name: str = "sample", extra_host: bool = False,
                 k8s: str | None = None) -> Path:
    """kk's sample config on loopback addresses (TESTING.md: no traffic elsewhere)."""
    text = SAMPLE.read_text().replace("172.16.0.2", "127.0.0.1").replace("172.16.0.3",
                                                                            "127.0.0.2")
    text = text.replace("Qcloud@123", PASSWORD).replace("name: sample", f"name: {name}")
    if extra_host:
        text = text.replace("  roleGroups:", "  - {name: node3, address: 127.0.0.3, "
                            "internalAddress: 127.0.0.3, user: ubuntu, password: \"x\"}\n"
                            "  roleGroups:", 1)
        text = text.replace("    worker:\n    - node1", "    worker:\n    - node1\n    - node3",
                            1)
    if k8s:
        text = text.replace("version: v1.23.17", f"version: {k8s}")
    path.write_text(text)
    return path


@pytest.fixture
def env(tmp_path: Path, run_history_db: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("KKZONE", "LINES", "COLUMNS")}
    environ.update(FAKE_KK_TRANSCRIPTS=str(SUPPORT / "kk_transcripts"), FAKE_KK_SPEED="0",
                   FAKE_KK_RECORD=str(tmp_path / "record.json"), NO_COLOR="1",
                   XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT),
                   XDG_CONFIG_HOME=str(tmp_path / "config"),  # known_hosts of SSH tests
                   KKUI_DB=str(run_history_db))
    return netguard.subprocess_env(environ)  # every kkui started here is fenced to loopback


def kkui(args: list[str], env: dict[str, str], cwd: Path, scenario: str = "success"
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kkui", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                          env={**env, "FAKE_KK_SCENARIO": scenario})


def install(config: Path, env: dict[str, str], cwd: Path, scenario: str = "success",
            *more: str) -> subprocess.CompletedProcess[str]:
    return kkui(["install", "-f", str(config), "--kk", str(FAKE_KK), "--skip-precheck",
                 "--yes", "--workdir", str(cwd / "work"), *more], env, cwd, scenario)


def holder(config: Path, command: str, env: dict[str, str], *flags: str
           ) -> tuple[subprocess.Popen[str], int]:
    """A second real process inside ``recorded_run``; returns it and its run id once ready."""
    proc = subprocess.Popen([sys.executable, str(HOLDER), str(config), command, *flags],
                            env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the record (and lock) exist: no sleep
    assert line.startswith("ready "), (line, proc.stderr.read() if proc.stderr else "")
    return proc, int(line.split()[1])
