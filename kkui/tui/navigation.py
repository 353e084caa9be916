"""The console's screens in order: the one list the app's modes, the number keys, the
navigation row, the command palette and the help screen are built from."""

from __future__ import annotations

SCREENS: tuple[tuple[str, str], ...] = (  # mode name, title
    ("hosts", "Hosts"),
    ("roles", "Roles"),
    ("cluster", "Cluster"),
    ("review", "Review"),
    ("precheck", "Precheck"),
    ("install", "Install"),
    ("loadbalancer", "LB pair"),
    ("verify", "Verify"),
)
SCREEN_NAMES: tuple[str, ...] = tuple(name for name, _ in SCREENS)
TITLES: dict[str, str] = dict(SCREENS)


def screen_keys(index: int) -> str:
    """The keys that show screen ``index`` (1-based): the digit works when no text field is
    being edited; alt+digit works from anywhere and never types into a field."""
    return f"{index},alt+{index}"
