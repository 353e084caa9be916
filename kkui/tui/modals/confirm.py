"""Yes/no questions: quit with unsaved changes, delete a host, cancel kk, fix packages."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kkui.i18n import _
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)

CONFIRM_CSS = """
Confirm, ConfirmQuit { align: center middle; }
Confirm #dialog, ConfirmQuit #dialog {
    width: 64; max-width: 100%; height: auto; max-height: 100%;
    border: thick $warning; background: $surface; padding: 0 1;
}
Confirm #dialog-title, ConfirmQuit #dialog-title { text-style: bold; padding-bottom: 1; }
Confirm #dialog.-wide { width: 100; }
/* text and detail scroll together; the buttons below stay on screen at any size (80x24 too) */
Confirm #dialog-body { height: auto; max-height: 65vh; }
Confirm #dialog-detail-text { margin-top: 1; border-top: solid $primary; }
Confirm #buttons, ConfirmQuit #buttons { height: auto; align-horizontal: right; padding-top: 1; }
Confirm Button, ConfirmQuit Button { margin-left: 1; min-width: 10; }
"""


class YesNoDialog(ModalScreen[bool]):
    """Buttons ``#yes`` / ``#no`` (``y`` / ``n``, escape = no); "no" has the focus, so an
    accidental enter never says yes."""

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Confirm(YesNoDialog):
    """A question with a yes and a no button."""

    DEFAULT_CSS = CONFIRM_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, text: str, *, yes: str = "Yes", no: str = "No",
                 detail: str = "") -> None:
        super().__init__()
        self.title_text, self.text, self.yes, self.no = title, text, yes, no
        self.detail = detail  # long text (the install's per-host plan): a scrolling section

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-wide" if self.detail else ""):
            yield Static(self.title_text, id="dialog-title")
            if self.detail:
                with VerticalScroll(id="dialog-body"):
                    yield Static(self.text, id="dialog-text")
                    yield Static(self.detail, id="dialog-detail-text", markup=False)
            else:
                yield Static(self.text, id="dialog-text")
            with Horizontal(id="buttons"):
                # the default "Yes"/"No" and any other label that is a known message id
                yield Button(f"{_(self.yes)} (y)", variant="warning", id="yes")
                yield Button(f"{_(self.no)} (n)", id="no")
        yield Footer()


class ConfirmQuit(ModalScreen[str | None]):
    """Quit with unsaved changes or running work: save / discard / stay."""

    DEFAULT_CSS = CONFIRM_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "choose('save')", "Save and quit"),
        Binding("d", "choose('discard')", "Quit without saving"),
        Binding("escape", "choose('stay')", "Stay"),
    ]

    def __init__(self, *, modified: bool, running: list[str]) -> None:
        super().__init__()
        self.modified, self.running = modified, running

    def compose(self) -> ComposeResult:
        lines = []
        if self.modified:
            lines.append(_("The config has unsaved changes."))
        if self.running:
            lines.append(_("Still running: {work} — quitting stops it (kk's whole process "
                           "tree is killed).").format(work=", ".join(self.running)))
        with Vertical(id="dialog"):
            yield Static(_("Quit kkui?"), id="dialog-title")
            yield Static("\n".join(lines), id="dialog-text")
            with Horizontal(id="buttons"):
                if self.modified:
                    yield Button(_("Save and quit") + " (s)", variant="primary", id="save")
                yield Button((_("Quit without saving") if self.modified else _("Quit"))
                             + " (d)", variant="error", id="discard")
                yield Button(_("Stay") + " (esc)", id="stay")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_choose(self, choice: str) -> None:
        if choice == "save" and not self.modified:
            return
        self.dismiss(choice)
