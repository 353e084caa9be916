"""Masking secrets in YAML text before it is shown (the file on disk keeps them)."""

from __future__ import annotations

import re

MASK = "••••"
SECRET_KEYS = ("password", "privateKey", "authPass", "statsPassword")

# key: value inside a block mapping line or a flow mapping ({..., password: "x", ...}).
_VALUE = r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^,}\n#]*[^,}\n# ])"
_SECRET = re.compile(r"(?P<key>(?<![\w-])(?:" + "|".join(SECRET_KEYS) + r")\s*:[ \t]*)" + _VALUE)
_BLOCK_START = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?:" + "|".join(SECRET_KEYS)
                          + r")\s*:\s*[|>][-+0-9]*\s*$")


def mask_secrets(text: str) -> str:
    """Replace every secret value with ``••••``; block scalars lose their body lines."""
    out: list[str] = []
    block_indent: int | None = None
    for line in text.split("\n"):
        if block_indent is not None:
            stripped = line.strip()
            indent = len(line) - len(line.lstrip())
            if not stripped or indent > block_indent:
                continue  # body of a `privateKey: |` block
            block_indent = None
        start = _BLOCK_START.match(line)
        if start:
            out.append(line[: line.index(":") + 1] + " " + MASK)
            block_indent = len(start.group("indent"))
            continue
        out.append(_SECRET.sub(lambda m: m.group("key") + MASK, line))
    return "\n".join(out)
