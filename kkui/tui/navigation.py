"""The console's screens in order: the one list the app's modes, the number keys, the
navigation row, the command palette and the help screen are built from."""

from __future__ import annotations

from kkui.i18n import N_

# titles are English message ids, translated where shown (navbar, help: issue #16)
SCREENS: tuple[tuple[str, str], ...] = (  # mode name, title
    ("hosts", N_("Hosts")),
    ("roles", N_("Roles")),
    ("cluster", N_("Cluster")),
    ("review", N_("Review")),
    ("precheck", N_("Precheck")),
    ("install", N_("Install")),
    ("loadbalancer", N_("LB pair")),
    ("verify", N_("Verify")),
    ("history", N_("History")),
    ("ops", N_("Cluster ops")),
)
SCREEN_NAMES: tuple[str, ...] = tuple(name for name, _ in SCREENS)
TITLES: dict[str, str] = dict(SCREENS)


def screen_keys(index: int) -> str:
    """The keys that show screen ``index`` (1-based): the digit works when no text field is
    being edited; alt+digit works from anywhere and never types into a field.  The tenth
    screen is 0 (typing "10" ends there too)."""
    return f"{screen_digit(index)},alt+{screen_digit(index)}"


def screen_digit(index: int) -> str:
    """The digit key of screen ``index`` (1-based): 1-9, then 0."""
    return str(index % 10)
