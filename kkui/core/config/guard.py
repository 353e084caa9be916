"""The write guard: text that does not read back as the intended documents is never written.

kkui edits a user's file by patching lines (:mod:`.roundtrip`), which keeps their style but can
go wrong on a construct it does not understand.  So the one function that produces the text to
write (``ClusterDocument._render``) ends here: the text is parsed again and compared with the
documents kkui meant to write — every document, key, value, the order of hosts and of group
members.  Any difference raises :class:`UnsafeEditError` (exit 2) naming the construct and what
works instead; nothing is written.  Fail closed: a parse error of the result counts as a
difference too.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, TaggedScalar
from ruamel.yaml.error import YAMLError, YAMLFutureWarning, YAMLWarning
from ruamel.yaml.scalarbool import ScalarBoolean

from kkui.core.config import linestyle
from kkui.core.errors import EditError
from kkui.i18n import L_

_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])[&*][\w-]+")
_MAX_DEPTH = 64  # deeper than any config; also stops a recursive alias


class UnsafeEditError(EditError):
    """kkui could not make an edit in place without changing the file's meaning (exit 2)."""


def plain(node: Any, depth: int = 0) -> Any:
    """A comparable form of a loaded YAML node: type and value, keys in order."""
    if depth > _MAX_DEPTH:
        raise UnsafeEditError(L_("nothing written: the document nests deeper than kkui checks "
                                 "(a recursive alias?); edit this file by hand"))
    if isinstance(node, Mapping):
        return ("map", [(plain(k, depth + 1), plain(v, depth + 1)) for k, v in node.items()])
    if isinstance(node, (list, tuple)):
        return ("seq", [plain(v, depth + 1) for v in node])
    if isinstance(node, TaggedScalar):
        return ("tagged", str(node.tag.value if hasattr(node.tag, "value") else node.tag),
                node.value)
    if isinstance(node, (bool, ScalarBoolean)):
        return ("bool", bool(node))
    if isinstance(node, int):
        return ("int", int(node))
    if isinstance(node, float):
        return ("float", repr(float(node)))
    if isinstance(node, str):
        return ("str", str(node))
    if isinstance(node, (datetime, date)):
        return ("time", node.isoformat())
    if node is None:
        return ("null", None)
    return (type(node).__name__, repr(node))


def _first_difference(want: Any, got: Any, path: str) -> str | None:
    """The dotted path of the first place where two plain() forms differ."""
    if want[0] != got[0]:
        return path or "the document"
    if want[0] == "map":
        want_keys = [k for k, _ in want[1]]
        got_keys = [k for k, _ in got[1]]
        for (key, value), (other_key, other) in zip(want[1], got[1], strict=False):
            name = f"{path}.{key[1]}" if path else str(key[1])
            if key != other_key:
                return name
            found = _first_difference(value, other, name)
            if found:
                return found
        if want_keys != got_keys:
            extra = (want_keys + got_keys)[min(len(want_keys), len(got_keys))]
            return f"{path}.{extra[1]}" if path else str(extra[1])
        return None
    if want[0] == "seq":
        for index, (value, other) in enumerate(zip(want[1], got[1], strict=False)):
            found = _first_difference(value, other, f"{path}[{index}]")
            if found:
                return found
        if len(want[1]) != len(got[1]):
            return f"{path}[{min(len(want[1]), len(got[1]))}]"
        return None
    return None if want == got else (path or "the document")


def _node_at(documents: Sequence[Any], index: int, path: str) -> Any:
    """The deepest node on ``path`` that carries an original line number (ruamel's lc)."""
    node: Any = documents[index] if index < len(documents) else None
    found = node if isinstance(node, CommentedBase) else None
    for part in path.replace("[", ".[").split("."):
        if not part or node is None:
            continue
        if part.startswith("[") and isinstance(node, list):
            position = int(part[1:-1])
            node = node[position] if position < len(node) else None
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            node = None
        if isinstance(node, CommentedBase) and getattr(node.lc, "line", None) is not None:
            found = node
    return found


def describe_construct(original: str, line: int | None) -> str:
    """Name the way the file writes the line kkui could not edit (never its content)."""
    if line is None:
        return L_("a construct kkui could not place")
    lines = original.splitlines()
    text = lines[line] if 0 <= line < len(lines) else ""
    return L_("line {line}: {construct}", line=line + 1, construct=_construct(text))


def _construct(text: str) -> L_:
    """What the line ``text`` is, in words (a message without the line's content)."""
    span = linestyle.flow_span(text)
    if span is not None:
        return L_("a flow mapping `{ ... }`") if text[span[0]] == "{" \
            else L_("a flow list `[ ... ]`")
    body = text.split(" #", 1)[0].strip()
    while body.startswith("- ") or body == "-":
        body = body[2:].strip()
    value = body if body[:1] in ("{", "[") else body.split(": ", 1)[1].strip() \
        if ": " in body else ""
    if _ANCHOR.search(body) or "<<:" in body:
        return L_("an anchor, alias or merge key (`&name`, `*name`, `<<:`)")
    if value[:1] in ("{", "["):
        return L_("a flow mapping `{ ... }` written over several lines") if value[0] == "{" \
            else L_("a flow list `[ ... ]` written over several lines")
    if value[:1] in ("|", ">"):
        return L_("a block scalar (`|` or `>`)")
    if value[:1] == "!":
        return L_("a tagged value (`!!str ...`)")
    if "\t" in text[: len(text) - len(text.lstrip())]:
        return L_("indentation with tabs")
    if " #" in text and text.strip()[:1] != "#" and re.fullmatch(r"[\w.-]+:", body):
        return L_("a comment after `{key}` (move it to its own line above the key, then kkui "
                  "can rewrite the value)", key=body)
    if " #" in text and text.strip()[:1] != "#":
        return L_("a line with a comment at its end")
    return L_("the layout around this line")


def _original_line_near(original: str, text: str, error_line: int | None) -> int | None:
    """The original line behind the place where the result stops being YAML: the nearest
    line at or above the parser's mark that the result kept from the original."""
    result = text.splitlines()
    if error_line is None or not result:
        return None
    where: dict[str, list[int]] = {}
    for index, line in enumerate(original.splitlines()):
        where.setdefault(line, []).append(index)
    def original_index(k: int) -> int:
        return min(where[result[k]], key=lambda index: abs(index - k))

    kept_below, seen_new = None, False
    for k in range(min(error_line, len(result) - 1), -1, -1):
        if not result[k].strip():
            continue
        if result[k] not in where:
            seen_new = True  # a line kkui wrote; the construct is the kept line above it
        elif seen_new:
            return original_index(k)
        elif kept_below is None:
            kept_below = original_index(k)
    return kept_below


def check(text: str, intended: Sequence[Any], *, original: str, source: str) -> None:
    """Raise :class:`UnsafeEditError` unless ``text`` reads back as ``intended``."""
    error_line: int | None = None
    got: list[Any] | None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", YAMLWarning)
            warnings.simplefilter("ignore", YAMLFutureWarning)
            got = list(YAML(typ="rt").load_all(text))
    except YAMLError as exc:
        got = None
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        error_line = getattr(mark, "line", None)
    want = [plain(doc) for doc in intended]
    if got is not None:
        got_plain = [plain(doc) for doc in got]
        if got_plain == want:
            return
        index = next((i for i, (a, b) in enumerate(zip(want, got_plain, strict=False))
                      if a != b), min(len(want), len(got_plain)))
        path = _first_difference(want[index], got_plain[index], "") \
            if index < min(len(want), len(got_plain)) else "a whole document"
        problem = L_("`{path}` would not read back as intended", path=path)
    else:
        index, path = 0, ""
        problem = L_("the result would not be valid YAML")
    node = _node_at(intended, index, path) if path else None
    if node is not None:
        line = getattr(node.lc, "line", None)
    else:
        line = _original_line_near(original, text, error_line) if got is None else None
    construct = describe_construct(original, line)
    document = L_(" (document {number})", number=index + 1) if len(intended) > 1 else ""
    raise UnsafeEditError(L_(
        "{source}: nothing written: kkui could not make this edit in place — {problem}"
        "{document}; the file writes it as {construct}. The file is unchanged: make this "
        "edit by hand, or rewrite that part as one `key: value` per line (or kk's "
        "`- {{name: node1, address: ...}}` host rows) and run the command again.",
        source=source, problem=problem, document=document, construct=construct))
