"""Getting the kk binary: release URLs, streaming download, integrity, safe extraction, cache."""

from kkui.core.download.cache import (
    IntegrityError,
    KkBinary,
    cache_root,
    kk_cache_dir,
    lock_path,
    obtain_kk,
    sha256_of,
)
from kkui.core.download.fetch import (
    DownloadCancelled,
    DownloadError,
    DownloadProgress,
    FetchPolicy,
    fetch,
)
from kkui.core.download.release import (
    CN_BASE,
    DEFAULT_KK_VERSION,
    GLOBAL_BASE,
    VersionError,
    host_arch,
    normalize_version,
    release_url,
    resolve_zone,
    tarball_name,
)
from kkui.core.download.tarball import TarballError, extract_kk

__all__ = [
    "CN_BASE", "DEFAULT_KK_VERSION", "GLOBAL_BASE", "DownloadCancelled", "DownloadError",
    "DownloadProgress", "FetchPolicy", "IntegrityError", "KkBinary", "TarballError",
    "VersionError", "cache_root", "extract_kk", "fetch", "host_arch", "kk_cache_dir",
    "lock_path", "normalize_version", "obtain_kk", "release_url", "resolve_zone", "sha256_of",
    "tarball_name",
]
