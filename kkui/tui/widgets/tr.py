"""Widgets that keep their English message id and show it in the current language, so that a
language switch at run time (``f2``, issue #16) re-labels a screen in place: no recompose, no
lost edits, no lost results. A screen's fixed text is one of these; text built from state is
re-rendered by the screen's own ``relabel`` (see :func:`relabel_screen`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.dom import DOMNode
from textual.widgets import DataTable, Label, Static

from kkui.i18n import _


class TrStatic(Static):
    """A ``Static`` showing ``_(msgid)`` (optionally ``.format(**values)``)."""

    def __init__(self, msgid: str, *, style: str = "", **values: Any) -> None:
        kwargs = {k: values.pop(k) for k in ("id", "classes", "markup") if k in values}
        super().__init__(self._text(msgid, values, style), **kwargs)
        self.msgid, self.msg_values, self.msg_style = msgid, values, style

    @staticmethod
    def _text(msgid: str, values: dict[str, Any], style: str) -> Any:
        text = _(msgid).format(**values) if values else _(msgid)
        return Text(text, style=style) if style else text

    def relabel(self) -> None:
        self.update(self._text(self.msgid, self.msg_values, self.msg_style))


class TrLabel(Label):
    """A field label showing ``_(msgid)``."""

    def __init__(self, msgid: str, **kwargs: Any) -> None:
        super().__init__(_(msgid), **kwargs)
        self.msgid = msgid

    def set_msgid(self, msgid: str) -> None:
        self.msgid = msgid
        self.update(_(msgid))

    def relabel(self) -> None:
        self.update(_(self.msgid))


def add_columns(table: DataTable[Any], columns: Iterable[tuple[str, str]]) -> None:
    """Columns ``(key, English header)`` shown translated; :func:`relabel_columns` re-labels
    them after a language switch."""
    ids: dict[str, str] = table.__dict__.setdefault("header_ids", {})
    for key, header in columns:
        ids[key] = header
        table.add_column(_(header), key=key)


def relabel_columns(table: DataTable[Any]) -> None:
    """Headers in the current language; auto-width columns fit the new (CJK: wider) header."""
    from textual.render import measure
    from textual.widgets._data_table import default_cell_formatter

    ids: dict[str, str] = table.__dict__.get("header_ids", {})
    console = table.app.console
    for key, column in table.columns.items():
        header = ids.get(str(key.value))
        if header is None:
            continue
        column.label = Text(_(header))
        if column.auto_width:
            cells = [measure(console, default_cell_formatter(c), 1)
                     for c in table.get_column(key)]
            column.content_width = max([*cells, measure(console, column.label, 1)])
    table._require_update_dimensions = True  # noqa: SLF001 - the widths changed
    table._clear_caches()  # noqa: SLF001
    table.refresh()


def relabel_tree(root: DOMNode) -> None:
    """Every translatable widget under ``root`` in the current language."""
    from kkui.tui.widgets.footer import Footer
    from kkui.tui.widgets.navbar import NavBar

    for widget in root.query("*"):
        if isinstance(widget, (Footer, NavBar)):
            widget.refresh(recompose=True)
        elif isinstance(widget, DataTable) and "header_ids" in widget.__dict__:
            relabel_columns(widget)
        relabel = getattr(widget, "relabel", None)
        if callable(relabel):
            relabel()
