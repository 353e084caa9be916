"""``?``: the keys of the screen underneath and of the whole console."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from kkui.i18n import _
from kkui.tui.keys import GLOBAL_KEYS, LAST, screen_keys
from kkui.tui.navigation import TITLES
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)


class KeysHelp(ModalScreen[None]):
    DEFAULT_CSS = """
    KeysHelp { align: center middle; }
    KeysHelp #dialog { width: 76; max-width: 100%; height: auto; max-height: 100%;
                       border: thick $primary; background: $surface; padding: 0 1; }
    KeysHelp #keys { height: auto; max-height: 100%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q,f1", "app.pop_screen", "Close"),
    ]

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under

    def keys_table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        title = getattr(self.under, "HELP_TITLE", "") or (
            _(TITLES.get(str(self.app.current_mode), "")) if not isinstance(self.under,
                                                                ModalScreen)
            else "") or type(self.under).__name__
        own = screen_keys(type(self.under))
        table.add_row(Text(f"{title}", style="bold"), "")
        for key in own:
            table.add_row(key.keys, _(key.description))
        if not own:
            table.add_row("", Text(_("(no keys of its own)"), style="dim"))
        table.add_row("", "")
        table.add_row(Text(_("Everywhere"), style="bold"), "")
        for keys, text in GLOBAL_KEYS:
            table.add_row(keys, _(text).format(last=LAST))
        return table

    def plain_text(self) -> str:
        """The keys as plain text (what the dialog shows, without colour)."""
        from rich.console import Console

        console = Console(width=76, color_system=None)
        with console.capture() as captured:
            console.print(self.keys_table())
        return captured.get()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(_("Keys (esc closes)"), id="dialog-title")
            with VerticalScroll(id="keys"):
                yield Static(self.keys_table(), id="keys-table")
        yield Footer()
