"""Masking secrets in YAML text before it is shown (the file on disk keeps them)."""

from __future__ import annotations

import re

MASK = "••••"
SECRET_KEYS = ("password", "privateKey", "authPass", "statsPassword")

# The key, bare or quoted ("password": ... is valid YAML too, e.g. JSON-style host rows).
_KEY = r"(?<![\w-])(?P<q>[\"']?)(?:" + "|".join(SECRET_KEYS) + r")(?P=q)\s*:[ \t]*"
# A complete value on this line: "double", 'single' or plain (a plain one never starts with a
# quote, so an unterminated quoted value is left to _OPEN_QUOTE).
_VALUE = r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|(?![\"'\s])[^,}\n#]*[^,}\n# ])"
_SECRET = re.compile(rf"(?P<key>{_KEY}){_VALUE}")
_OPEN_QUOTE = re.compile(rf"(?P<key>{_KEY})(?P<quote>[\"']).*$")
_BLOCK_START = re.compile(rf"^(?P<indent>\s*(?:-\s+)?)(?P<key>{_KEY})[|>][-+0-9]*\s*$")
_LEADING_KEY = re.compile(rf"^(?P<indent>\s*(?:-\s+)?){_KEY}")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _quote_end(line: str, quote: str) -> int | None:
    """Index of the quote that closes a multi-line quoted scalar on this line, if any."""
    i = 0
    while i < len(line):
        char = line[i]
        if quote == '"' and char == "\\":
            i += 2
            continue
        if char == quote:
            if quote == "'" and line[i + 1:i + 2] == "'":  # '' is an escaped quote
                i += 2
                continue
            return i
        i += 1
    return None


def mask_secrets(text: str) -> str:
    """Replace every secret value with ``••••``, also when it spans several lines (a block
    scalar, a quoted scalar or a plain scalar continued on more-indented lines)."""
    out: list[str] = []
    deeper_than: int | None = None  # skip lines indented deeper than this
    closing: str | None = None      # the quote that ends a multi-line quoted secret
    for line in text.split("\n"):
        if closing is not None:
            end = _quote_end(line, closing)
            if end is None:
                continue
            closing = None
            rest = line[end + 1:]
            if rest.strip():
                out.append(" " * _indent(line) + rest.lstrip())
            continue
        if deeper_than is not None:
            if not line.strip() or _indent(line) > deeper_than:
                continue
            deeper_than = None
        start = _BLOCK_START.match(line)
        if start:
            out.append(line[:start.end("key")].rstrip() + " " + MASK)
            deeper_than = len(start.group("indent"))
            continue
        masked = _SECRET.sub(lambda m: m.group("key") + MASK, line)
        opened = _OPEN_QUOTE.search(masked)
        if opened:
            masked = masked[:opened.end("key")] + MASK
            closing = opened.group("quote")
        else:
            leading = _LEADING_KEY.match(line)
            if leading:  # a block-context value may go on over more-indented lines
                deeper_than = len(leading.group("indent"))
        out.append(masked)
    return "\n".join(out)
