"""kk download errors in Chinese (issue #16), each caused for real against a loopback HTTP
server: shown translated with URLs, paths and options untouched; ``str(exc)`` stays English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kk.httpserver import Served, make_tarball, serve

from kkui import i18n
from kkui.core.download import (
    DownloadError,
    FetchPolicy,
    IntegrityError,
    TarballError,
    VersionError,
    normalize_version,
    obtain_kk,
)
from kkui.i18n import shown

FAST = FetchPolicy(attempts=3, backoff=0.01)
V = "v3.1.12"
PATH = f"/mirror/{V}/kubekey-{V}-linux-amd64.tar.gz"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def server() -> Served:
    with serve() as served:
        served.files[PATH] = make_tarball()
        yield served


def chinese(exc: BaseException) -> str:
    message = exc.args[0]
    assert not CJK.search(str(exc)), str(exc)  # logs and records get English
    i18n.set_language("zh")
    try:
        text = shown(message)
    finally:
        i18n.set_language("en")
    assert CJK.search(text) and "{" not in text, text
    return text


def get(served: Served, version: str = V, **kwargs):
    return obtain_kk(version, arch="amd64", base_url=served.base + "/mirror", policy=FAST,
                     **kwargs)


def test_not_found_truncated_and_mismatch_are_chinese(server: Served) -> None:
    with pytest.raises(DownloadError) as missing:
        get(server, "v3.1.99")
    text = chinese(missing.value)
    assert "找不到" in text and "v3.1.99/kubekey-v3.1.99-linux-amd64.tar.gz" in text
    assert "请检查 --base-url" in text
    server.plan[PATH] = ["trunc", "trunc", "trunc"]
    with pytest.raises(DownloadError) as cut:
        get(server)
    text = chinese(cut.value)
    assert "尝试 3 次后失败" in text and "下次运行会从那里续传" in text
    server.plan.pop(PATH)
    with pytest.raises(IntegrityError) as wrong:
        get(server, sha256="0" * 64)
    assert "--sha256 给出的摘要" in chinese(wrong.value)


def test_refused_tarballs_and_versions_are_chinese(server: Served) -> None:
    server.files[PATH] = make_tarball({"kk": b"x", "../evil": b"boom"})
    with pytest.raises(TarballError) as climbing:
        get(server)
    text = chinese(climbing.value)
    assert "用 '..' 跳出了目录" in text and "已从缓存中删除" in text
    with pytest.raises(VersionError) as v4:
        normalize_version("v4.0.0")
    assert "--version v3.1.12" in chinese(v4.value)
