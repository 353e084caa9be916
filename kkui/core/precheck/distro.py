"""Distro facts: os-release parsing, package-manager family, package names, install commands."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from kkui.i18n import L_

# Distros kk v3 knows how to prepare (``kk init os``), by os-release ID.
APT_IDS = {"ubuntu", "debian", "uos", "deepin", "linuxmint", "raspbian"}
RPM_IDS = {"centos", "rhel", "rocky", "almalinux", "ol", "fedora", "kylin", "openeuler",
           "anolis", "amzn", "euleros", "tencentos", "opencloudos", "circle"}
ZYPPER_IDS = {"sles", "opensuse-leap", "opensuse", "opensuse-tumbleweed", "sled"}

# Tool (as kk looks it up) -> package per family; "*" is the default name.
PACKAGE_NAMES: dict[str, dict[str, str]] = {
    "socat": {"*": "socat"},
    "conntrack": {"apt": "conntrack", "*": "conntrack-tools"},
    "ebtables": {"*": "ebtables"},
    "ipset": {"*": "ipset"},
    "curl": {"*": "curl"},
    "openssl": {"*": "openssl"},
    "ipvsadm": {"*": "ipvsadm"},
    "chronyd": {"*": "chrony"},
    "sudo": {"*": "sudo"},
    "haproxy": {"*": "haproxy"},
    "keepalived": {"*": "keepalived"},
}


@dataclass(frozen=True)
class OsInfo:
    id: str = ""
    id_like: tuple[str, ...] = ()
    version_id: str = ""
    pretty_name: str = ""

    @property
    def ids(self) -> set[str]:
        return {self.id, *self.id_like} - {""}


def parse_os_release(text: str) -> OsInfo:
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, raw = line.partition("=")
        if not sep or not key.strip() or key.strip().startswith("#"):
            continue
        try:
            parts = shlex.split(raw)
        except ValueError:
            parts = [raw.strip("\"'")]
        values[key.strip()] = parts[0] if parts else ""
    return OsInfo(
        id=values.get("ID", "").lower(),
        id_like=tuple(values.get("ID_LIKE", "").lower().split()),
        version_id=values.get("VERSION_ID", ""),
        pretty_name=values.get("PRETTY_NAME") or " ".join(
            x for x in (values.get("NAME", ""), values.get("VERSION", "")) if x),
    )


def family_of(os_info: OsInfo, package_managers: dict[str, str]) -> str:
    """``apt``, ``dnf``, ``yum``, ``zypper``, or ``""`` when unknown."""
    ids = os_info.ids
    have = set(package_managers)
    if ids & APT_IDS or ("apt-get" in have and not ids & (RPM_IDS | ZYPPER_IDS)):
        return "apt"
    if ids & ZYPPER_IDS or ("zypper" in have and not ids & RPM_IDS):
        return "zypper"
    if ids & RPM_IDS or have & {"dnf", "yum"}:
        if "dnf" in have:
            return "dnf"
        if "yum" in have:
            return "yum"
        # Nothing found on PATH: guess from the release (EL8+ ship dnf).
        major = os_info.version_id.split(".")[0]
        return "yum" if os_info.id in {"centos", "rhel", "ol"} and major in {"6", "7"} else "dnf"
    return ""


def package_for(tool: str, family: str) -> str:
    names = PACKAGE_NAMES.get(tool, {"*": tool})
    return names.get(family, names["*"])


def install_command(family: str, packages: list[str] | tuple[str, ...],
                    sudo_prefix: str = "") -> str:
    """The command a person would type on that host."""
    pkgs = " ".join(dict.fromkeys(packages))
    if family == "apt":
        return f"{sudo_prefix}apt-get install -y {pkgs}"
    if family in ("dnf", "yum"):
        return f"{sudo_prefix}{family} install -y {pkgs}"
    if family == "zypper":
        return f"{sudo_prefix}zypper --non-interactive install {pkgs}"
    return L_("install the package(s) providing: {packages}", packages=pkgs)


def install_script(family: str, packages: list[str] | tuple[str, ...]) -> str:
    """What ``--fix`` runs as root: non-interactive, refreshing apt's index only if needed."""
    pkgs = " ".join(shlex.quote(p) for p in dict.fromkeys(packages))
    if family == "apt":
        apt = f"DEBIAN_FRONTEND=noninteractive apt-get install -y {pkgs}"
        return f"{apt} || {{ apt-get update -q && {apt}; }}"
    if family in ("dnf", "yum"):
        return f"{family} install -y {pkgs}"
    if family == "zypper":
        return f"zypper --non-interactive install {pkgs}"
    raise ValueError(f"no package manager for family {family!r}")
