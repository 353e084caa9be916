"""Where kk v3 releases live (shared/KUBEKEY.md, "Getting kk") and which one this machine needs."""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Mapping

from kkui.core.errors import KkuiError
from kkui.i18n import L_

DEFAULT_KK_VERSION = "v3.1.12"
GLOBAL_BASE = "https://github.com/kubesphere/kubekey/releases/download"
CN_BASE = "https://kubernetes.pek3b.qingstor.com/kubekey/releases/download"
ZONES = ("global", "cn")
ARCHES = ("amd64", "arm64")

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?")
_UNAME_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
               "armv8": "arm64", "armv8l": "arm64", "aarch64_be": "arm64"}


class VersionError(KkuiError):
    exit_code = 2


def normalize_version(version: str) -> str:
    """``3.1.12`` -> ``v3.1.12``; refuse what is not a kk v3-style release version."""
    match = _VERSION.fullmatch(version.strip())
    if match is None:
        raise VersionError(L_("kk version {version} is not a release version such as "
                              "{example}", version=repr(version), example=DEFAULT_KK_VERSION))
    major = int(match.group(1))
    if major >= 4:
        raise VersionError(L_(
            "kk {version} is KubeKey v{major}, which uses a different config format "
            "(Inventory + Config resources) and cannot read the kk v3 Cluster config that "
            "kkui writes. kkui drives kk v3: use --version {newest} (the newest v3 release).",
            version=version, major=major, newest=DEFAULT_KK_VERSION))
    return "v" + version.strip().lstrip("v")


def resolve_zone(cli_zone: str | None = None, env: Mapping[str, str] | None = None,
                 config_zone: str | None = None) -> str:
    """--zone, else KKZONE from the environment, else kkui's document, else global."""
    if cli_zone:
        zone = cli_zone.strip().lower()
        if zone not in ZONES:
            raise KkuiError(L_("--zone {zone}: use cn or global", zone=repr(cli_zone)))
        return zone
    kkzone = (os.environ if env is None else env).get("KKZONE", "").strip().lower()
    if kkzone:
        return "cn" if kkzone == "cn" else "global"  # kk itself only knows "cn"
    if config_zone and config_zone.strip().lower() in ZONES:
        return config_zone.strip().lower()
    return "global"


def host_arch(machine: str | None = None) -> str:
    """kk's arch name for this machine (``uname -m``)."""
    name = (machine or platform.machine()).lower()
    arch = _UNAME_ARCH.get(name) or ("arm64" if name.startswith("armv8") else None)
    if arch is None:
        raise KkuiError(L_("kk is published for amd64 and arm64 only, this machine is "
                           "{machine}; pass --arch amd64 or --arch arm64 to fetch one anyway",
                           machine=repr(name)))
    return arch


def tarball_name(version: str, arch: str) -> str:
    return f"kubekey-{version}-linux-{arch}.tar.gz"


def release_url(version: str, arch: str, zone: str = "global", base_url: str | None = None) -> str:
    """``<base>/<version>/kubekey-<version>-linux-<arch>.tar.gz`` (both official bases and any
    mirror given with --base-url share this layout)."""
    base = base_url or (CN_BASE if zone == "cn" else GLOBAL_BASE)
    return f"{base.rstrip('/')}/{version}/{tarball_name(version, arch)}"
