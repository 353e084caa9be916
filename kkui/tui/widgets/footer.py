"""The footer of every kkui screen and dialog: Textual's, with the key labels in the user's
language (issue #16). Bindings are declared with English descriptions (message ids, marked with
``N_``); they are translated here, when shown, so that the language can be chosen after import.

In Chinese the footer is fitted to the terminal (CJK takes two columns a character): compact
spacing, and when the screen's own keys need the room, the console-wide keys that the help
(``?``) and the command palette list anyway are left out — ``?`` first, then ctrl+s, then
ctrl+q — and then descriptions lose their bracketed detail ("检查（haproxy -c、keepalived -t）"
becomes "检查"; the help shows it whole), so that no label is cut in half at 80 columns.
English keeps Textual's footer as is.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey, FooterLabel

from kkui.i18n import N_, _, language
from kkui.i18n.width import cells

# Textual's own footer words (its command-palette key), so that Babel extracts them too
TEXTUAL_IDS = (N_("palette"),)
# console-wide actions the footer may leave out when it is too narrow (first dropped first)
DROPPABLE = ("help", "save", "quit")
BRACKETED = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def key_width(key: FooterKey) -> int:
    """Columns of a compact footer key: key, space, description, then a space (margin or
    the palette's border)."""
    return cells(key.key_display) + 1 + cells(key.description) + 1


class Footer(TextualFooter):
    def compose(self) -> ComposeResult:
        widgets: list[Widget] = []
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if isinstance(widget.tooltip, str) and widget.tooltip:
                    widget.tooltip = _(widget.tooltip)
            elif isinstance(widget, FooterLabel):
                widget.update(_(str(widget.render())))
            widgets.append(widget)
        chinese = language() == "zh"
        self.compact = chinese  # back to Textual's spacing after a switch to English
        if chinese:
            widgets = self._fitted(widgets)
        yield from widgets

    def on_resize(self) -> None:
        """A wider or narrower terminal: fit the Chinese footer again."""
        if language() == "zh" and self.app.size.width != getattr(self, "fitted_to", None):
            self.refresh(recompose=True)

    def _fitted(self, widgets: list[Widget]) -> list[Widget]:
        self.fitted_to = self.app.size.width
        width = self.fitted_to - 1  # the docked palette key keeps one column free
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        used = sum(key_width(k) for k in keys)
        for action in DROPPABLE:
            if used <= width:
                break
            for key in [k for k in keys if k.action == action]:
                widgets.remove(key)
                keys.remove(key)
                used -= key_width(key)
        for key in sorted(keys, key=lambda k: -cells(k.description)):
            if used <= width:
                break
            short = BRACKETED.sub("", key.description)
            if short and short != key.description:
                used -= cells(key.description) - cells(short)
                key.description = short
        return widgets
