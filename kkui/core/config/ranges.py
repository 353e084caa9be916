"""kk's role-group ranges: ``node[2:10]`` means node2 … node10, inclusive, no zero padding."""

from __future__ import annotations

import re

_RANGE = re.compile(r"^(?P<prefix>.*)\[(?P<start>\d+):(?P<end>\d+)\](?P<suffix>.*)$")


def is_range(entry: str) -> bool:
    return _RANGE.match(entry) is not None


def expand(entry: str) -> list[str]:
    """Expand one role-group entry; a plain name expands to itself."""
    match = _RANGE.match(entry)
    if not match:
        return [entry]
    start, end = int(match["start"]), int(match["end"])
    if end < start:
        return []
    return [f"{match['prefix']}{n}{match['suffix']}" for n in range(start, end + 1)]


def expand_all(entries: list[str]) -> list[str]:
    """Expand every entry, keeping the first occurrence of each name in order."""
    seen: dict[str, None] = {}
    for entry in entries:
        for name in expand(entry):
            seen.setdefault(name, None)
    return list(seen)
