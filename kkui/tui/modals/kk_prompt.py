"""kk's "Continue this installation? [yes/no]" as a dialog that shows kk's precheck table."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from kkui.i18n import _
from kkui.tui.modals.confirm import YesNoDialog
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)

# Columns kk needs on every host; an empty cell there means kk will refuse or fail.
REQUIRED = ("sudo", "curl", "openssl", "socat", "conntrack")


def table_cell(column: str, value: str) -> Text:
    if value:
        return Text(value, style="green" if value == "y" else "")
    return Text("✘" if column in REQUIRED else "", style="bold red")


class KkPrompt(YesNoDialog):
    DEFAULT_CSS = """
    KkPrompt { align: center middle; }
    KkPrompt #dialog { width: 100%; max-width: 120; height: auto; max-height: 100%;
                       border: thick $warning; background: $surface; padding: 0 1; }
    KkPrompt #dialog-title { text-style: bold; }
    KkPrompt DataTable { height: auto; max-height: 12; margin: 1 0; }
    KkPrompt #buttons { height: auto; align-horizontal: right; }
    KkPrompt Button { margin-left: 1; min-width: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, continue"),
        Binding("n,escape", "answer(False)", "No, stop"),
    ]

    def __init__(self, prompt: Any) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        rows: tuple[tuple[str, ...], ...] = tuple(self.prompt.table or ())
        with Vertical(id="dialog"):
            yield Static(_("kk asks: {question}").format(question=self.prompt.text.strip()),
                         id="dialog-title")
            if rows:
                table: DataTable[Any] = DataTable(id="kk-table", cursor_type="row")
                header = rows[0]
                table.add_columns(*header)
                for row in rows[1:]:
                    table.add_row(*(table_cell(c, v) for c, v in zip(header, row, strict=False)))
                yield table
                missing = [f"{row[0]}: {c}" for row in rows[1:]
                           for c, v in zip(header, row, strict=False) if c in REQUIRED and not v]
                note = _("✘ missing on {missing} — kk will stop").format(
                    missing=", ".join(missing))
                yield Static(Text(note, style="bold red") if missing else
                             Text(_("✔ every host has sudo, curl, openssl, socat and "
                                    "conntrack"), style="green"), id="kk-table-note")
            else:
                yield Static(_("(kk printed no precheck table)"))
            yield Static(_("Continuing lets kk configure the hosts (swap off, SELinux "
                           "disabled, firewalld stopped) and install Kubernetes."))
            with Horizontal(id="buttons"):
                yield Button(_("Yes, continue") + " (y)", variant="primary", id="yes")
                yield Button(_("No, stop") + " (n)", variant="error", id="no")
        yield Footer()
