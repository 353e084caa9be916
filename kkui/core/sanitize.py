"""Make text from hosts and from kk safe to show on a terminal or in the TUI.

Hosts and kk (which relays remote command output) control those bytes: an escape sequence in
a hostname or a ``stdout: [node1]`` body could write the clipboard (OSC 52), clear the screen,
retitle the window or a tmux pane, or hide text (issue #10, items 8 and 9).  Everything shown
goes through :func:`for_display`: complete escape sequences are dropped (colours included),
other control characters become visible control pictures (``␇``), and bidi overrides (which
reorder what the reader sees) are dropped.  Log files keep the raw text.
"""

from __future__ import annotations

import re

# ESC-introduced sequences (ECMA-48): CSI ``ESC [`` params final; OSC ``ESC ]`` and the string
# controls DCS/SOS/PM/APC (``ESC P X ^ _``) up to BEL or ST (``ESC \\``) — or to the end of the
# text when unterminated; any other ``ESC x`` pair.  Their 8-bit C1 forms (U+009B CSI, U+009D
# OSC, U+0090 DCS ...) likewise.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]P X^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
# What is left: C0 controls except tab and newline, DEL, C1 controls, bidi embedding /
# override / isolate controls.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _picture(match: re.Match[str]) -> str:
    char = match.group()
    if char in _BIDI:
        return ""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # a C1 control


def for_display(text: str, *, newlines: bool = True) -> str:
    """``text`` without terminal control: sequences removed, lone controls made visible.
    ``newlines=False`` also turns newlines into ``␊`` (for one-line fields)."""
    if not _UNSAFE.search(text) and (newlines or "\n" not in text):
        return text  # the common case: nothing to do, no copy
    text = _SEQUENCE.sub("", text)
    text = _UNSAFE.sub(_picture, text)
    if not newlines:
        text = text.replace("\n", "\u240a")
    return text


def is_clean(text: str) -> bool:
    """True when ``text`` holds nothing that :func:`for_display` would change."""
    return not _UNSAFE.search(text)
