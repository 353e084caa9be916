"""A file's cosmetic conventions, learned from its text and applied to the lines kkui writes.

ruamel dumps every new or re-dumped line in one house style: ``\\n`` endings, a final newline,
``{a: b}`` and ``[]`` without inner spaces, the indentation guessed for the whole file.  Users'
files differ (an IDE formatter writes ``{ a: b }`` and ``[ ]``, Windows editors write CRLF, a
document pasted from a blog is indented as a whole, a hand-written one mixes 2 and 4 spaces).
This module records what the file does so the patcher can make new lines look like their
neighbours.  Anything it gets wrong is caught by the write guard (:mod:`.guard`), never written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"([^\n]*?)(\r?\n|$)")
_LEAD = re.compile(r"^(?P<indent>[ ]*)(?P<dashes>(?:-[ ]+)*)")
_KEY = re.compile(r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#{}\[\],'"][^#{}\[\],]*?)[ ]*:[ ]+""")
_CLOSE = {"{": "}", "[": "]"}


@dataclass(frozen=True)
class FileStyle:
    eol: str = "\n"
    final_newline: bool = True
    brace_inner: bool = False    # `{ a: b }` rather than `{a: b}`
    bracket_inner: bool = False  # `[ a, b ]` rather than `[a, b]`
    empty_bracket: str = "[]"    # or `[ ]`
    empty_brace: str = "{}"      # or `{ }`


def split_lines(text: str) -> list[tuple[str, str]]:
    """(body, ending) per line; only ``\\n`` and ``\\r\\n`` end a line."""
    lines = [(m.group(1), m.group(2)) for m in _LINE.finditer(text)]
    if lines and lines[-1] == ("", ""):
        lines.pop()
    return lines


def flow_span(body: str) -> tuple[int, int] | None:
    """Where a one-line flow collection that is the line's value starts and ends."""
    lead = _LEAD.match(body)
    start = lead.end() if lead else 0
    if start >= len(body) or body[start] not in "{[":
        key = _KEY.match(body, start)
        if not key or key.end() >= len(body) or body[key.end()] not in "{[":
            return None
        start = key.end()
    depth, quote, k = 0, "", start
    while k < len(body):
        char = body[k]
        if quote:
            if char == "\\" and quote == '"':
                k += 1
            elif char == quote:
                if quote == "'" and body[k + 1:k + 2] == "'":
                    k += 1
                else:
                    quote = ""
        elif char in "\"'" and body[:k].rstrip()[-1:] in ("{", "[", ",", ":"):
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return start, k + 1
        k += 1
    return None  # a flow collection over several lines: left alone


def detect(text: str) -> FileStyle:
    lines = split_lines(text)
    crlf = sum(1 for _, end in lines if end == "\r\n")
    counts = {"brace_in": 0, "brace_tight": 0, "bracket_in": 0, "bracket_tight": 0,
              "empty_bracket_sp": 0, "empty_bracket": 0, "empty_brace_sp": 0, "empty_brace": 0}
    for body, _ in lines:
        span = flow_span(body)
        if span is None:
            continue
        flow = body[span[0]:span[1]]
        for opener, name in (("{", "brace"), ("[", "bracket")):
            for match in re.finditer(re.escape(opener) + r"( *)(.)", flow):
                if match.group(2) == _CLOSE[opener]:
                    counts[f"empty_{name}{'_sp' if match.group(1) else ''}"] += 1
                else:
                    counts[f"{name}_{'in' if match.group(1) else 'tight'}"] += 1
    brace_inner = counts["brace_in"] > counts["brace_tight"]
    bracket_inner = counts["bracket_in"] > counts["bracket_tight"] if (
        counts["bracket_in"] or counts["bracket_tight"]) else (
        counts["empty_bracket_sp"] > counts["empty_bracket"] or brace_inner)
    return FileStyle(
        eol="\r\n" if crlf * 2 > len(lines) else "\n",
        final_newline=not lines or lines[-1][1] != "",
        brace_inner=brace_inner,
        bracket_inner=bracket_inner,
        empty_bracket="[ ]" if counts["empty_bracket_sp"] > counts["empty_bracket"] else "[]",
        empty_brace="{ }" if counts["empty_brace_sp"] > counts["empty_brace"] else "{}",
    )


def restyle_flow(body: str, style: FileStyle) -> str:
    """Give the line's one-line flow collection the file's inner spacing."""
    span = flow_span(body)
    if span is None:
        return body
    start, end = span
    flow, out, quote, k = body[start:end], [], "", 0
    while k < len(flow):
        char = flow[k]
        if quote:
            out.append(char)
            if char == "\\" and quote == '"':
                out.append(flow[k + 1])
                k += 1
            elif char == quote:
                if quote == "'" and flow[k + 1:k + 2] == "'":
                    out.append("'")
                    k += 1
                else:
                    quote = ""
        elif char in "\"'" and "".join(out).rstrip()[-1:] in ("{", "[", ",", ":"):
            quote = char
            out.append(char)
        elif char in "{[":
            inner = style.brace_inner if char == "{" else style.bracket_inner
            nxt = k + 1
            while nxt < len(flow) and flow[nxt] == " ":
                nxt += 1
            if nxt < len(flow) and flow[nxt] == _CLOSE[char]:
                out.append(style.empty_brace if char == "{" else style.empty_bracket)
                k = nxt
            else:
                out.append(char + (" " if inner else ""))
                k = nxt - 1
        elif char in "}]":
            inner = style.brace_inner if char == "}" else style.bracket_inner
            while out and out[-1] == " ":
                out.pop()
            out.append((" " if inner else "") + char)
        else:
            out.append(char)
        k += 1
    return body[:start] + "".join(out) + body[end:]


def indent_of(body: str) -> int:
    return len(body) - len(body.lstrip(" "))


def is_dash(body: str) -> bool:
    stripped = body.lstrip(" ")
    return stripped == "-" or stripped.startswith("- ")


def dash_gap(body: str) -> int:
    """Spaces between a sequence dash and the item (``-   name:`` has 3)."""
    stripped = body.lstrip(" ")
    return len(stripped) - len(stripped[1:].lstrip(" ")) - 1


def is_content(body: str) -> bool:
    stripped = body.strip()
    return bool(stripped) and not stripped.startswith("#")
