"""A checkbox whose state shows without colour: ``✔`` ticked, blank not (Textual's checkbox
draws the same ``X`` both ways and tells them apart by colour only, lost under NO_COLOR)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class Tick(Checkbox):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "✔" if self.value else " "
        return super()._button
