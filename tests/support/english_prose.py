"""Spots English prose left in output that should be Chinese (issue #16 sweep).

A line is English prose when, after removing what must stay English -- back-quoted text,
quoted values, paths, URLs, `kk`/`kkui` sub-commands, options, key=value pairs, YAML field
paths, shell commands quoted as a fix, a row's leading status word and check id, kk's own log
lines -- it still holds three consecutive words of letters. Used by
tests/i18n/test_no_english_left.py."""

from __future__ import annotations

import re

# kk's own log lines (HH:MM:SS ZONE ..., logrus INFO[...]) stay as kk wrote them
_KK_LINE = re.compile(r"^\s*(\d\d:\d\d:\d\d [A-Z+0-9-]+ |\[(INFO|WARN|ERRO|FATA|DEBU)\])")
_REMOVED = [
    # a status word and check id opening a row (verify, certs, delete, drill): grep-stable
    re.compile(r"^\s*(?:OK|PASS|WARN|FAIL|ERROR|SKIP|pass|warn|fail|error|clean|left)\s+[\w-]+"),
    # shell commands quoted as a fix
    re.compile(r"\b(?:systemctl|journalctl|kubectl|kubeadm|crictl|etcdctl|apt-get|yum|dnf|ip)"
               r"\b[^；;，。：:（）()]*"),
    re.compile(r"`[^`]*`"),                          # `commands`, `fields`
    re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”"),       # quoted values
    re.compile(r"https?://\S+"),                     # URLs
    re.compile(r"(?<![\w.])(?:~|\.{1,2})?/[\w./@:+*<>-]*"),  # paths
    re.compile(r"\b[\w.-]+\.(?:yaml|yml|log|json|md|db|cfg|conf|pem|crt|key|tar\.gz|tgz|sh)\b"),
    re.compile(r"\bkk(?:ui)?(?: [a-z][\w-]*){0,3}"),  # kk/kkui and their sub-commands
    re.compile(r"--?[\w-]+(?:[= ][A-Z_]+)?"),        # options and their METAVARs
    re.compile(r"\b[\w.-]+=[^\s,，；]*"),             # key=value
    re.compile(r"\b[a-z]+[A-Z]\w*(?:\.[\w\[\]-]+)*"),  # camelCase fields, spec.roleGroups...
    re.compile(r"\b\w+(?:\.[\w\[\]-]+)+"),           # dotted names, addresses
]
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_WORDS = re.compile(r"(?:\b[A-Za-z]{2,}\b[ ]+){2,}\b[A-Za-z]{2,}\b")


def _unwrapped_code(line: str) -> str:
    """A back-quoted command wrapped over two lines leaves one lone back-quote on each: drop
    the side of it that holds no CJK (the code)."""
    if line.count("`") % 2 == 0:
        return line
    at = line.rfind("`") if _CJK.search(line[line.rfind("`"):]) is None else line.find("`")
    before, after = line[:at], line[at + 1:]
    return before if _CJK.search(after) is None else after


def english_runs(line: str) -> list[str]:
    """The runs of English words left in ``line`` (empty: the line is fine)."""
    if _KK_LINE.match(line):
        return []
    rest = _unwrapped_code(line)
    for pattern in _REMOVED:
        rest = pattern.sub(" \0 ", rest)
    return [m.group(0) for m in _WORDS.finditer(rest)]


def english_lines(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Lines of ``text`` that still hold English prose, except those containing one of the
    ``allowed`` fragments."""
    return [line for line in text.splitlines()
            if english_runs(line) and not any(fragment in line for fragment in allowed)]
