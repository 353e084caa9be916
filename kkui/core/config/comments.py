"""Deleting a sequence item so that only *its own* comments go with it.

ruamel attaches every comment line that follows an item (up to the next item) to that item,
so a plain ``del`` would also drop the comment that introduces the *next* item.  kkui's rule
is what a reader sees: an item owns its end-of-line comment and the comment lines directly
above it (no blank line in between); every other comment stays.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken


def _token(seq: CommentedSeq, index: int) -> CommentToken | None:
    entry = seq.ca.items.get(index)
    if entry and isinstance(entry[0], CommentToken):
        return entry[0]
    return None


def _split(value: str) -> tuple[str, list[str]]:
    """A post-item token: its first line (EOL comment or bare newline) and the lines after."""
    first, _, rest = value.partition("\n")
    return first + "\n", rest.splitlines(keepends=True)


def _drop_trailing_comment_block(lines: list[str]) -> list[str]:
    """Remove the comment lines that sit directly above the next item."""
    end = len(lines)
    while end > 0 and lines[end - 1].lstrip().startswith("#"):
        end -= 1
    return lines[:end]


def delete_seq_item(seq: CommentedSeq | list[Any], index: int) -> None:
    if not isinstance(seq, CommentedSeq):
        del seq[index]
        return
    own = _token(seq, index)
    own_rest = _split(own.value)[1] if own else []
    if index > 0:
        prev = _token(seq, index - 1)
        if prev is not None:
            first, rest = _split(prev.value)
            prev.value = first + "".join(_drop_trailing_comment_block(rest) + own_rest)
        elif own_rest:
            seq.ca.items[index - 1] = [_make_token("\n" + "".join(own_rest), own), None, None, None]
    elif own_rest and len(seq) > 1:
        _append_pre_comment(seq, "".join(own_rest), own)
    del seq[index]


def _make_token(value: str, like: CommentToken | None) -> CommentToken:
    column = like.column if like is not None else 0
    return CommentToken(value, CommentMark(column), None)


def _append_pre_comment(seq: CommentedSeq, text: str, like: CommentToken | None) -> None:
    """Comments that preceded the second item now precede the (new) first one."""
    lines = [line for line in text.splitlines(keepends=True) if line.strip()]
    if not lines:
        return
    if seq.ca.comment is None:
        seq.ca.comment = [None, []]
    if seq.ca.comment[1] is None:
        seq.ca.comment[1] = []
    column = len(lines[0]) - len(lines[0].lstrip())
    for line in lines:
        seq.ca.comment[1].append(CommentToken(line.strip() + "\n", CommentMark(column), None))
