"""Obtain kk: cached per version/arch, integrity pinned by sha256, copied where asked."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kkui.core.download.fetch import (
    DownloadError,
    DownloadProgress,
    FetchPolicy,
    NotFoundError,
    fetch,
)
from kkui.core.download.release import (
    ARCHES,
    DEFAULT_KK_VERSION,
    host_arch,
    normalize_version,
    release_url,
    tarball_name,
)
from kkui.core.download.tarball import TarballError, extract_kk
from kkui.core.errors import KkuiError
from kkui.core.fsutil import atomic_copy, atomic_write
from kkui.i18n import L_

LOCK_NAME = "kk-sha256.lock.json"
DEFAULT_POLICY = FetchPolicy()
_HEX64 = re.compile(r"[0-9a-f]{64}")


class IntegrityError(DownloadError):
    """The tarball's sha256 is not the expected one."""


@dataclass(frozen=True)
class KkBinary:
    path: Path  # the cached, executable kk
    version: str
    arch: str
    sha256: str  # of the release tarball
    source: str  # URL or file it came from
    from_cache: bool = False
    pinned_now: bool = False  # the digest was recorded in the lock file by this call
    copied_to: Path | None = None


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/kkui`` (default ``~/.cache/kkui``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kkui"


def kk_cache_dir(version: str, arch: str) -> Path:
    return cache_root() / "kk" / version / f"linux-{arch}"


def lock_path() -> Path:
    return cache_root() / "kk" / LOCK_NAME


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_lock() -> dict[str, dict[str, str]]:
    path = lock_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise KkuiError(L_("{path} is unreadable ({error}); fix or delete it (it only pins the "
                           "sha256 of downloaded kk tarballs)", path=str(path), error=str(exc))
                        ) from None
    return data if isinstance(data, dict) else {}


def _pin(key: str, digest: str, source: str) -> None:
    data = read_lock()
    data[key] = {"sha256": digest, "source": source,
                 "recorded": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    atomic_write(lock_path(), json.dumps(data, indent=2, sort_keys=True) + "\n", mode=0o644,
                 keep_backup=False)


@contextlib.contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """Two kkui processes fetching the same version wait for each other."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / ".lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:  # O_NOFOLLOW: a planted symlink is never truncated
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check(digest: str, expected: str | None, origin: str, source: str, key: str) -> None:
    if expected is None or digest == expected:
        return
    if origin == "lock":
        why = L_("the digest recorded in {lock} when {key} was first downloaded. Someone may "
                 "have altered the file, or the release was re-published. If you trust the new "
                 "file, remove that entry from the lock file (or pass --sha256)",
                 lock=str(lock_path()), key=key)
    else:
        why = L_("the digest given with --sha256")
    raise IntegrityError(L_("sha256 of {source} is {digest}, which does not match {expected}, "
                            "{why}.", source=source, digest=digest, expected=expected, why=why))


def obtain_kk(version: str = DEFAULT_KK_VERSION, *, zone: str = "global",
              arch: str | None = None, base_url: str | None = None, sha256: str | None = None,
              from_file: str | os.PathLike[str] | None = None,
              dest: str | os.PathLike[str] | None = None,
              on_progress: Callable[[DownloadProgress], None] | None = None,
              policy: FetchPolicy = DEFAULT_POLICY, refresh: bool = False,
              cancel: threading.Event | None = None) -> KkBinary:
    """Return an executable kk for ``version``/``arch``, downloading it when not cached.

    Integrity: ``sha256`` when given; otherwise the digest pinned in the lock file by the
    first download of this version/arch must match (the first one is pinned).
    Setting ``cancel`` stops a download with :class:`DownloadCancelled`; its ``.part`` file
    stays in the cache and the next call resumes it.
    """
    version = normalize_version(version)
    arch = arch or host_arch()
    if arch not in ARCHES:
        raise KkuiError(L_("--arch {arch}: kk is published for amd64 and arm64",
                           arch=repr(arch)))
    expected = origin = None
    if sha256:
        expected, origin = sha256.strip().lower(), "cli"
        if not _HEX64.fullmatch(expected):
            raise KkuiError(L_("--sha256 {digest} is not a sha256 digest (64 hex digits)",
                               digest=repr(sha256)))
    key = f"{version}/linux-{arch}"
    cache = kk_cache_dir(version, arch)
    with _exclusive(cache):
        if expected is None and (pinned := read_lock().get(key, {}).get("sha256")):
            expected, origin = pinned, "lock"
        tarball = cache / tarball_name(version, arch)
        if from_file is not None:
            source_file = Path(from_file).expanduser()
            if not source_file.is_file():
                raise KkuiError(L_("--from-file {path}: no such file", path=str(source_file)))
            digest = sha256_of(source_file)
            _check(digest, expected, origin or "", str(source_file), key)
            kk = extract_kk(source_file, cache)  # validate before caching the tarball
            if source_file.resolve() != tarball.resolve():
                atomic_copy(source_file, tarball, mode=0o644)
            source, from_cache = str(source_file), False
        elif not refresh and tarball.is_file() and (cache / "kk").is_file() \
                and (expected is None or sha256_of(tarball) == expected):
            digest = expected or sha256_of(tarball)
            kk, source, from_cache = cache / "kk", str(tarball), True
        else:
            source = release_url(version, arch, base_url=base_url, zone=zone)
            digest = _download(source, tarball, version, zone, base_url, on_progress, policy,
                               cancel)
            try:
                _check(digest, expected, origin or "", source, key)
                kk, from_cache = extract_kk(tarball, cache), False
            except TarballError as exc:  # a cut or bad tarball must not stay in the cache
                tarball.unlink(missing_ok=True)
                error = exc.args[0] if exc.args else str(exc)  # an L_ stays translatable
                raise TarballError(L_("{error}; it was removed from the cache, run again to "
                                      "download it anew", error=error)) from None
            except IntegrityError:
                tarball.unlink(missing_ok=True)
                raise
        pinned_now = False
        if origin != "lock" and key not in read_lock():
            _pin(key, digest, source)
            pinned_now = True
    copied = _copy_to(kk, Path(dest).expanduser()) if dest is not None else None
    return KkBinary(kk, version, arch, digest, source, from_cache, pinned_now, copied)


def _download(url: str, tarball: Path, version: str, zone: str, base_url: str | None,
              on_progress: Callable[[DownloadProgress], None] | None,
              policy: FetchPolicy, cancel: threading.Event | None = None) -> str:
    part = tarball.with_name(tarball.name + ".part")
    try:
        fetch(url, part, policy=policy, on_progress=on_progress, cancel=cancel)
    except NotFoundError:
        other = "global" if zone == "cn" else "cn"
        switch = (L_("check --base-url") if base_url else
                  L_("or switch the zone (--zone {zone}): the cn mirror sometimes lags behind "
                     "GitHub", zone=other))
        raise DownloadError(L_(
            "{url} was not found (HTTP 404). Check the kk version ({version}; releases are "
            "listed at https://github.com/kubesphere/kubekey/releases) {switch}.", url=url,
            version=version, switch=switch)) from None
    digest = sha256_of(part)
    os.replace(part, tarball)
    return digest


def _copy_to(kk: Path, dest: Path) -> Path:
    """``--dest DIR``: DIR/kk (0755), replaced atomically."""
    if dest.exists() and not dest.is_dir():
        raise KkuiError(L_("--dest {path} is a file; give the directory that should hold kk",
                           path=str(dest)))
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / "kk"
    atomic_copy(kk, target, mode=0o755)
    return target
    fd, tmp = tempfile.mkstemp(prefix=".kk.", dir=dest)
    try:
        with os.fdopen(fd, "wb") as out, open(kk, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target
