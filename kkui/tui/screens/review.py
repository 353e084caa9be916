"""Review: every validation problem (enter jumps to its field) and the file to be written."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static, TextArea

from kkui.tui.mask import mask_secrets
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.navbar import NavBar


def severity_cell(severity: str) -> Text:
    if severity == "error":
        return Text("✘ error", style="bold red")
    return Text("! warning", style="bold yellow")


class ReviewScreen(KkuiScreen):
    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "jump", "Go to field", show=True),
        Binding("tab", "app.focus_next", "Problems/preview", show=True),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("review")
        yield Static("", id="review-summary")
        table: DataTable[Any] = DataTable(id="problems", cursor_type="row")
        table.add_column("Severity", key="severity")
        table.add_column("Field", key="path")
        table.add_column("Problem", key="message")
        yield table
        yield Static("", id="preview-title")
        yield TextArea("", id="preview", read_only=True, show_line_numbers=True,
                       soft_wrap=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#problems").focus()

    def refresh_from_document(self) -> None:
        doc = self.doc
        self.problems = doc.validate()
        table = self.query_one("#problems", DataTable)
        table.clear()
        for index, problem in enumerate(self.problems):
            table.add_row(severity_cell(problem.severity), Text(problem.path, style="bold"),
                          Text(problem.message), key=str(index))
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        summary = Text.assemble(
            (f"✘ {errors} error(s)", "bold red") if errors else ("✔ no errors", "bold green"),
            " · ", (f"{warnings} warning(s)", "yellow" if warnings else ""),
            " — enter on a problem opens its field" if self.problems else "")
        self.query_one("#review-summary", Static).update(summary)
        table.display = bool(self.problems)
        target = doc.path or self.kapp.default_save_path
        state = "unsaved changes" if doc.is_modified else "no changes"
        self.query_one("#preview-title", Static).update(
            f"{target} as it will be written ({state}; passwords shown as ••••; ctrl+s saves)")
        preview = self.query_one("#preview", TextArea)
        text = mask_secrets(doc.to_text())
        if preview.text != text:
            preview.load_text(text)

    @on(DataTable.RowSelected, "#problems")
    def _selected(self) -> None:
        self.action_jump()

    def action_jump(self) -> None:
        table = self.query_one("#problems", DataTable)
        if not table.row_count or not table.has_focus:
            return
        problem = self.problems[table.cursor_row]
        self.run_worker(self.kapp.jump_to(problem.path), group="jump")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "jump":
            return self.is_mounted and self.query_one("#problems", DataTable).has_focus
        return True
