"""A small parser of keepalived.conf: blocks and statements, comments dropped.

Tests assert on what keepalived reads, not on text: a word in a comment (``# ... nopreempt
...``) is not a setting.  keepalived's grammar (keepalived/core/parser.c): ``#`` and ``!`` start
a comment, ``{``/``}`` open and close a block, a statement is a keyword and its arguments up to
the end of the line; quoted strings (``script "/usr/bin/killall -0 haproxy"``) are one word.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field


@dataclass
class Block:
    keyword: str
    args: list[str] = field(default_factory=list)
    statements: list[list[str]] = field(default_factory=list)  # [keyword, *args]
    blocks: list[Block] = field(default_factory=list)

    def block(self, keyword: str) -> Block:
        found = [b for b in self.blocks if b.keyword == keyword]
        assert len(found) == 1, f"{len(found)} {keyword} blocks in {self.keyword}"
        return found[0]

    def all(self, keyword: str) -> list[Block]:
        return [b for b in self.blocks if b.keyword == keyword]

    def keywords(self) -> list[str]:
        return [s[0] for s in self.statements]

    def value(self, keyword: str) -> list[str]:
        found = [s[1:] for s in self.statements if s[0] == keyword]
        assert len(found) == 1, f"{len(found)} {keyword!r} statements in {self.keyword}"
        return found[0]

    def words(self) -> list[str]:
        """A list block's entries (``unicast_peer { a b }``, ``track_script { x }``)."""
        return [w for s in self.statements for w in s]


def _words(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars="{}")
    lexer.commenters = "#!"
    lexer.whitespace_split = True
    return list(lexer)


def parse(text: str) -> Block:
    root = Block("<file>")
    stack = [root]
    for number, line in enumerate(text.splitlines(), 1):
        words = _words(line)
        while words:
            if words[0] == "}":
                if len(stack) == 1:
                    raise ValueError(f"line {number}: '}}' without a block")
                stack.pop()
                words = words[1:]
                continue
            if "{" in words:
                i = words.index("{")
                block = Block(words[0], words[1:i]) if i else Block("")
                stack[-1].blocks.append(block)
                stack.append(block)
                words = words[i + 1:]
                continue
            end = words.index("}") if "}" in words else len(words)
            stack[-1].statements.append(words[:end])
            words = words[end:]
    if len(stack) != 1:
        raise ValueError(f"unclosed block {stack[-1].keyword}")
    return root
