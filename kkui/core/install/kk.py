"""Which kk runs (given or downloaded, with its sha256) and the workdir kk runs in."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kkui.core.errors import ConfigError
from kkui.core.fsutil import atomic_copy, atomic_write
from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.download import DownloadProgress, KkBinary
    from kkui.core.install.plan import InstallPlan


@dataclass(frozen=True)
class ResolvedKk:
    path: Path  # the binary to place in the workdir
    version: str  # "" when the operator gave a binary (kkui does not guess its version)
    sha256: str  # of the release tarball for a download, of the binary for --kk
    downloaded: KkBinary | None = None  # what obtain_kk returned (cache, pin, source)

    @property
    def description(self) -> str:
        if self.downloaded is None:
            return L_("kk at {path} (sha256 {sha}…, version not checked)", path=str(self.path),
                      sha=self.sha256[:12])
        if self.downloaded.from_cache:
            return L_("kk {version} (cached, tarball sha256 {sha}…)", version=self.version,
                      sha=self.sha256[:12])
        return L_("kk {version} (downloaded, tarball sha256 {sha}…)", version=self.version,
                  sha=self.sha256[:12])


def resolve_kk(plan: InstallPlan, *,
               on_progress: Callable[[DownloadProgress], None] | None = None,
               cancel: threading.Event | None = None) -> ResolvedKk:
    """The operator's binary (checked: a file, executable), else kk ``plan.kk_version`` from the
    cache or a download in ``plan.zone`` (raises DownloadCancelled when ``cancel`` is set)."""
    if plan.kk_binary is not None:
        from kkui.core.download.cache import sha256_of

        path = Path(plan.kk_binary).expanduser()
        if not path.is_file():
            raise ConfigError(L_("--kk {path}: no such file", path=str(path)))
        if not os.access(path, os.X_OK):
            raise ConfigError(L_("--kk {path}: not executable (chmod +x {path})",
                                 path=str(path)))
        return ResolvedKk(path=path, version="", sha256=sha256_of(path))
    from kkui.core.download import obtain_kk  # httpx: only when kk is downloaded

    result = obtain_kk(plan.kk_version, zone=plan.zone, base_url=plan.base_url,
                       on_progress=on_progress, cancel=cancel)
    return ResolvedKk(path=result.path, version=result.version, sha256=result.sha256,
                      downloaded=result)


def prepare_workdir(plan: InstallPlan, kk: ResolvedKk) -> None:
    """WORKDIR (0700) with kk's documents only in config-sample.yaml (0600: it may hold SSH
    passwords) and ./kk copied atomically (kk puts kubekey/ next to the path it runs as)."""
    plan.workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(plan.kk_config_path, plan.kk_text, mode=0o600, keep_backup=False)
    atomic_copy(kk.path, plan.kk_path, mode=0o755)
