"""Hostile download servers (issue #10, items 12, 17, 18, 19), against the real loopback HTTP
server of tests/kk/httpserver.py: size cap, overall deadline, minimum rate, redirect loop,
truncated tarball."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kk.httpserver import Served, make_tarball, serve

from kkui.core.download import DownloadError, FetchPolicy, TarballError, kk_cache_dir, obtain_kk
from kkui.core.download.fetch import MAX_DOWNLOAD

V = "v3.1.12"
PATH = f"/mirror/{V}/kubekey-{V}-linux-amd64.tar.gz"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def server() -> Served:
    with serve() as served:
        served.files[PATH] = make_tarball()
        yield served


def get(served: Served, policy: FetchPolicy) -> object:
    return obtain_kk(V, arch="amd64", base_url=served.base + "/mirror", policy=policy)


def cli_download(served: Served, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "kkui", "download", "--base-url", served.base + "/mirror",
         "--arch", "amd64"], capture_output=True, text=True, timeout=60, env=env)


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one-line error: kkui's last line on stderr (the first names the download)."""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("kkui: error: "), result.stderr
    assert sum("error" in line for line in lines) == 1, result.stderr
    return lines[-1]


def cached_files() -> list[Path]:
    return [p for p in kk_cache_dir(V, "amd64").iterdir() if p.name != ".lock"]


def test_a_kk_tarball_sized_cap_is_the_default() -> None:
    assert FetchPolicy().max_bytes == MAX_DOWNLOAD == 200 * 1024 * 1024
    assert FetchPolicy().deadline > 0 and FetchPolicy().min_rate > 0


def test_an_announced_huge_length_is_refused_before_any_byte_is_kept(server: Served) -> None:
    server.plan[PATH] = ["hugelen"]
    server.trickle = (65536, 0.01)
    with pytest.raises(DownloadError, match="announces 10737418240 bytes.*refuses more than"):
        get(server, FetchPolicy(attempts=1))
    assert cached_files() == []  # no .part left behind


def test_an_endless_body_is_cut_at_the_cap_and_removed(server: Served) -> None:
    server.plan[PATH] = ["endless"]
    server.trickle = (65536, 0.0)
    cap = 2 * 1024 * 1024
    started = time.monotonic()
    with pytest.raises(DownloadError, match=f"more than {cap} bytes.*removed"):
        get(server, FetchPolicy(attempts=1, max_bytes=cap, deadline=20))
    assert time.monotonic() - started < 10
    assert cached_files() == []


def test_a_slow_drip_server_is_abandoned_by_the_minimum_rate(server: Served) -> None:
    server.plan[PATH] = ["slow", "slow"]
    server.trickle = (16, 0.05)  # ~320 bytes/s: never the read timeout, never finishing
    started = time.monotonic()
    with pytest.raises(DownloadError, match="less than 5000 bytes/s for 0.5 s"):
        get(server, FetchPolicy(attempts=2, backoff=0.01, min_rate=5000, rate_window=0.5,
                                deadline=10))
    assert time.monotonic() - started < 5


def test_the_whole_download_has_a_deadline(server: Served) -> None:
    server.plan[PATH] = ["slow"] * 5
    server.trickle = (16, 0.05)
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"did not finish within 1 s.*bytes kept in .*\.part"):
        get(server, FetchPolicy(attempts=5, backoff=0.01, min_rate=0, deadline=1.0))
    assert time.monotonic() - started < 3


def test_a_redirect_loop_is_one_line_error(server: Served, tmp_path: Path) -> None:
    server.plan[PATH] = ["loop"] * 50
    result = cli_download(server, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "redirects (a redirect loop?)" in error_line(result)


@pytest.mark.parametrize("keep", [100, 2000])  # cut inside the gzip header / inside the data
def test_a_truncated_tarball_is_one_line_error_and_leaves_the_cache(
        server: Served, tmp_path: Path, keep: int) -> None:
    server.files[PATH] = make_tarball()[:keep]
    result = cli_download(server, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    line = error_line(result)
    assert "damaged" in line and "removed from the cache" in line
    assert cached_files() == []
    server.files[PATH] = make_tarball()  # the next run downloads it anew and works
    result = cli_download(server, tmp_path)
    assert result.returncode == 0, result.stderr


def test_truncated_tarball_in_process_raises_tarball_error(server: Served) -> None:
    server.files[PATH] = make_tarball()[:100]
    with pytest.raises(TarballError, match="removed from the cache"):
        get(server, FetchPolicy(attempts=1))
