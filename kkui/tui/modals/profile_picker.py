"""Start from a bundled profile (or open a file) when kkui finds no config here."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kkui.core.config import ClusterDocument
from kkui.core.config.profiles import list_profiles
from kkui.core.errors import KkuiError, shown_error
from kkui.i18n import _, shown
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)


class ProfilePicker(ModalScreen[ClusterDocument | None]):
    """Loading a profile only reads a bundled file: no host is contacted."""

    DEFAULT_CSS = """
    ProfilePicker { align: center middle; }
    ProfilePicker #dialog { width: 90; max-width: 100%; height: auto; max-height: 100%;
                            border: thick $primary; background: $surface; padding: 0 1; }
    ProfilePicker #dialog-title { text-style: bold; }
    ProfilePicker OptionList { height: auto; max-height: 12; margin: 1 0; }
    ProfilePicker #open-file { margin-top: 1; }
    ProfilePicker #picker-error { color: $error; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Quit"),
        Binding("o", "open_file", "Open a file"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(_("Start from a bundled profile"), id="dialog-title")
            yield Static(_("No ./config-sample.yaml here. The profiles use example addresses "
                           "(192.168.233.x): change them before precheck or install."))
            options = []
            for profile in list_profiles():
                label = Text.assemble((profile.name, "bold"), "  ",
                                      (str(shown(profile.description)), "dim"))
                options.append(Option(label, id=profile.name))
            yield OptionList(*options, id="profiles")
            yield Input(placeholder=_("…or type a config file path and press enter"),
                        id="open-file")
            yield Static("", id="picker-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or ""
        try:
            self.dismiss(ClusterDocument.from_profile(name))
        except KkuiError as exc:
            self.query_one("#picker-error", Static).update(f"✘ {shown_error(exc)}")

    @on(Input.Submitted, "#open-file")
    def _open(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(ClusterDocument.load(event.value.strip()))
        except KkuiError as exc:
            self.query_one("#picker-error", Static).update(f"✘ {shown_error(exc)}")

    def action_open_file(self) -> None:
        self.query_one("#open-file", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
