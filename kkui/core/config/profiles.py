"""Bundled example configs (``profiles/*.yaml``): each teaches the topology it describes."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kkui.core.errors import ConfigError
from kkui.i18n import L_, N_

if TYPE_CHECKING:
    from kkui.core.config.model import ClusterModel

_PACKAGE = Path(__file__).resolve().parents[2]  # .../kkui


def profiles_dir() -> Path:
    """``profiles/`` beside the package in a checkout, ``kkui/_profiles`` in a wheel."""
    for candidate in (_PACKAGE.parent / "profiles", _PACKAGE / "_profiles"):
        if candidate.is_dir():
            return candidate
    raise ConfigError(L_("the bundled profiles are missing from this installation"))


# The bundled profiles' descriptions (the first comment line of each file) as catalog ids: the
# picker and `kkui profiles` show them translated; a profile whose line is not listed here is
# shown as written (tests/config/test_validate_zh.py checks that every bundled one is).
DESCRIPTIONS = (
    N_("One node as etcd, control plane and worker (labs, CI)."),
    N_("An HAProxy + Keepalived pair (VRRP VIP) before 3 masters."),
    N_("3 masters behind kk's haproxy on every worker."),
    N_("The 3 masters share a virtual IP themselves (kube-vip)."),
)


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    description: str


def _description(path: Path) -> str:
    """The first comment line of the file is the one-line description."""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            # "Made from kkui's <name> profile: <what it is>" stays true in a copy the
            # operator edits (issue #11); the picker shows only what the profile is
            text = stripped.lstrip("#").strip()
            what = text.partition(" profile: ")[2] or text
            return L_(what[:1].upper() + what[1:])  # English; shown() translates a known one
        if stripped:
            break
    return ""


def list_profiles() -> list[Profile]:
    return [Profile(p.stem, p, _description(p)) for p in sorted(profiles_dir().glob("*.yaml"))]


def profile_path(name: str) -> Path:
    path = profiles_dir() / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(p.name for p in list_profiles())
        raise ConfigError(L_("no bundled profile named {name} (available: {known})",
                             name=repr(name), known=known))
    return path


# The bundled profiles' host addresses: connecting to them is almost always a mistake (the
# operator has not replaced them yet), so precheck and install ask first.
EXAMPLE_NET = ipaddress.ip_network("192.168.233.0/24")


def uses_example_addresses(model: ClusterModel) -> bool:
    """Whether any host (kk's or the LB pair's) still has a profile's example address."""
    for host in (*model.hosts, *model.kkui.load_balancer.hosts):
        try:
            if ipaddress.ip_address(host.address) in EXAMPLE_NET:
                return True
        except ValueError:
            continue
    return False
