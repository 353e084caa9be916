"""Hosts: the table of ``spec.hosts`` with add, edit, duplicate, delete and bulk add."""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from kkui.core.config.model import Host
from kkui.tui.jump import host_row
from kkui.tui.modals.bulk_add import BulkAdd, BulkResult
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.host_form import HostForm
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.navbar import NavBar

COLUMNS = (("name", "Name"), ("address", "Address"), ("internal", "Internal"), ("user", "User"),
           ("auth", "Auth"), ("port", "Port"), ("arch", "Arch"), ("roles", "Roles"))
ROLE_SHORT = {"etcd": "etcd", "control-plane": "cp", "worker": "worker"}


def auth_text(host: Host) -> Text:
    """``key`` / ``password ••••``: the secret itself is never shown."""
    label = host.auth_label
    return Text(label, style="yellow" if label.startswith("password") else "")


def next_name(name: str, taken: set[str]) -> str:
    match = re.match(r"^(.*?)(\d+)$", name)
    head, number = (match[1], int(match[2])) if match else (f"{name}-", 1)
    while f"{head}{number}" in taken or f"{head}{number}" == name:
        number += 1
    return f"{head}{number}"


def next_address(address: str, taken: set[str]) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    for step in range(1, 255):
        candidate = str(ip + step)
        if candidate not in taken:
            return candidate
    return ""


class HostsScreen(KkuiScreen):
    CSS_PATH = "hosts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("b", "bulk_add", "Bulk add"),
        Binding("e", "edit", "Edit"),
        Binding("c", "duplicate", "Duplicate"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("hosts")
        table: DataTable[Any] = DataTable(id="hosts-table", cursor_type="row", zebra_stripes=True)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="hosts-summary")
        yield Footer()

    # ----------------------------------------------------------------- view
    def refresh_from_document(self) -> None:
        model = self.doc.model()
        table = self.query_one("#hosts-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for host in model.hosts:
            roles = ", ".join(ROLE_SHORT[r] for r in model.roles_of(host.name)) or "—"
            table.add_row(Text(host.name, style="bold"), Text(host.address),
                          Text(host.internal_address or host.address), Text(host.user),
                          auth_text(host), Text(str(host.port)), Text(host.arch), Text(roles),
                          key=host.name)
        if model.hosts:
            table.move_cursor(row=min(cursor, len(model.hosts) - 1))
        summary = f"{len(model.hosts)} host(s)"
        for role, short in ROLE_SHORT.items():
            summary += f" · {short} {len(model.role_groups.get(role, ()))}"
        if not model.hosts:
            summary += " — press a to add a host, b to add a range"
        self.query_one("#hosts-summary", Static).update(summary)

    def on_mount(self) -> None:
        self.query_one("#hosts-table").focus()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_edit()

    def current_name(self) -> str | None:
        table = self.query_one("#hosts-table", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def raw_row(self, name: str) -> Mapping[str, Any]:
        for row in self.doc.get("spec.hosts", []) or []:
            if isinstance(row, Mapping) and str(row.get("name")) == name:
                return row
        return {}

    def _taken(self, except_name: str = "") -> tuple[set[str], set[str]]:
        model = self.doc.model()
        names = {h.name for h in model.hosts if h.name != except_name}
        addresses = {h.address for h in model.hosts if h.name != except_name}
        return names, addresses

    # --------------------------------------------------------------- actions
    def action_add(self) -> None:
        names, addresses = self._taken()
        self.app.push_screen(HostForm("Add host", taken_names=names, taken_addresses=addresses),
                             self._added)

    def _added(self, fields: dict[str, Any] | None) -> None:
        if fields:
            values = {k: v for k, v in fields.items() if v is not None}
            if self.kapp.edit(lambda: self.doc.add_host(values)):
                self._select(values["name"])

    def action_edit(self, focus_field: str = "name") -> None:
        name = self.current_name()
        if name is None:
            return
        names, addresses = self._taken(except_name=name)
        form = HostForm(f"Edit host {name}", self.raw_row(name), taken_names=names,
                        taken_addresses=addresses, focus_field=focus_field)
        self.app.push_screen(form, lambda fields: self._edited(name, fields))

    def _edited(self, name: str, fields: dict[str, Any] | None) -> None:
        if not fields:
            return
        raw = self.raw_row(name)
        changes = {k: v for k, v in fields.items() if v != raw.get(k) and
                   not (v is None and k not in raw)}
        if changes and self.kapp.edit(lambda: self.doc.update_host(name, **changes)):
            self._select(fields["name"])

    def action_duplicate(self) -> None:
        name = self.current_name()
        if name is None:
            return
        names, addresses = self._taken()
        row = dict(self.raw_row(name))
        row["name"] = next_name(name, names)
        row["address"] = next_address(str(row.get("address", "")), addresses)
        row["internalAddress"] = row["address"]
        form = HostForm(f"Duplicate {name}", row, taken_names=names, taken_addresses=addresses,
                        focus_field="address",
                        keep_secret_from=name if row.get("password") else "")
        self.app.push_screen(form, self._added)

    def action_delete(self) -> None:
        name = self.current_name()
        if name is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.kapp.edit(lambda: self.doc.remove_host(name))

        self.app.push_screen(Confirm(f"Delete host {name}?", f"{name} is removed from "
                                     "spec.hosts and from every role group.", yes="Delete"),
                             confirmed)

    def action_bulk_add(self) -> None:
        names, addresses = self._taken()
        self.app.push_screen(BulkAdd(taken_names=names, taken_addresses=addresses),
                             self._bulk_added)

    def _bulk_added(self, result: BulkResult | None) -> None:
        if result is None:
            return

        def apply() -> None:
            for planned in result.hosts:
                self.doc.add_host({"name": planned.name, "address": planned.address,
                                   **result.common})
                if result.roles:
                    self.doc.set_roles(planned.name, result.roles)

        if self.kapp.edit(apply):
            self.notify(f"Added {len(result.hosts)} host(s)")

    def _select(self, name: str) -> None:
        table = self.query_one("#hosts-table", DataTable)
        with contextlib.suppress(Exception):  # the row may be gone after a refused edit
            table.move_cursor(row=table.get_row_index(name))

    def focus_path(self, path: str) -> None:
        """Jump target of a validation problem: select the row, open its form at the field."""
        found = host_row(path)
        table = self.query_one("#hosts-table", DataTable)
        table.focus()
        if found is None or found[0] >= table.row_count:
            return
        table.move_cursor(row=found[0])
        field = found[1]
        if field in ("name", "address", "internalAddress", "user", "port", "password",
                     "privateKeyPath", "arch"):
            self.action_edit(focus_field="auth" if field == "password" else field)
