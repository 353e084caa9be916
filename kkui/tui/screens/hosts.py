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
from textual.widgets import DataTable, Header, Static

from kkui.core.config.model import Host
from kkui.i18n import N_, _
from kkui.tui.jump import host_row
from kkui.tui.modals.bulk_add import BulkAdd, BulkResult
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.host_form import HostForm
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar
from kkui.tui.widgets.tr import add_columns

COLUMNS = (("name", N_("Name")), ("address", N_("Address")), ("internal", N_("Internal")),
           ("user", N_("User")), ("auth", N_("Auth")), ("port", N_("Port")),
           ("arch", N_("Arch")), ("roles", N_("Roles")))
ROLE_SHORT = {"etcd": "etcd", "control-plane": "cp", "worker": "worker"}
# Host.auth_label's words (English message ids, shown translated)
AUTH_LABELS = (N_("key (inline)"), N_("key"), N_("password ••••"), N_("key (~/.ssh/id_rsa)"))
LB_ROLE = "loadbalancer"  # kkui's external pair: kkui:spec.loadBalancer.hosts, not kk's
LB_KEY = "lb:"  # row-key prefix of an LB host (names may repeat across the two lists)


def auth_text(host: Host) -> Text:
    """``key`` / ``password ••••``: the secret itself is never shown."""
    label = host.auth_label
    return Text(_(label), style="yellow" if label.startswith("password") else "")


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
        Binding("l", "add_lb", "Add LB host"),
        Binding("b", "bulk_add", "Bulk add"),
        Binding("e", "edit", "Edit"),
        Binding("c", "duplicate", "Duplicate"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("hosts")
        table: DataTable[Any] = DataTable(id="hosts-table", cursor_type="row", zebra_stripes=True)
        add_columns(table, COLUMNS)
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
            roles = ", ".join(ROLE_SHORT[r] for r in model.roles_of(host.name))
            table.add_row(Text(host.name, style="bold"), Text(host.address),
                          Text(host.internal_address or host.address), Text(host.user),
                          auth_text(host), Text(str(host.port)), Text(host.arch),
                          Text(roles) if roles else Text(_("none!"), style="bold yellow"),
                          key=host.name)
        lb_hosts = model.kkui.load_balancer.hosts
        for host in lb_hosts:
            table.add_row(Text(host.name, style="bold"), Text(host.address),
                          Text(host.internal_address or host.address), Text(host.user),
                          auth_text(host), Text(str(host.port)), Text(host.arch),
                          Text(LB_ROLE, style="magenta"), key=LB_KEY + host.name)
        rows = len(model.hosts) + len(lb_hosts)
        if rows:
            table.move_cursor(row=min(cursor, rows - 1))
        summary = _("{count} host(s)").format(count=len(model.hosts))
        for role, short in ROLE_SHORT.items():
            summary += f" · {short} {len(model.role_groups.get(role, ()))}"
        if lb_hosts:
            summary += f" · LB {len(lb_hosts)}"
        roleless = [h.name for h in model.hosts if not model.roles_of(h.name)]
        if roleless:
            summary += _(" — ! {hosts}: no role, kk will not touch it (2 Roles)").format(
                hosts=", ".join(roleless))
        if not model.hosts:
            summary += _(" — press a to add a host, b to add a range, l an LB host")
        self.query_one("#hosts-summary", Static).update(summary)

    def on_mount(self) -> None:
        self.query_one("#hosts-table").focus()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_edit()

    def current(self) -> tuple[str, bool] | None:
        """(name, is an LB host) of the selected row."""
        table = self.query_one("#hosts-table", DataTable)
        if not table.row_count:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return (key[len(LB_KEY):], True) if key.startswith(LB_KEY) else (key, False)

    def current_name(self) -> str | None:
        found = self.current()
        return found[0] if found else None

    def raw_row(self, name: str, lb: bool = False) -> Mapping[str, Any]:
        rows = self.doc.get_kkui("loadBalancer.hosts", []) if lb else \
            self.doc.get("spec.hosts", [])
        for row in rows or []:
            if isinstance(row, Mapping) and str(row.get("name")) == name:
                return row
        return {}

    def _taken(self, except_name: str = "", lb: bool = False) -> tuple[set[str], set[str]]:
        """Names and addresses of every other host, cluster nodes and LB hosts alike."""
        model = self.doc.model()
        others = [(h, False) for h in model.hosts] + \
            [(h, True) for h in model.kkui.load_balancer.hosts]
        rest = [h for h, is_lb in others if not (h.name == except_name and is_lb == lb)]
        return {h.name for h in rest}, {h.address for h in rest}

    def reserved_addresses(self) -> dict[str, str]:
        """Addresses a cluster node must not take: the VIP and the LB hosts' (a warning in
        the form; Duplicate never proposes them)."""
        model = self.doc.model()
        reserved = {h.address: _("{address} is load-balancer host {name}'s address").format(
            address=h.address, name=h.name) for h in model.kkui.load_balancer.hosts if h.address}
        vip = model.control_plane_endpoint.address
        if vip and model.lb_mode in ("external", "kube-vip", "none"):
            reserved[vip] = _("{vip} is the control-plane endpoint address (VIP): a node "
                              "with this address breaks failover").format(vip=vip)
        return reserved

    # --------------------------------------------------------------- actions
    def _last_auth(self) -> tuple[dict[str, Any], str]:
        """The login of the last host added this session (typed once, offered again)."""
        auth = dict(self.kapp.last_auth)
        return auth, str(auth.pop("from", ""))

    def action_add(self, lb: bool = False) -> None:
        names, addresses = self._taken()
        row, source = self._last_auth()
        title = _("Add load-balancer host") if lb else _("Add host")
        self.app.push_screen(HostForm(title, row, taken_names=names, taken_addresses=addresses,
                                      reserved={} if lb else self.reserved_addresses(),
                                      keep_secret_from=source if row.get("password") else ""),
                             lambda fields: self._added(fields, lb=lb))

    def action_add_lb(self) -> None:
        self.action_add(lb=True)

    def _added(self, fields: dict[str, Any] | None, lb: bool = False) -> None:
        if fields:
            values = {k: v for k, v in fields.items() if v is not None}
            if self.kapp.edit(lambda: self.doc.add_host(values, lb=lb)):
                self.remember_auth(values)
                self._select(values["name"], lb=lb)

    def remember_auth(self, values: Mapping[str, Any]) -> None:
        self.kapp.last_auth = {k: str(values[k]) for k in ("user", "port", "password",
                                                           "privateKeyPath")
                               if values.get(k)} | {"from": str(values.get("name", ""))}

    def action_edit(self, focus_field: str = "name") -> None:
        found = self.current()
        if found is None:
            return
        name, lb = found
        names, addresses = self._taken(except_name=name, lb=lb)
        title = _("Edit load-balancer host {name}") if lb else _("Edit host {name}")
        form = HostForm(title.format(name=name), self.raw_row(name, lb), taken_names=names,
                        taken_addresses=addresses, focus_field=focus_field,
                        reserved={} if lb else self.reserved_addresses())
        self.app.push_screen(form, lambda fields: self._edited(name, fields, lb))

    def _edited(self, name: str, fields: dict[str, Any] | None, lb: bool = False) -> None:
        if not fields:
            return
        raw = self.raw_row(name, lb)
        changes = {k: v for k, v in fields.items() if v != raw.get(k) and
                   not (v is None and k not in raw)}
        if changes and self.kapp.edit(lambda: self.doc.update_host(name, lb=lb, **changes)):
            self._select(fields["name"], lb=lb)

    def action_duplicate(self) -> None:
        found = self.current()
        if found is None:
            return
        name, lb = found
        names, addresses = self._taken()
        row = dict(self.raw_row(name, lb))
        row["name"] = next_name(name, names)
        reserved = self.reserved_addresses()
        row["address"] = next_address(str(row.get("address", "")), addresses | set(reserved))
        row["internalAddress"] = row["address"]
        form = HostForm(_("Duplicate {name}").format(name=name), row, taken_names=names,
                        taken_addresses=addresses,
                        focus_field="address", reserved={} if lb else reserved,
                        keep_secret_from=name if row.get("password") else "")
        self.app.push_screen(form, lambda fields: self._added(fields, lb=lb))

    def action_delete(self) -> None:
        found = self.current()
        if found is None:
            return
        name, lb = found

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.kapp.edit(lambda: self.doc.remove_host(name, lb=lb))

        text = _("{name} is removed from kkui's load-balancer pair.") if lb else \
            _("{name} is removed from spec.hosts and from every role group.")
        self.app.push_screen(Confirm(_("Delete host {name}?").format(name=name),
                                     text.format(name=name), yes=_("Delete")), confirmed)

    def action_bulk_add(self) -> None:
        names, addresses = self._taken()
        last, _ = self._last_auth()
        self.app.push_screen(BulkAdd(taken_names=names, taken_addresses=addresses,
                                     last_auth=last), self._bulk_added)

    def _bulk_added(self, result: BulkResult | None) -> None:
        if result is None:
            return

        lb = LB_ROLE in result.roles

        def apply() -> None:
            for planned in result.hosts:
                self.doc.add_host({"name": planned.name, "address": planned.address,
                                   **result.common}, lb=lb)
                if result.roles and not lb:
                    self.doc.set_roles(planned.name, result.roles)

        if self.kapp.edit(apply):
            self.remember_auth({**result.common, "name": result.hosts[-1].name}
                               if result.hosts else result.common)
            self.notify(_("Added {count} host(s)").format(count=len(result.hosts)))

    def _select(self, name: str, lb: bool = False) -> None:
        table = self.query_one("#hosts-table", DataTable)
        with contextlib.suppress(Exception):  # the row may be gone after a refused edit
            table.move_cursor(row=table.get_row_index(LB_KEY + name if lb else name))

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
