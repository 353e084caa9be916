"""Hostile kk output for the hardening tests: a transcript for tests/support/fake_kk.py whose
lines carry terminal control sequences (as kk relays them from a host) and an over-long line."""

from __future__ import annotations

from pathlib import Path

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"  # write "rm -rf ~" to the clipboard
TITLE = "\x1b]0;pwned-title\x07"
CLEAR = "\x1b[2J\x1b[H"
TMUX_TITLE = "\x1bk pane-pwned\x1b\\"  # tmux: rename the window
C1_CSI = "\u009b31m"  # the 8-bit CSI, UTF-8 encoded
BIDI = "\u202e"  # right-to-left override
LONG = 200_000  # characters of the over-long stdout line

# What must never reach a terminal or the log pane.
FORBIDDEN = ("\x1b", "\x07", "\u009b", "\u202e")


def write_transcript(path: Path) -> Path:
    lines = [
        "!banner",
        "E {T} [GreetingsModule] Greetings",
        "E {T} message: [node1]",
        f"E {OSC52}clipboard-attack",
        f"E {TITLE}title-attack",
        f"E {CLEAR}clear-attack",
        f"E {TMUX_TITLE}tmux-attack",
        f"E {C1_CSI}c1-attack",
        f"E {BIDI}bidi-attack",
        "E {T} success: [node1]",
        "O " + "A" * LONG,
        "E {T} [NodePreCheckModule] A pre-check on nodes",
        "E {T} success: [node1]",
        "E {T} Pipeline[CreateClusterPipeline] execute successfully",
        "!exit 0",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def visible_attacks(text: str) -> list[str]:
    """The attack lines' harmless text, which must still be shown."""
    names = ("clipboard", "title", "clear", "tmux", "c1", "bidi")
    return [name for name in names if f"{name}-attack" not in text]
