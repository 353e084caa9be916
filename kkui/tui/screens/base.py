"""What every kkui screen shares: header, navigation row, footer, the document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual.screen import Screen

from kkui.core.config import ClusterDocument
from kkui.tui.messages import DocumentChanged

if TYPE_CHECKING:
    from kkui.tui.app import KkuiApp


class KkuiScreen(Screen[Any]):
    """Subclasses implement ``refresh_from_document``; it runs on every edit and on resume."""

    @property
    def kapp(self) -> KkuiApp:
        return cast("KkuiApp", self.app)

    @property
    def doc(self) -> ClusterDocument:
        return self.kapp.document

    def refresh_from_document(self) -> None:
        """Re-read the document into the widgets."""

    def relabel(self) -> None:
        """The language changed (f2): text built from state in the new language. The fixed
        labels (kkui.tui.widgets.tr) re-label themselves; most screens are built from the
        document, so re-reading it is enough; screens that show run results re-render them."""
        self.refresh_from_document()

    def on_screen_resume(self) -> None:
        self.refresh_from_document()

    @on(DocumentChanged)
    def _document_changed(self) -> None:
        self.refresh_from_document()
