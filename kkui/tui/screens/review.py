"""Review: every validation problem (enter jumps to its field) and the file to be written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static, TextArea

from kkui.core.config.guard import UnsafeEditError
from kkui.core.errors import shown_error
from kkui.i18n import N_, _, shown
from kkui.tui.mask import mask_secrets
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar
from kkui.tui.widgets.tr import add_columns

_INDEX = re.compile(r"\[\d+\]")
_NAMED = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class ProblemGroup:
    """Identical problems of several rows (e.g. a password in the file on six hosts): one
    line in the table, every field in the detail pane."""

    severity: str
    message: str
    problems: tuple[Any, ...]

    @property
    def path(self) -> str:
        first = self.problems[0].path
        return first if len(self.problems) == 1 else _INDEX.sub("[*]", first)


def group_problems(problems: list[Any]) -> list[ProblemGroup]:
    """Same severity, same field of different rows, same message but for the row's name."""
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for problem in problems:  # grouped by the shown text (the user's language)
        key = (problem.severity, _INDEX.sub("[*]", problem.path),
               _NAMED.sub("(…)", str(shown(problem.message))))
        groups.setdefault(key, []).append(problem)
    return [ProblemGroup(items[0].severity,
                         str(shown(items[0].message)) if len(items) == 1 else key[2],
                         tuple(items)) for key, items in groups.items()]


def severity_cell(severity: str) -> Text:
    if severity == "error":
        return Text(_("✘ error"), style="bold red")
    return Text(_("! warning"), style="bold yellow")


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
        add_columns(table, (("severity", N_("Severity")), ("path", N_("Field")),
                            ("message", N_("Problem"))))
        yield table
        yield Static("", id="problem-detail")
        yield Static("", id="preview-title")
        yield TextArea("", id="preview", read_only=True, show_line_numbers=True,
                       soft_wrap=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#problems").focus()

    def refresh_from_document(self) -> None:
        doc = self.doc
        self.problems = doc.validate()
        self.groups = group_problems(self.problems)
        table = self.query_one("#problems", DataTable)
        cursor = table.cursor_row
        table.clear()
        for index, group in enumerate(self.groups):
            count = f" (×{len(group.problems)})" if len(group.problems) > 1 else ""
            table.add_row(severity_cell(group.severity), Text(group.path + count, style="bold"),
                          Text(group.message, overflow="ellipsis", no_wrap=True),
                          key=str(index))
        if self.groups:
            table.move_cursor(row=min(cursor, len(self.groups) - 1))
        self._show_detail()
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        summary = Text.assemble(
            (_("✘ {count} error(s)").format(count=errors), "bold red") if errors else
            (_("✔ no errors"), "bold green"),
            " · ", (_("{count} warning(s)").format(count=warnings), "yellow" if warnings else ""),
            _(" — enter on a problem opens its field") if self.problems else "")
        self.query_one("#review-summary", Static).update(summary)
        table.display = bool(self.problems)
        target = doc.path or self.kapp.default_save_path
        state = _("unsaved changes") if doc.is_modified else _("no changes")
        self.query_one("#preview-title", Static).update(
            _("{target} as it will be written ({state}; passwords shown as ••••; ctrl+s "
              "saves)").format(target=target, state=state))
        preview = self.query_one("#preview", TextArea)
        try:
            text = mask_secrets(doc.to_text())
        except UnsafeEditError as exc:  # the write guard: saving would be refused too
            text = f"# {shown_error(exc)}\n"
        if preview.text != text:
            preview.load_text(text)

    @on(DataTable.RowHighlighted, "#problems")
    def _show_detail(self) -> None:
        """The whole message (the table cuts it at the screen edge) and every field."""
        detail = self.query_one("#problem-detail", Static)
        table = self.query_one("#problems", DataTable)
        groups = getattr(self, "groups", [])
        if not groups or not table.row_count:
            detail.display = False
            return
        group = groups[min(table.cursor_row, len(groups) - 1)]
        text = Text.assemble(severity_cell(group.severity), " ")
        if len(group.problems) == 1:
            text.append(f"{group.problems[0].path}: ", style="bold")
            text.append(str(shown(group.problems[0].message)))
        else:
            text.append(_("{count} fields: ").format(count=len(group.problems)), style="bold")
            for problem in group.problems:
                text.append(f"\n  {problem.path}: {shown(problem.message)}")
        detail.update(text)
        detail.display = True

    @on(DataTable.RowSelected, "#problems")
    def _selected(self) -> None:
        self.action_jump()

    def action_jump(self) -> None:
        table = self.query_one("#problems", DataTable)
        if not table.row_count or not table.has_focus:
            return
        problem = self.groups[table.cursor_row].problems[0]
        self.run_worker(self.kapp.jump_to(problem.path), group="jump")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "jump":
            return self.is_mounted and self.query_one("#problems", DataTable).has_focus
        return True
