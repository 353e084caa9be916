"""Roles: a host × role grid (etcd / control-plane / worker) toggled with space."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from kkui.core.config.model import ROLES
from kkui.i18n import N_, _, shown
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar
from kkui.tui.widgets.tr import add_columns

ON, OFF = "✔", "·"
WATCHED_PATHS = ("spec.roleGroups", "spec.controlPlaneEndpoint")
ENDPOINT_WORDS = {"none": N_("no load balancer"), "haproxy": N_("internal haproxy"),
                  "kube-vip": "kube-vip", "external": N_("external LB pair")}


def role_cell(on: bool) -> Text:
    return Text(ON if on else OFF, style="bold green" if on else "dim", justify="center")


class RolesScreen(KkuiScreen):
    CSS_PATH = "roles.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_cell", "Toggle"),
        Binding("e", "toggle_role('etcd')", "etcd"),
        Binding("c", "toggle_role('control-plane')", "control-plane"),
        Binding("w", "toggle_role('worker')", "worker"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("roles")
        table: DataTable[Any] = DataTable(id="roles-table", cursor_type="cell")
        add_columns(table, (("name", N_("Host")), ("address", N_("Address"))))
        for role in ROLES:
            table.add_column(role, key=role, width=max(len(role), 6))
        yield table
        yield Static("", id="roles-counts")
        yield Static("", id="roles-warnings")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#roles-table", DataTable)
        table.focus()

    def refresh_from_document(self) -> None:
        model = self.doc.model()
        table = self.query_one("#roles-table", DataTable)
        cursor = table.cursor_coordinate
        table.clear()
        for host in model.hosts:
            roles = model.roles_of(host.name)
            table.add_row(Text(host.name, style="bold"), Text(host.address),
                          *(role_cell(r in roles) for r in ROLES), key=host.name)
        if model.hosts:
            column = cursor.column if cursor.column >= 2 else 2
            table.move_cursor(row=min(cursor.row, len(model.hosts) - 1), column=column)
        counts = " · ".join(f"{role} {len(model.role_groups.get(role, ()))}" for role in ROLES)
        lb = _(ENDPOINT_WORDS[model.lb_mode])
        self.query_one("#roles-counts", Static).update(
            _("{counts} · endpoint: {lb}").format(counts=counts, lb=lb))
        problems = [p for p in self.doc.validate() if p.path.startswith(WATCHED_PATHS)]
        lines = [Text.assemble(("✘ " if p.severity == "error" else "! ",
                                "bold red" if p.severity == "error" else "bold yellow"),
                               shown(p.message)) for p in problems]
        warnings = self.query_one("#roles-warnings", Static)
        warnings.update(Text("\n").join(lines) if lines else Text(_("✔ roles look consistent"),
                                                                   style="green"))
        warnings.set_class(bool(problems), "-problems")

    def _toggle(self, name: str, role: str) -> None:
        current = set(self.doc.model().roles_of(name))
        current ^= {role}
        self.kapp.edit(lambda: self.doc.set_roles(name, sorted(current), host_order=True))

    def _current_name(self) -> str | None:
        table = self.query_one("#roles-table", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_toggle_cell(self) -> None:
        table = self.query_one("#roles-table", DataTable)
        name = self._current_name()
        if name is None:
            return
        column = str(table.coordinate_to_cell_key(table.cursor_coordinate).column_key.value)
        if column in ROLES:
            self._toggle(name, column)
        else:
            self.notify(_("Move to a role column (→) and press space"), severity="information")

    def action_toggle_role(self, role: str) -> None:
        name = self._current_name()
        if name is not None:
            self._toggle(name, role)

    @on(DataTable.CellSelected)
    def _clicked(self, event: DataTable.CellSelected) -> None:
        """Enter or a mouse click on a role cell toggles it too."""
        if str(event.cell_key.column_key.value) in ROLES:
            self._toggle(str(event.cell_key.row_key.value), str(event.cell_key.column_key.value))

    def focus_path(self, path: str) -> None:
        table = self.query_one("#roles-table", DataTable)
        table.focus()
        for role in ROLES:
            if path.startswith(f"spec.roleGroups.{role}") and table.row_count:
                table.move_cursor(column=table.get_column_index(role))
