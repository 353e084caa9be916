"""Role-group membership edits on ``spec.roleGroups``.

Ranges such as ``node[2:10]`` are kept as written; a group is written out name by name only
when an edit has to change a member inside one of its ranges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedSeq

from kkui.core.config import comments
from kkui.core.config.nodes import set_preserving_style
from kkui.core.config.ranges import expand, expand_all, is_range


def members_of(groups: Any, key: str) -> CommentedSeq | None:
    value = groups.get(key) if isinstance(groups, dict) else None
    return value if isinstance(value, CommentedSeq) else None


def expanded(groups: Any, key: str) -> list[str]:
    members = members_of(groups, key)
    return expand_all([str(x) for x in members]) if members is not None else []


def write_out(groups: Any, key: str) -> None:
    """Replace the group's ranges by the names they stand for."""
    members = members_of(groups, key)
    if members is None:
        return
    names = expand_all([str(x) for x in members])
    members.clear()
    members.extend(names)


def add_member(groups: Any, key: str, name: str, order: Sequence[str] = ()) -> None:
    """Add ``name`` to the group; with ``order`` (spec.hosts' names) it goes before the first
    member that comes after it there, so a group reads in host order, not in toggle order."""
    members = members_of(groups, key)
    if members is None:
        members = CommentedSeq()
        groups[key] = members
    elif not members:
        members.fa.set_flow_style()  # an empty list can only have been written `[]`: stay flow
    if name not in expand_all([str(x) for x in members]):
        rank = {n: i for i, n in enumerate(order)}
        later = [i for i, m in enumerate(members)
                 if name in rank and rank.get(str(m), -1) > rank[name]]
        if later:
            members.insert(later[0], name)
        else:
            members.append(name)


def remove_member(groups: Any, key: str, name: str) -> None:
    members = members_of(groups, key)
    if members is None:
        return
    literal = [str(x) for x in members]
    if name in literal:
        comments.delete_seq_item(members, literal.index(name))
    elif any(is_range(x) and name in expand(x) for x in literal):
        write_out(groups, key)
        remove_member(groups, key, name)


def rename_member(groups: Any, key: str, old: str, new: str) -> None:
    if old not in expanded(groups, key):
        return
    members = members_of(groups, key)
    assert members is not None
    if old not in [str(x) for x in members]:
        write_out(groups, key)
    set_preserving_style(members, [str(x) for x in members].index(old), new)


def replace_members(groups: Any, key: str, names: list[str]) -> None:
    members = members_of(groups, key)
    if members is None:
        members = CommentedSeq()
        groups[key] = members
    members.clear()
    members.extend(names)
