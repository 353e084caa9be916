"""The footer of every kkui screen and dialog: Textual's, with the key labels in the user's
language (issue #16). Bindings are declared with English descriptions (message ids, marked with
``N_``); they are translated here, when shown, so that the language can be chosen after import."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey, FooterLabel

from kkui.i18n import N_, _

# Textual's own footer words (its command-palette key), so that Babel extracts them too
TEXTUAL_IDS = (N_("palette"),)


class Footer(TextualFooter):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if isinstance(widget.tooltip, str) and widget.tooltip:
                    widget.tooltip = _(widget.tooltip)
            elif isinstance(widget, FooterLabel):
                widget.update(_(str(widget.render())))
            yield widget
