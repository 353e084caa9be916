"""The row of screen names under the header: shows where you are, click or press 1-6."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Click
from textual.widgets import Static

from kkui.i18n import _
from kkui.tui.navigation import SCREENS


class NavItem(Static):
    def __init__(self, index: int, name: str, title: str, current: bool) -> None:
        super().__init__(f" {index} {_(title)}", classes="nav-item")
        self.mode_name = name
        self.set_class(current, "-current")

    async def on_click(self, event: Click) -> None:
        event.stop()
        await self.app.run_action(f"goto('{self.mode_name}')")


class NavBar(Horizontal):
    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; }
    NavBar .nav-item { width: auto; color: $text-muted; }
    NavBar .nav-item:hover { background: $boost; color: $text; }
    NavBar .nav-item.-current { background: $primary; color: $text; text-style: bold; }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        for index, (name, title) in enumerate(SCREENS, start=1):
            yield NavItem(index, name, title, name == self.current)
