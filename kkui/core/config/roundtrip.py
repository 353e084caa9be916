"""ruamel.yaml round trip that reproduces a file byte for byte where it was not edited.

ruamel keeps comments, key order, quotes and flow style, but not every cosmetic detail: it drops
leading blank lines, trailing spaces after ``key:`` (kk writes ``control-plane: ``) and re-indents
sequences that use a different indentation from the rest of the file.  So we never write ruamel's
output directly.  At load time we dump the parsed documents once (the *baseline*); at save time we
dump again and apply only the difference baseline → new onto the original lines.  Unedited lines
therefore come from the original text verbatim, and an unchanged document is the original file.

Baseline and original lines are matched ignoring white space (ruamel writes ``{ a: b }`` as
``{a: b}``); an edited line is patched token by token into the user's own line; a new line gets
the file's indentation, flow spacing and line ending (:mod:`.linestyle`).  Whatever this gets
wrong, the write guard (:mod:`.guard`) refuses before anything is written.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError, YAMLFutureWarning, YAMLWarning

from kkui.core.config import linediff, linestyle
from kkui.core.config.inputs import check_flow_depth, check_shape
from kkui.core.errors import ConfigError
from kkui.i18n import L_


@dataclass(frozen=True)
class IndentStyle:
    mapping: int = 2
    sequence: int = 2
    offset: int = 0


_KEY_LINE = re.compile(r"^(?P<indent> *)[^\s#-][^#]*:\s*(#.*)?$")
_DASH_LINE = re.compile(r"^(?P<indent> *)- ")
_CHILD_KEY = re.compile(r"^(?P<indent> *)[^\s#-][^:#]*:(\s|$)")


def guess_indent(text: str) -> IndentStyle:
    """Infer the file's indentation from its first nested mapping and first block sequence."""
    lines = [line for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    mapping, offset = None, None
    for parent, child in zip(lines, lines[1:], strict=False):
        key = _KEY_LINE.match(parent)
        if not key:
            continue
        parent_indent = len(key["indent"])
        dash = _DASH_LINE.match(child)
        if dash and offset is None and len(dash["indent"]) >= parent_indent:
            offset = len(dash["indent"]) - parent_indent
        child_key = _CHILD_KEY.match(child)
        if child_key and mapping is None and len(child_key["indent"]) > parent_indent:
            mapping = len(child_key["indent"]) - parent_indent
        if mapping is not None and offset is not None:
            break
    mapping = mapping or 2
    offset = offset or 0
    return IndentStyle(mapping=mapping, sequence=max(offset + 2, mapping), offset=offset)


def make_yaml(style: IndentStyle) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold long flow-style host rows
    yaml.allow_unicode = True
    yaml.indent(mapping=style.mapping, sequence=style.sequence, offset=style.offset)
    return yaml


# ruamel quotes the offending *value* in a few messages; that value may be a password
# (`password: *x` is an alias, a pasted `password:` twice is a duplicate key).
_DUPLICATE_KEY = re.compile(r'found duplicate key "(?P<key>[^"]*)" with value .*', re.S)
_NAMED_TOKEN = re.compile(r"\b(?P<what>alias|anchor|tag|handle) '[^']*'")


def safe_problem(problem: str) -> str:
    """A YAML error message without any value from the file (keys and line numbers stay)."""
    duplicate = _DUPLICATE_KEY.match(problem)
    if duplicate:
        key = duplicate["key"]
        return L_('found duplicate key "{key}" (a key may appear only once in a mapping; '
                  "remove one of them)", key=key)
    if problem.startswith("found undefined alias"):
        return L_("found an undefined alias: a value starting with `*` must be quoted "
                  "(value not shown)")
    return _NAMED_TOKEN.sub(lambda m: f"{m['what']} (value not shown)", problem)


def load_documents(yaml: YAML, text: str, source: str) -> list[Any]:
    """Parse every YAML document; syntax errors become ConfigError with line and column.

    ruamel's warnings (a reused anchor ...) are dropped: Python prints them to stderr with
    the offending lines of the file, passwords included.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", YAMLWarning)
            warnings.simplefilter("ignore", YAMLFutureWarning)
            check_flow_depth(text, source)  # before ruamel: it is slow on deep flow nesting
            documents = list(yaml.load_all(text))
        check_shape(documents, source)  # alias bombs, deep nesting: before anything walks them
        return documents
    except RecursionError:  # ruamel's composer recurses once per nesting level
        raise ConfigError(L_("nested too deeply to parse (thousands of levels): a KubeKey "
                             "config is never that deep; check the file"), path=source) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = safe_problem(exc.problem or exc.context or "invalid YAML")
        context = f" ({safe_problem(exc.context)})" if exc.context and exc.problem else ""
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        raise ConfigError(L_("malformed YAML: {problem}{context}", problem=problem,
                             context=context), path=source, line=line,
                          column=column) from None
    except YAMLError as exc:
        raise ConfigError(L_("malformed YAML: {problem}{context}",
                             problem=safe_problem(str(exc)), context=""), path=source) from None


def dump_documents(yaml: YAML, documents: list[Any]) -> str:
    buffer = io.StringIO()
    if documents:
        yaml.dump_all(documents, buffer)
    return buffer.getvalue()


def _key(line: str) -> str:
    """What two renderings of one line share: everything but white space (ruamel rewrites
    ``{ a: b }`` as ``{a: b}``, ``[ ]`` as ``[]``, re-indents, drops trailing spaces)."""
    return "".join(line.split())


def _kind(line: str) -> str:
    stripped = line.strip()
    return "blank" if not stripped else "comment" if stripped.startswith("#") else "content"


def _joined(base: list[str], orig_keys: list[str], gap_base: list[int],
            gap_orig: list[int]) -> dict[int, tuple[int, int]] | None:
    """Pair a gap where the file wrote one dumped line over several lines (a flow mapping
    or list continued on the next line): base line -> (first, end) of its original lines."""
    spans: dict[int, tuple[int, int]] = {}
    k = 0
    for b in gap_base:
        want, got, start = _key(base[b]), "", k
        while k < len(gap_orig) and len(got) < len(want) and want.startswith(
                got + orig_keys[gap_orig[k]]):
            got += orig_keys[gap_orig[k]]
            k += 1
        if got != want or k == start or gap_orig[k - 1] - gap_orig[start] != k - 1 - start:
            return None
        spans[b] = (gap_orig[start], gap_orig[k - 1] + 1)
    return spans if k == len(gap_orig) else None


def align(base: list[str], orig: list[str]) -> dict[int, tuple[int, int]]:
    """Map each baseline line to the original line(s) it was dumped from: (first, end)."""
    base_keys = [_key(line) for line in base]
    orig_keys = [_key(line) for line in orig]
    pairs = linediff.matching_pairs(base_keys, orig_keys)
    mapping = {b: (o, o + 1) for b, o in pairs}
    # Lines ruamel rewrote beyond white space (`key: ~` dumped as `key:`, a flow collection
    # continued over two lines ...) sit in the gaps between matched lines.
    prev_i = prev_j = -1
    for i, j in [*pairs, (len(base), len(orig))]:
        gap_base = list(range(prev_i + 1, i))
        gap_orig = list(range(prev_j + 1, j))
        prev_i, prev_j = i, j
        if not gap_base or not gap_orig:
            continue
        content = [k for k in gap_orig if orig_keys[k]]  # without blank lines ruamel dropped
        for candidate in (gap_orig, content):
            if len(gap_base) == len(candidate) and all(
                    _kind(base[a]) == _kind(orig[b])
                    for a, b in zip(gap_base, candidate, strict=True)):
                mapping.update((a, (b, b + 1)) for a, b in zip(gap_base, candidate,
                                                               strict=True))
                break
        else:
            joined = _joined(base, orig_keys, gap_base, content)
            if joined:
                mapping.update(joined)
    return mapping


def _dump_lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


_TOKEN = re.compile(r"""\s+|[^\s,:{}\[\]#'"]+|.""")


def _tokens(line: str) -> tuple[list[str], list[int]]:
    tokens = _TOKEN.findall(line)
    starts, offset = [], 0
    for token in tokens:
        starts.append(offset)
        offset += len(token)
    return tokens, starts


def patch_line(base: str, orig: str, new: str) -> str | None:
    """Apply the edit base → new onto ``orig`` (the same line as the user wrote it: other
    spacing, an end-of-line comment at another column), token by token so that a changed
    value replaces the user's value whole.  None when the edit touches text that has no
    counterpart in ``orig``."""
    to_orig: dict[int, int] = {}
    for a, b, size in SequenceMatcher(None, base, orig, autojunk=False).get_matching_blocks():
        for k in range(size):
            to_orig[a + k] = b + k
    base_tokens, starts = _tokens(base)
    new_tokens, _ = _tokens(new)
    ends = [start + len(token) for start, token in zip(starts, base_tokens, strict=True)]
    edits: list[tuple[int, int, str]] = []
    matcher = SequenceMatcher(None, base_tokens, new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        text = "".join(new_tokens[j1:j2])
        if tag == "equal" or not text.strip() and not "".join(base_tokens[i1:i2]).strip():
            continue  # white space is the user's (ruamel re-pads comments to its column)
        if i1 < i2:
            first, last = starts[i1], ends[i2 - 1] - 1
            if first not in to_orig or last not in to_orig:
                return None
            start, end = to_orig[first], to_orig[last] + 1
        else:
            after = i1 > 0 and ends[i1 - 1] - 1 in to_orig
            before = i1 < len(base_tokens) and starts[i1] in to_orig
            # `, b` joins the token before it; `z, ` the token after it
            if after and (text[:1] in (",", " ") or not before):
                start = end = to_orig[ends[i1 - 1] - 1] + 1
            elif before:
                start = end = to_orig[starts[i1]]
            else:
                return None
        if edits and start < edits[-1][1]:
            return None
        edits.append((start, end, text))
    out = orig
    for start, end, text in reversed(edits):
        out = out[:start] + text + out[end:]
    return out


def _similar(a: str, b: str) -> bool:
    if _kind(a) != _kind(b):
        return False
    if a.split(":", 1)[0].strip() == b.split(":", 1)[0].strip() and ":" in a and ":" in b:
        return True  # the same key, another value
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6


def _pair_similar(base: list[str], i1: int, i2: int, new: list[str], j1: int,
                  j2: int) -> dict[int, int]:
    """In a replaced block, which new line is an edit of which baseline line (in order):
    those are patched in place, the others are new or deleted lines."""
    if (i2 - i1) * (j2 - j1) > 400:
        return {}
    paired: dict[int, int] = {}
    b = i1
    for j in range(j1, j2):
        for candidate in range(b, i2):
            if _similar(base[candidate], new[j]):
                paired[j] = candidate
                b = candidate + 1
                break
    return paired


class _Patcher:
    """Builds the new text: original lines where the dump did not change, the file's own
    conventions (:mod:`.linestyle`) on the lines it did."""

    def __init__(self, original: str, baseline: str, style: linestyle.FileStyle) -> None:
        self.style = style
        self.orig = linestyle.split_lines(original)
        self.base = _dump_lines(baseline)
        self.spans = align(self.base, [body for body, _ in self.orig])
        self.base_to_orig = {b: span[0] for b, span in self.spans.items()}
        self.mapped = {k for first, end in self.spans.values() for k in range(first, end)}
        self.out: list[tuple[str, str]] = []
        self.next_orig = 0
        # (baseline indent, is a dash line) -> (original indent, spaces after the dash)
        self.indents: dict[tuple[int, bool], tuple[int, int]] = {}
        for b, o in sorted(self.base_to_orig.items(), reverse=True):
            self._learn(self.base[b], self.orig[o][0])

    def _learn(self, base: str, orig: str) -> None:
        if linestyle.is_content(base) and linestyle.is_content(orig):
            dash = linestyle.is_dash(orig)
            self.indents[(linestyle.indent_of(base), linestyle.is_dash(base))] = (
                linestyle.indent_of(orig), linestyle.dash_gap(orig) if dash else 1)

    def _flush(self, upto: int) -> None:
        """Original lines ruamel never reproduced (blank lines it dropped ...) stay in place;
        lines that belonged to deleted baseline lines are dropped."""
        self.out.extend(self.orig[k] for k in range(self.next_orig, upto)
                        if k not in self.mapped)
        self.next_orig = max(self.next_orig, upto)

    def _take(self, b: int, o: int) -> None:
        self._flush(o)
        end = self.spans[b][1]
        self.out.extend(self.orig[o:end])
        self._learn(self.base[b], self.orig[o][0])
        self.next_orig = end

    def _fresh(self, body: str) -> None:
        """A line only the new dump has: the file's indentation, flow spacing, line end."""
        if linestyle.is_content(body):
            indent, dash = linestyle.indent_of(body), linestyle.is_dash(body)
            target = self.indents.get((indent, dash)) or self.indents.get((indent, not dash))
            if target is None:
                smaller = [k for k in self.indents if k[0] < indent]
                if smaller:
                    near = max(smaller)
                    target = (self.indents[near][0] + indent - near[0], 1)
            if target is not None:
                stripped = body.lstrip(" ")
                if dash:
                    stripped = "-" + " " * max(target[1], 1) + stripped[1:].lstrip(" ")
                body = " " * target[0] + stripped
            body = linestyle.restyle_flow(body, self.style)
        self.out.append((body, self.style.eol))

    def _patched(self, b: int, o: int, new: str) -> None:
        self._flush(o)
        body, end = self.orig[o][0], self.orig[self.spans[b][1] - 1][1]
        several = self.spans[b][1] - o > 1  # written over several lines: re-dumped as one
        patched = None if several else patch_line(self.base[b], body, new)
        self.next_orig = self.spans[b][1]
        if patched is None:
            self._fresh(new)
            self.out[-1] = (self.out[-1][0], end or self.style.eol)
            return
        if linestyle.flow_span(body) and linestyle.restyle_flow(body, self.style) == body:
            patched = linestyle.restyle_flow(patched, self.style)
        self.out.append((patched, end))

    def patch(self, new_text: str) -> str:
        new = _dump_lines(new_text)
        for tag, i1, i2, j1, j2 in linediff.opcodes(self.base, new):
            if tag == "equal":
                for k in range(i2 - i1):
                    o = self.base_to_orig.get(i1 + k)
                    if o is not None and o >= self.next_orig:
                        self._take(i1 + k, o)
                    else:
                        self._fresh(new[j1 + k])
            elif tag == "delete":
                continue
            elif tag == "insert":
                for line in new[j1:j2]:
                    self._fresh(line)
            else:  # replace
                firsts = [o for o in (self.base_to_orig.get(i) for i in range(i1, i2))
                          if o is not None and o >= self.next_orig]
                if firsts:
                    self._flush(min(firsts))
                paired = _pair_similar(self.base, i1, i2, new, j1, j2)
                for j in range(j1, j2):
                    b = paired.get(j)
                    o = self.base_to_orig.get(b) if b is not None else None
                    if b is not None and o is not None and o >= self.next_orig:
                        self._patched(b, o, new[j])
                    else:
                        self._fresh(new[j])
        self._flush(len(self.orig))
        return self._join()

    def _join(self) -> str:
        parts: list[str] = []
        last = len(self.out) - 1
        for index, (body, end) in enumerate(self.out):
            if index < last and not end:
                end = self.style.eol
            elif index == last:
                end = self.style.eol if self.style.final_newline else ""
            parts.append(body + end)
        return "".join(parts)


def patch_original(original: str, baseline: str, new: str,
                   style: linestyle.FileStyle | None = None) -> str:
    """Apply the edit baseline → new onto ``original``, keeping its untouched lines verbatim."""
    if new == baseline:
        return original
    return _Patcher(original, baseline, style or linestyle.detect(original)).patch(new)
