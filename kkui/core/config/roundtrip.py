"""ruamel.yaml round trip that reproduces a file byte for byte where it was not edited.

ruamel keeps comments, key order, quotes and flow style, but not every cosmetic detail: it drops
leading blank lines, trailing spaces after ``key:`` (kk writes ``control-plane: ``) and re-indents
sequences that use a different indentation from the rest of the file.  So we never write ruamel's
output directly.  At load time we dump the parsed documents once (the *baseline*); at save time we
dump again and apply only the difference baseline → new onto the original lines.  Unedited lines
therefore come from the original text verbatim, and an unchanged document is the original file.
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

from kkui.core.errors import ConfigError


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
        return (f'found duplicate key "{key}" (a key may appear only once in a mapping; '
                "remove one of them)")
    if problem.startswith("found undefined alias"):
        return ("found an undefined alias: a value starting with `*` must be quoted "
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
            return list(yaml.load_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = safe_problem(exc.problem or exc.context or "invalid YAML")
        context = f" ({safe_problem(exc.context)})" if exc.context and exc.problem else ""
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        raise ConfigError(f"malformed YAML: {problem}{context}", path=source, line=line,
                          column=column) from None
    except YAMLError as exc:
        raise ConfigError(f"malformed YAML: {safe_problem(str(exc))}", path=source) from None


def dump_documents(yaml: YAML, documents: list[Any]) -> str:
    buffer = io.StringIO()
    if documents:
        yaml.dump_all(documents, buffer)
    return buffer.getvalue()


def _norm(line: str) -> str:
    return line.strip()


def _align(base: list[str], orig: list[str]) -> dict[int, int]:
    """Map each baseline line to the original line it was dumped from (same content, modulo
    surrounding white space)."""
    base_norm = [_norm(line) for line in base]
    orig_norm = [_norm(line) for line in orig]
    if base_norm == orig_norm:
        return {i: i for i in range(len(base))}
    mapping: dict[int, int] = {}
    matcher = SequenceMatcher(None, base_norm, orig_norm, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            mapping[a + k] = b + k
    return mapping


def patch_original(original: str, baseline: str, new: str) -> str:
    """Apply the edit baseline → new onto ``original``, keeping its untouched lines verbatim."""
    if new == baseline:
        return original
    orig_lines = original.splitlines(keepends=True)
    base_lines = baseline.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    base_to_orig = _align(base_lines, orig_lines)
    mapped_orig = set(base_to_orig.values())
    out: list[str] = []
    next_orig = 0

    def emit_original(index: int) -> None:
        nonlocal next_orig
        # Original lines ruamel never reproduced (leading blank lines, ...) stay in place;
        # lines that belonged to deleted baseline lines are dropped.
        out.extend(orig_lines[k] for k in range(next_orig, index) if k not in mapped_orig)
        out.append(orig_lines[index])
        next_orig = index + 1

    matcher = SequenceMatcher(None, base_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                orig_index = base_to_orig.get(i1 + k)
                if orig_index is None or orig_index < next_orig:
                    out.append(new_lines[j1 + k])
                else:
                    emit_original(orig_index)
        elif tag in ("replace", "insert"):
            if tag == "replace":
                # Keep the cosmetic lines that sat before the replaced ones.
                first = base_to_orig.get(i1)
                if first is not None and first >= next_orig:
                    out.extend(orig_lines[k] for k in range(next_orig, first)
                               if k not in mapped_orig)
                    next_orig = first
            out.extend(new_lines[j1:j2])
    out.extend(orig_lines[k] for k in range(next_orig, len(orig_lines)) if k not in mapped_orig)
    text = "".join(out)
    if text and not text.endswith("\n"):
        text += "\n"
    return text
