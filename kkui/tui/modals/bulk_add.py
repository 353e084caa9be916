"""Bulk add: ``192.168.1.15-17`` (or a list) named by a pattern such as ``worker{n}``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from kkui.core.errors import shown_error
from kkui.i18n import N_, _
from kkui.tui.bulk import BulkError, PlannedHost, next_free_number, plan_hosts
from kkui.tui.modals.host_form import AUTH_KEY, AUTH_PASSWORD, DEFAULT_KEY
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.tick import Tick


@dataclass(frozen=True)
class BulkResult:
    hosts: list[PlannedHost]
    common: dict[str, Any] = field(default_factory=dict)  # user, privateKeyPath or password
    roles: list[str] = field(default_factory=list)


class BulkAdd(ModalScreen[BulkResult | None]):
    DEFAULT_CSS = """
    BulkAdd { align: center middle; }
    BulkAdd #dialog { width: 80; max-width: 100%; height: auto; max-height: 100%;
                      border: thick $primary; background: $surface; padding: 0 1; }
    BulkAdd #dialog-title { text-style: bold; }
    BulkAdd .field-row { height: 1; }
    BulkAdd .label { width: 16; color: $text-muted; }
    BulkAdd .field-row Input, BulkAdd .field-row Select { width: 1fr; }
    BulkAdd #roles { height: 1; }
    BulkAdd #roles Checkbox { border: none; padding: 0; height: 1; margin-right: 1; }
    BulkAdd #preview { height: auto; max-height: 5; color: $text-muted; padding-top: 1; }
    BulkAdd #preview.-invalid { color: $error; }
    BulkAdd #buttons { height: auto; align-horizontal: right; }
    BulkAdd #buttons Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+o", "submit", "Add all"),
    ]

    def __init__(self, *, taken_names: set[str], taken_addresses: set[str],
                 last_auth: dict[str, str] | None = None) -> None:
        super().__init__()
        # the login of the last host added in this session: typed once, offered again
        self.last_auth = dict(last_auth or {})
        self.taken_names = taken_names
        self.taken_addresses = taken_addresses
        self.planned: list[PlannedHost] = []

    def compose(self) -> ComposeResult:
        start = next_free_number("worker{n}", self.taken_names)
        with Vertical(id="dialog"):
            yield Static(_("Bulk add hosts"), id="dialog-title")
            yield self._row(N_("Addresses"), Input(placeholder="192.168.0.15-17, 192.168.0.30",
                                               id="b-addresses", compact=True))
            yield self._row(N_("Name pattern"), Input("worker{n}", id="b-pattern", compact=True))
            yield self._row(N_("First {n}"), Input(str(start), id="b-start", compact=True,
                                               restrict=r"\d*"))
            last = self.last_auth
            yield self._row(N_("User"), Input(last.get("user", "root"), id="b-user", compact=True))
            yield self._row(N_("SSH port"), Input(str(last.get("port", "22")), id="b-port",
                                              compact=True, restrict=r"\d*"))
            auth = AUTH_PASSWORD if last.get("password") else AUTH_KEY
            yield self._row(N_("Auth"), Select([(_("key file"), AUTH_KEY),
                                                (_("password"), AUTH_PASSWORD)],
                                           value=auth, allow_blank=False, id="b-auth",
                                           compact=True))
            yield self._row(N_("Key file"), Input(last.get("privateKeyPath", DEFAULT_KEY),
                                              id="b-key", compact=True), "r-key")
            placeholder = _("typed masked (the last host's; type to replace)") \
                if last.get("password") else _("typed masked")
            yield self._row(N_("Password"), Input(password=True, id="b-password", compact=True,
                                                  placeholder=placeholder),
                            "r-password")
            with Horizontal(id="roles"):
                yield Label(_("Roles"), classes="label")
                yield Tick("etcd", id="role-etcd")
                yield Tick("control-plane", id="role-control-plane")
                yield Tick("worker", True, id="role-worker")
                yield Tick("loadbalancer", id="role-loadbalancer")
            yield Static(_("Type an address range."), id="preview")
            with Horizontal(id="buttons"):
                yield Button(_("Add all"), variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")
        yield Footer()

    def _row(self, label: str, widget: Any, row_id: str | None = None) -> Horizontal:
        """``label``: an English message id, shown translated."""
        return Horizontal(Label(_(label), classes="label"), widget, classes="field-row",
                          id=row_id)

    def on_mount(self) -> None:
        self.query_one("#r-password").display = bool(self.last_auth.get("password"))
        self.query_one("#r-key").display = not self.last_auth.get("password")
        self.query_one("#b-addresses").focus()

    @on(Select.Changed, "#b-auth")
    def _auth(self, event: Select.Changed) -> None:
        password = event.value == AUTH_PASSWORD
        self.query_one("#r-password").display = password
        self.query_one("#r-key").display = not password

    @on(Input.Changed)
    def _changed(self) -> None:
        self._plan()

    @on(Checkbox.Changed, "#role-loadbalancer")
    def _lb_role(self, event: Checkbox.Changed) -> None:
        """LB hosts are named lb1, lb2…; they take no cluster role."""
        pattern = self.query_one("#b-pattern", Input)
        if event.value:
            for role in ("etcd", "control-plane", "worker"):
                self.query_one(f"#role-{role}", Checkbox).value = False
            if pattern.value == "worker{n}":
                pattern.value = "lb{n}"
                self.query_one("#b-start", Input).value = str(
                    next_free_number("lb{n}", self.taken_names))

    def _value(self, widget_id: str) -> str:
        return self.query_one(widget_id, Input).value.strip()

    def _plan(self) -> str:
        preview = self.query_one("#preview", Static)
        try:
            start = int(self._value("#b-start") or "1")
            self.planned = plan_hosts(self._value("#b-addresses"), self._value("#b-pattern"),
                                      start, self.taken_names, self.taken_addresses)
        except BulkError as exc:
            self.planned = []
            error = shown_error(exc)
            preview.update(f"✘ {error}")
            preview.add_class("-invalid")
            return error
        hosts = ", ".join(f"{p.name} {p.address}" for p in self.planned[:6])
        more = _(" … and {count} more").format(count=len(self.planned) - 6) \
            if len(self.planned) > 6 else ""
        preview.update(_("{count} host(s): {hosts}{more}").format(
            count=len(self.planned), hosts=hosts, more=more))
        preview.remove_class("-invalid")
        return ""

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_submit(self) -> None:
        error = self._plan()
        if error:
            self.notify(error, severity="warning")
            return
        common: dict[str, Any] = {"user": self._value("#b-user") or "root"}
        port = self._value("#b-port")
        if port and port != "22":
            if not 1 <= int(port) <= 65535:
                self.notify(_("SSH port: a number from 1 to 65535"), severity="warning")
                return
            common["port"] = int(port)
        if self.query_one("#b-auth", Select).value == AUTH_PASSWORD:
            password = self.query_one("#b-password", Input).value or \
                self.last_auth.get("password", "")
            if not password:
                self.notify(_("Type the SSH password (or choose key file)"),
                            severity="warning")
                return
            common["password"] = password
        else:
            common["privateKeyPath"] = self._value("#b-key") or DEFAULT_KEY
        roles = [r for r in ("etcd", "control-plane", "worker", "loadbalancer")
                 if self.query_one(f"#role-{r}", Checkbox).value]
        if "loadbalancer" in roles and len(roles) > 1:
            self.notify(_("An LB host is not a cluster node: choose loadbalancer alone"),
                        severity="warning")
            return
        self.dismiss(BulkResult(self.planned, common, roles))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
