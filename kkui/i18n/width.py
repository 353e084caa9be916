"""Terminal width of text: CJK characters take two columns (issue #16: Chinese help and screens
must fit 80 columns). Used by the Chinese argparse help (kkui.i18n) and by the tests."""

from __future__ import annotations

import re
import unicodedata

# closing CJK punctuation sticks to what precedes it: a line never starts with "，" or "）"
_CLOSING = "，。；：、）」"
# opening CJK punctuation sticks to what follows it: a line never ends with "（" or "「"
_OPENING = "（「"


def cells(text: str) -> int:
    """Columns ``text`` takes in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for match in re.finditer(r"\s+|[^\s]+", text):
        chunk = match.group(0)
        if chunk.isspace() or all(cells(ch) == 1 for ch in chunk):
            out.append(chunk)
            continue
        word = ""  # split a mixed run: each wide character may end a line
        for ch in chunk:
            if cells(ch) == 2 and ch not in _CLOSING:
                if word:
                    out.append(word)
                word = ch
            elif cells(ch) == 2 or cells(word[-1:] or "a") == 2 and ch in _CLOSING:
                word += ch
            else:
                if word and cells(word[-1]) == 2:
                    out.append(word)
                    word = ""
                word += ch
        if word:
            out.append(word)
    return _join_opening(out)


def _join_opening(tokens: list[str]) -> list[str]:
    """An opening bracket never ends a line: it sticks to what follows it."""
    out: list[str] = []
    for token in tokens:
        if out and out[-1] and out[-1][-1] in _OPENING and not token.isspace():
            out[-1] += token
        else:
            out.append(token)
    return out


def wrap(text: str, width: int) -> list[str]:
    """Greedy wrap to ``width`` columns, breaking between words or between CJK characters."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if token.isspace():
            if line:
                line += " "
            continue
        if line and cells(line) + cells(token) > width:
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def break_offsets(text: str, width: int) -> list[int]:
    """Where lines of ``text`` start when wrapped to ``width`` columns (not counting 0):
    between words and between CJK characters, never inside an ASCII word that fits a line
    (a value such as ``v1.33.4`` stays whole); a word wider than a line is cut by columns.
    Trailing spaces are left at the end of the line they follow (the caller strips them)."""
    offsets: list[int] = []
    pos = used = 0
    for token in _tokens(text):
        size = cells(token)
        if token.isspace():
            pos += len(token)
            used += size
            continue
        if used and used + size > width:
            offsets.append(pos)
            used = 0
        if size > width:  # longer than a whole line: cut it by columns
            for ch in token:
                if used and used + cells(ch) > width:
                    offsets.append(pos)
                    used = 0
                pos += 1
                used += cells(ch)
            continue
        pos += len(token)
        used += size
    return offsets


def has_wide(text: str) -> bool:
    return any(cells(ch) == 2 for ch in text)
