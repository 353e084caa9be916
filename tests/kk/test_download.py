"""kk downloads against a real HTTP server on 127.0.0.1 (shared/KUBEKEY.md "Getting kk")."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from kk.httpserver import Served, make_tarball, serve

from kkui.core.download import (
    CN_BASE,
    GLOBAL_BASE,
    DownloadCancelled,
    DownloadError,
    FetchPolicy,
    IntegrityError,
    TarballError,
    VersionError,
    host_arch,
    kk_cache_dir,
    lock_path,
    normalize_version,
    obtain_kk,
    release_url,
    resolve_zone,
)
from kkui.core.errors import KkuiError

FAST = FetchPolicy(attempts=3, backoff=0.01)
V = "v3.1.12"
PATH = f"/mirror/{V}/kubekey-{V}-linux-amd64.tar.gz"


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def server() -> Served:
    with serve() as served:
        served.files[PATH] = make_tarball()
        yield served


def get(served: Served, **kwargs):
    return obtain_kk(V, arch="amd64", base_url=served.base + "/mirror", policy=FAST, **kwargs)


# -- URLs, versions, zones, arch --------------------------------------------------------------

def test_release_urls_follow_kk_layout() -> None:
    assert release_url(V, "amd64") == (
        "https://github.com/kubesphere/kubekey/releases/download/v3.1.12/"
        "kubekey-v3.1.12-linux-amd64.tar.gz")
    assert release_url(V, "arm64", zone="cn") == (
        "https://kubernetes.pek3b.qingstor.com/kubekey/releases/download/v3.1.12/"
        "kubekey-v3.1.12-linux-arm64.tar.gz")
    assert release_url(V, "amd64", base_url="http://m/x/") == (
        "http://m/x/v3.1.12/kubekey-v3.1.12-linux-amd64.tar.gz")
    assert GLOBAL_BASE.endswith("/releases/download") and CN_BASE.endswith("/releases/download")


def test_v4_refused_with_explanation() -> None:
    with pytest.raises(VersionError, match="different config format") as info:
        normalize_version("v4.0.0")
    assert "v3.1.12" in str(info.value) and info.value.exit_code == 2
    with pytest.raises(VersionError):
        normalize_version("latest")
    assert normalize_version("3.1.10") == "v3.1.10"


def test_zone_resolution_order() -> None:
    assert resolve_zone("cn", {"KKZONE": ""}, "global") == "cn"
    assert resolve_zone(None, {"KKZONE": "cn"}, "global") == "cn"
    assert resolve_zone(None, {"KKZONE": "elsewhere"}, "cn") == "global"
    assert resolve_zone(None, {}, "cn") == "cn"
    assert resolve_zone(None, {}, None) == "global"
    with pytest.raises(KkuiError):
        resolve_zone("mars", {}, None)


def test_arch_from_uname() -> None:
    assert host_arch("x86_64") == "amd64"
    assert host_arch("aarch64") == "arm64"
    assert host_arch("armv8l") == "arm64"
    with pytest.raises(KkuiError, match="--arch"):
        host_arch("riscv64")


# -- downloads ----------------------------------------------------------------------------------

def test_download_extract_cache_and_pin(server: Served, cache: Path) -> None:
    first = get(server)
    assert first.path == kk_cache_dir(V, "amd64") / "kk"
    assert first.path.stat().st_mode & 0o777 == 0o755
    out = subprocess.run([str(first.path), "version"], capture_output=True, text=True, check=True)
    assert "v3.1.12" in out.stdout
    assert first.sha256 == hashlib.sha256(server.files[PATH]).hexdigest()
    assert first.pinned_now and not first.from_cache
    lock = json.loads(lock_path().read_text())
    assert lock[f"{V}/linux-amd64"]["sha256"] == first.sha256
    assert str(lock_path()).startswith(str(cache))
    again = get(server)
    assert again.from_cache and again.sha256 == first.sha256
    assert len(server.requests) == 1, "a cached kk is not fetched again"


def test_later_download_must_match_the_pinned_digest(server: Served) -> None:
    get(server)
    server.files[PATH] = make_tarball(pad=1000)  # "re-published" with other bytes
    with pytest.raises(IntegrityError, match="does not match") as info:
        get(server, refresh=True)
    assert str(lock_path()) in str(info.value)
    tarball = kk_cache_dir(V, "amd64") / f"kubekey-{V}-linux-amd64.tar.gz"
    assert not tarball.exists(), "a tarball failing the check is not kept"


def test_wrong_sha256_option(server: Served) -> None:
    with pytest.raises(IntegrityError, match="--sha256"):
        get(server, sha256="0" * 64)
    assert not (kk_cache_dir(V, "amd64") / "kk").exists()
    good = hashlib.sha256(server.files[PATH]).hexdigest()
    assert get(server, sha256=good.upper()).sha256 == good
    with pytest.raises(KkuiError, match="64 hex"):
        get(server, sha256="abc")


def test_range_resume_after_a_cut(server: Served) -> None:
    server.plan[PATH] = ["cut"]
    size = len(server.files[PATH])
    seen = []
    result = get(server, on_progress=seen.append)
    assert result.sha256 == hashlib.sha256(server.files[PATH]).hexdigest()
    assert [r for _, r in server.requests] == [None, f"bytes={size // 2}-"]
    assert seen[-1].received == size and seen[-1].resumed_from == size // 2
    assert seen[-1].total == size


def test_resume_from_part_left_by_an_earlier_run(server: Served) -> None:
    cache_dir = kk_cache_dir(V, "amd64")
    cache_dir.mkdir(parents=True)
    (cache_dir / f"kubekey-{V}-linux-amd64.tar.gz.part").write_bytes(server.files[PATH][:1000])
    get(server)
    assert server.requests == [(PATH, "bytes=1000-")]


def test_server_without_range_support_restarts_cleanly(server: Served) -> None:
    cache_dir = kk_cache_dir(V, "amd64")
    cache_dir.mkdir(parents=True)
    (cache_dir / f"kubekey-{V}-linux-amd64.tar.gz.part").write_bytes(b"garbage")
    server.plan[PATH] = ["norange"]
    assert get(server).sha256 == hashlib.sha256(server.files[PATH]).hexdigest()


def test_404_names_url_and_suggests_version_or_zone(server: Served) -> None:
    with pytest.raises(DownloadError) as info:
        obtain_kk("v3.1.99", arch="amd64", base_url=server.base + "/mirror", policy=FAST)
    message = str(info.value)
    assert f"{server.base}/mirror/v3.1.99/kubekey-v3.1.99-linux-amd64.tar.gz" in message
    assert "404" in message and "version" in message
    assert len(server.requests) == 1, "a 404 is not retried"


def test_500_then_200_is_retried(server: Served) -> None:
    server.plan[PATH] = ["500", "ok"]
    get(server)
    assert [p for p, _ in server.requests] == [PATH, PATH]


def test_truncated_body_every_time_fails_and_keeps_part(server: Served) -> None:
    server.plan[PATH] = ["trunc", "trunc", "trunc"]
    with pytest.raises(DownloadError, match="after 3 attempts") as info:
        get(server)
    assert "next run resumes" in str(info.value)
    part = kk_cache_dir(V, "amd64") / f"kubekey-{V}-linux-amd64.tar.gz.part"
    assert 0 < part.stat().st_size < len(server.files[PATH])
    assert not (kk_cache_dir(V, "amd64") / "kk").exists()


class Background:
    """obtain_kk in a thread, as the TUI runs it; ``cancel`` is the operator's button."""

    def __init__(self, served: Served, policy: FetchPolicy = FAST) -> None:
        self.cancel = threading.Event()
        self.progressed = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(served, policy), daemon=True)
        self.thread.start()

    def _run(self, served: Served, policy: FetchPolicy) -> None:
        try:
            obtain_kk(V, arch="amd64", base_url=served.base + "/mirror", policy=policy,
                      cancel=self.cancel, on_progress=lambda p: self.progressed.set())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc

    def cancel_and_wait(self) -> float:
        """Seconds from the cancel until obtain_kk returned."""
        started = time.monotonic()
        self.cancel.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the download ignored the cancel"
        return time.monotonic() - started


PART = f"kubekey-{V}-linux-amd64.tar.gz.part"


def test_cancel_mid_download_stops_fast_keeps_part_and_next_run_resumes(
        server: Served) -> None:
    server.plan[PATH] = ["slow"]  # ~50 KB/s: the whole tarball would take seconds
    run = Background(server)
    assert run.progressed.wait(10)
    assert run.cancel_and_wait() < 1.0
    assert isinstance(run.error, DownloadCancelled) and run.error.exit_code == 130
    part = kk_cache_dir(V, "amd64") / PART
    kept = part.stat().st_size
    size = len(server.files[PATH])
    assert 0 < kept < size and run.error.kept == kept
    assert str(part) in str(run.error) and "resumes" in str(run.error)
    assert part.read_bytes() == server.files[PATH][:kept], "the kept bytes are the file's head"
    assert not (kk_cache_dir(V, "amd64") / "kk").exists()
    assert f"{V}/linux-amd64" not in (json.loads(lock_path().read_text())
                                      if lock_path().exists() else {}), "nothing pinned"
    result = get(server)  # a later run continues where the cancelled one stopped
    assert server.requests[-1] == (PATH, f"bytes={kept}-")
    assert result.sha256 == hashlib.sha256(server.files[PATH]).hexdigest()
    assert not part.exists()


def test_cancel_while_the_server_sends_nothing(server: Served) -> None:
    # One piece, then silence with the connection open: only the read timeout (30 s here)
    # would end the read, so the cancel has to wake it.
    server.plan[PATH] = ["stall"]
    server.trickle = (4096, 0.0)
    run = Background(server, FetchPolicy(attempts=3, backoff=0.01, read_timeout=30))
    assert run.progressed.wait(10)
    assert run.cancel_and_wait() < 1.0
    assert isinstance(run.error, DownloadCancelled)
    assert (kk_cache_dir(V, "amd64") / PART).stat().st_size == 4096


def test_cancel_during_the_backoff_pause(server: Served) -> None:
    server.plan[PATH] = ["500"] * 5
    run = Background(server, FetchPolicy(attempts=5, backoff=30))
    deadline = time.monotonic() + 10
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.requests, "the first attempt never reached the server"
    assert run.cancel_and_wait() < 1.0
    assert isinstance(run.error, DownloadCancelled)
    assert "kept" not in str(run.error)  # nothing was received
    assert len(server.requests) == 1, "no retry after the cancel"


def test_connection_refused_is_retried_then_reported(tmp_path: Path) -> None:
    with serve() as served:
        base = served.base
    with pytest.raises(DownloadError, match="cannot connect"):
        obtain_kk(V, arch="amd64", base_url=base, policy=FAST)


@pytest.mark.parametrize(("tarball", "reason"), [
    (lambda: make_tarball({"kk": b"x", "../evil": b"boom"}), "'..'"),
    (lambda: make_tarball({"/abs/kk": b"x"}), "absolute"),
    (lambda: make_tarball({"kk": b"x"}, symlink="link"), "link"),
    (lambda: make_tarball({"README.md": b"hello"}), "no 'kk'"),
])
def test_unsafe_or_useless_tarballs_refused(server: Served, tmp_path: Path, tarball,
                                            reason: str) -> None:
    server.files[PATH] = tarball()
    with pytest.raises(TarballError, match=reason):
        get(server)
    assert not (kk_cache_dir(V, "amd64") / "kk").exists()
    assert not (tmp_path / "evil").exists() and not (tmp_path / "cache" / "kk" / "evil").exists()


def test_device_entry_refused(tmp_path: Path) -> None:
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("kk")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
        dev = tarfile.TarInfo("null")
        dev.type = tarfile.CHRTYPE
        dev.devmajor, dev.devminor = 1, 3
        tar.addfile(dev)
    tarball = tmp_path / "dev.tar.gz"
    tarball.write_bytes(buf.getvalue())
    with pytest.raises(TarballError, match="device"):
        obtain_kk(V, arch="amd64", from_file=tarball)


def test_from_file_and_dest(tmp_path: Path) -> None:
    tarball = tmp_path / "kubekey.tar.gz"
    tarball.write_bytes(make_tarball(pad=10))
    dest = tmp_path / "bin"
    result = obtain_kk(V, arch="arm64", from_file=tarball, dest=dest)
    assert result.copied_to == dest / "kk"
    assert (dest / "kk").read_bytes() == result.path.read_bytes()
    assert os.access(dest / "kk", os.X_OK)
    assert result.source == str(tarball)
    with pytest.raises(KkuiError, match="no such file"):
        obtain_kk(V, arch="arm64", from_file=tmp_path / "missing.tar.gz")
