"""Pick one of a few values (the upgrade's next version, the node to delete): enter picks,
escape leaves without a choice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)


class Choose(ModalScreen[str | None]):
    DEFAULT_CSS = """
    Choose { align: center middle; }
    Choose #choose-dialog {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    Choose #choose-title { text-style: bold; padding-bottom: 1; }
    Choose OptionList { height: auto; max-height: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "Cancel")]

    def __init__(self, title: str, text: str, choices: Sequence[tuple[str, str]]) -> None:
        """``choices``: (value, label) pairs, in the order shown."""
        super().__init__()
        self.title_text, self.text, self.choices = title, text, list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-dialog"):
            yield Static(self.title_text, id="choose-title")
            yield Static(self.text, id="choose-text")
            yield OptionList(*(Option(label, id=value) for value, label in self.choices),
                             id="choose-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_leave(self) -> None:
        self.dismiss(None)
