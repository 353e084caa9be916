"""Ask for a file name when the document came from a profile and has none yet."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kkui.i18n import _
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)


class SaveAs(ModalScreen[Path | None]):
    DEFAULT_CSS = """
    SaveAs { align: center middle; }
    SaveAs #dialog { width: 64; max-width: 100%; height: auto; border: thick $primary;
                     background: $surface; padding: 0 1; }
    SaveAs #dialog-title { text-style: bold; padding-bottom: 1; }
    SaveAs #save-error { color: $error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(_("Save the config as (written 0600, atomically):"),
                         id="dialog-title")
            yield Input(str(self.default), id="save-path")
            yield Static(_("enter saves"), id="save-error")
        yield Footer()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        path = Path(text).expanduser()
        if not text or path.is_dir():
            self.query_one("#save-error", Static).update(
                _("✘ give a file name, not a directory"))
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
