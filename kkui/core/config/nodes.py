"""Small helpers over ruamel round-trip nodes that keep the file's own style."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import ScalarString


def split_path(dotted: str) -> list[str]:
    return [part for part in dotted.strip().split(".") if part]


def flow_map(values: Mapping[str, Any]) -> CommentedMap:
    node = CommentedMap(values)
    node.fa.set_flow_style()
    return node


def set_preserving_style(parent: Any, key: Any, value: Any) -> None:
    """Set a value, keeping the old scalar's quote style (``""`` stays double-quoted)."""
    old = parent[key] if (isinstance(parent, dict) and key in parent) or (
        isinstance(parent, list) and isinstance(key, int) and key < len(parent)) else None
    if isinstance(old, ScalarString) and isinstance(value, str) and \
            not isinstance(value, ScalarString):
        value = type(old)(value)
    parent[key] = value
