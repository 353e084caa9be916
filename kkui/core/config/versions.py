"""Kubernetes versions that kk v3.1.12 can install (shipped as package data)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

KK_DATA_VERSION = "v3.1.12"
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = _SEMVER.match(text.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


@cache
def supported_kubernetes_versions() -> tuple[str, ...]:
    data = resources.files("kkui.core.config").joinpath("data/supported-k8s-v3.1.12.txt")
    lines = data.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def is_supported(version: str) -> bool:
    return version in supported_kubernetes_versions()


def nearest_supported(version: str, count: int = 3) -> list[str]:
    """The supported versions closest to ``version`` (same minor first), newest first."""
    wanted = parse_version(version)
    versions = supported_kubernetes_versions()
    if wanted is None:
        return list(versions[-count:][::-1])
    same_minor = [v for v in versions if (parse_version(v) or (0, 0, 0))[:2] == wanted[:2]]
    if same_minor:
        return sorted(same_minor, key=lambda v: abs((parse_version(v) or wanted)[2] - wanted[2]))[
            :count
        ]

    def distance(v: str) -> tuple[int, int]:
        parsed = parse_version(v) or (0, 0, 0)
        return (abs(parsed[0] * 100 + parsed[1] - wanted[0] * 100 - wanted[1]), -parsed[2])

    return sorted(versions, key=distance)[:count]
