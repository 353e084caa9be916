"""Deleting a sequence item so that only *its own* comments go with it.

ruamel keeps the comment lines around a sequence item in two places: after the item (its
end-of-line comment plus the lines that follow, slot 0) and before it (slot 1).  A plain ``del``
drops both, including a comment that introduces the *next* item or a section header.  kkui's
rule is what a reader sees: an item owns its end-of-line comment and the comment lines directly
above it; a comment block with a blank line before it is a section header and stays, and so
does everything written after the item.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken


def _slot(seq: CommentedSeq, index: int) -> list[Any]:
    entry = seq.ca.items.get(index)
    return entry if entry is not None else [None, None, None, None]


def _post_location(seq: CommentedSeq, index: int) -> tuple[dict[Any, Any], Any, int]:
    """Where the comment after item ``index`` lives: a block mapping keeps it on its last key."""
    item = seq[index]
    if isinstance(item, CommentedMap) and len(item) and not item.fa.flow_style():
        return item.ca.items, list(item)[-1], 2
    return seq.ca.items, index, 0


def _get_post(seq: CommentedSeq, index: int) -> CommentToken | None:
    items, key, slot = _post_location(seq, index)
    entry = items.get(key)
    token = entry[slot] if entry is not None else None
    return token if isinstance(token, CommentToken) else None


def _set_post(seq: CommentedSeq, index: int, value: str) -> None:
    items, key, slot = _post_location(seq, index)
    entry = items.setdefault(key, [None, None, None, None])
    if not value.strip("\n") and value.count("\n") <= 1:
        entry[slot] = None
    elif isinstance(entry[slot], CommentToken):
        entry[slot].value = value  # keeps the original column of an end-of-line comment
    else:
        entry[slot] = CommentToken(value, CommentMark(0), None)


def _post_lines(seq: CommentedSeq, index: int) -> tuple[str, list[str]]:
    """The end-of-line part of an item's post comment, and the full lines after it."""
    token = _get_post(seq, index)
    if token is None:
        return "\n", []
    first, _, rest = token.value.partition("\n")
    return first + "\n", rest.splitlines(keepends=True)


def _pre_lines(seq: CommentedSeq, index: int) -> list[str]:
    tokens = _slot(seq, index)[1] or []
    lines: list[str] = []
    for token in tokens:
        if isinstance(token, CommentToken):
            value = token.value
            indent = " " * (token.column or 0) if value.strip() else ""
            lines.extend(indent + line if line.strip() else line
                         for line in value.splitlines(keepends=True))
    return lines


def _without_owned_block(lines: list[str]) -> list[str]:
    start = len(lines)
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    if start > 0 and not lines[start - 1].strip():
        return lines  # a section header: it stays
    return lines[:start]


def _tokens(lines: list[str]) -> list[CommentToken]:
    tokens = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            tokens.append(CommentToken("\n", CommentMark(0), None))
        else:
            column = len(line) - len(line.lstrip())
            tokens.append(CommentToken(stripped + "\n", CommentMark(column), None))
    return tokens


def delete_seq_item(seq: CommentedSeq | list[Any], index: int) -> None:
    if not isinstance(seq, CommentedSeq):
        del seq[index]
        return
    before: list[str] = []
    prev_eol = "\n"
    if index > 0:
        prev_eol, before = _post_lines(seq, index - 1)
    before += _pre_lines(seq, index)
    between = _without_owned_block(before) + _post_lines(seq, index)[1]
    if index + 1 < len(seq):
        if index > 0:
            _set_post(seq, index - 1, prev_eol)
        slot = seq.ca.items.setdefault(index + 1, [None, None, None, None])
        slot[1] = _tokens(between + _pre_lines(seq, index + 1)) or None
    elif index > 0:
        _set_post(seq, index - 1, prev_eol + "".join(between))
    del seq[index]
