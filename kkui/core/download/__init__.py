"""Getting the kk binary: release URLs, streaming download, integrity, safe extraction, cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kkui.core.lazy import exports_of, lazy_getattr

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from kkui.core.download.cache import (
        IntegrityError as IntegrityError,
    )
    from kkui.core.download.cache import (
        KkBinary as KkBinary,
    )
    from kkui.core.download.cache import (
        cache_root as cache_root,
    )
    from kkui.core.download.cache import (
        kk_cache_dir as kk_cache_dir,
    )
    from kkui.core.download.cache import (
        lock_path as lock_path,
    )
    from kkui.core.download.cache import (
        obtain_kk as obtain_kk,
    )
    from kkui.core.download.cache import (
        sha256_of as sha256_of,
    )
    from kkui.core.download.fetch import (
        DownloadCancelled as DownloadCancelled,
    )
    from kkui.core.download.fetch import (
        DownloadError as DownloadError,
    )
    from kkui.core.download.fetch import (
        DownloadProgress as DownloadProgress,
    )
    from kkui.core.download.fetch import (
        FetchPolicy as FetchPolicy,
    )
    from kkui.core.download.fetch import (
        fetch as fetch,
    )
    from kkui.core.download.release import (
        CN_BASE as CN_BASE,
    )
    from kkui.core.download.release import (
        DEFAULT_KK_VERSION as DEFAULT_KK_VERSION,
    )
    from kkui.core.download.release import (
        GLOBAL_BASE as GLOBAL_BASE,
    )
    from kkui.core.download.release import (
        VersionError as VersionError,
    )
    from kkui.core.download.release import (
        host_arch as host_arch,
    )
    from kkui.core.download.release import (
        normalize_version as normalize_version,
    )
    from kkui.core.download.release import (
        release_url as release_url,
    )
    from kkui.core.download.release import (
        resolve_zone as resolve_zone,
    )
    from kkui.core.download.release import (
        tarball_name as tarball_name,
    )
    from kkui.core.download.tarball import (
        TarballError as TarballError,
    )
    from kkui.core.download.tarball import (
        extract_kk as extract_kk,
    )

__getattr__ = lazy_getattr(globals(), exports_of({
    "kkui.core.download.cache": ("IntegrityError", "KkBinary", "cache_root", "kk_cache_dir",
        "lock_path", "obtain_kk", "sha256_of"),
    "kkui.core.download.fetch": ("DownloadCancelled", "DownloadError", "DownloadProgress",
        "FetchPolicy", "fetch"),
    "kkui.core.download.release": ("CN_BASE", "DEFAULT_KK_VERSION", "GLOBAL_BASE",
        "VersionError", "host_arch", "normalize_version", "release_url", "resolve_zone",
        "tarball_name"),
    "kkui.core.download.tarball": ("TarballError", "extract_kk"),
}))
