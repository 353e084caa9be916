"""Add or edit one host, with inline validation; a password is typed masked, never shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from kkui.core.config.hostfields import field_error
from kkui.i18n import N_, _, shown
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)

AUTH_KEY, AUTH_PASSWORD = "key", "password"
DEFAULT_KEY = "~/.ssh/id_ed25519"


def check_field(field: str, value: str, *, taken_names: set[str],
                taken_addresses: set[str]) -> str:
    """The inline error for one field ("" when fine): the core's host-field rules, then
    uniqueness among the other rows."""
    value = value.strip()
    error = field_error(field, value)
    if error:
        return str(shown(error))
    if field == "name" and value in taken_names or \
            field == "address" and value in taken_addresses:
        return _("{value} is already used by another host").format(value=value)
    return ""


class HostForm(ModalScreen[dict[str, Any] | None]):
    """Dismisses with the fields to write (``None`` removes a field), or None when cancelled."""

    CSS_PATH = "host_form.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+o", "submit", "OK"),
    ]
    TEXT_FIELDS = ("name", "address", "internalAddress", "user", "port")

    def __init__(self, title: str, row: Mapping[str, Any] | None = None, *,
                 taken_names: set[str] = frozenset(),  # type: ignore[assignment]
                 taken_addresses: set[str] = frozenset(),  # type: ignore[assignment]
                 focus_field: str = "name", keep_secret_from: str = "",
                 reserved: dict[str, str] | None = None) -> None:
        super().__init__()
        # address -> what else uses it (the VIP, an LB host): a warning, not an error
        self.reserved = dict(reserved or {})
        self.form_title = title
        self.row = dict(row or {})
        self.taken_names = set(taken_names)
        self.taken_addresses = set(taken_addresses)
        self.focus_field = focus_field
        self.keep_secret_from = keep_secret_from  # duplicate: the copied password stays hidden
        self.has_password = bool(self.row.get("password"))

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical(id="dialog"):
            yield Static(self.form_title, id="dialog-title")
            with VerticalScroll(id="fields"):
                for field, label in (("name", N_("Name")), ("address", N_("Address (SSH)")),
                                     ("internalAddress", N_("Internal address")),
                                     ("user", N_("User")), ("port", N_("SSH port"))):
                    default = {"user": "root", "port": "22"}.get(field, "")
                    value = row.get(field)
                    yield self._row(label, Input(str(value) if value is not None else default,
                                                 id=f"f-{field}", compact=True,
                                                 placeholder=self._placeholder(field)), field)
                yield self._row(N_("Arch"), Select([("amd64", "amd64"), ("arm64", "arm64")],
                                               value=str(row.get("arch") or "amd64"),
                                               allow_blank=False, id="f-arch", compact=True),
                                "arch")
                auth = AUTH_PASSWORD if self.has_password and not row.get("privateKeyPath") \
                    else AUTH_KEY
                yield self._row(N_("Auth"), Select([(_("key file"), AUTH_KEY),
                                                    (_("password"), AUTH_PASSWORD)], value=auth,
                                               allow_blank=False, id="f-auth", compact=True),
                                "auth")
                yield self._row(N_("Key file"), Input(str(row.get("privateKeyPath") or DEFAULT_KEY),
                                                  id="f-privateKeyPath", compact=True),
                                "privateKeyPath")
                yield self._row(N_("Password"), Input(
                    "", password=True, id="f-password", compact=True,
                    placeholder=self._password_placeholder()), "password")
            with Horizontal(id="buttons"):
                yield Button(_("OK"), variant="primary", id="ok")
                yield Button(_("Cancel"), id="cancel")
        yield Footer()

    def _placeholder(self, field: str) -> str:
        return {"name": "node1", "address": "192.168.0.11",
                "internalAddress": _("same as address")}.get(field, "")

    def _password_placeholder(self) -> str:
        if self.keep_secret_from:
            return _("•••• (copied from {name}; type to replace)").format(
                name=self.keep_secret_from)
        return _("•••• (unchanged; type to replace)") if self.has_password else \
            _("typed masked")

    def _row(self, label: str, widget: Any, field: str) -> Vertical:
        return Vertical(Horizontal(Label(_(label), classes="label"), widget,
                                   classes="field-row"),
                        Static("", id=f"e-{field}", classes="field-error"),
                        id=f"r-{field}", classes="field")

    def on_mount(self) -> None:
        self.last_address = self.query_one("#f-address", Input).value.strip()
        self._show_auth()
        self.query_one(f"#f-{self.focus_field}").focus()
        for field in self.TEXT_FIELDS:
            if self.row.get(field) is not None or field in ("name", "address"):
                self._check(field)

    def _show_auth(self) -> None:
        password = self.query_one("#f-auth", Select).value == AUTH_PASSWORD
        self.query_one("#r-password").display = password
        self.query_one("#r-privateKeyPath").display = not password

    @on(Select.Changed, "#f-auth")
    def _auth_changed(self) -> None:
        self._show_auth()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field = (event.input.id or "")[2:]
        if field == "address":
            # an internal address that was the same as the address moves along with it
            internal = self.query_one("#f-internalAddress", Input)
            if internal.value.strip() in ("", self.last_address):
                internal.value = event.value.strip() if internal.value.strip() else ""
            self.last_address = event.value.strip()
        if field in self.TEXT_FIELDS:
            self._check(field)

    def _check(self, field: str) -> str:
        value = self.query_one(f"#f-{field}", Input).value
        error = check_field(field, value, taken_names=self.taken_names,
                            taken_addresses=self.taken_addresses)
        known = self.reserved.get(value.strip(), "") if field in (
            "address", "internalAddress") else ""
        if error and known and value.strip() in self.taken_addresses:
            error = known  # say which host: an LB host's address is taken, and why
        warning = known if not error else ""
        self._show_error(field, error, warning=warning)
        self.query_one(f"#r-{field}").set_class(bool(error), "-invalid")
        return error

    def _show_error(self, field: str, error: str, *, warning: str = "") -> None:
        label = self.query_one(f"#e-{field}", Static)
        label.update(f"✘ {error}" if error else f"! {warning}" if warning else "")
        label.set_class(bool(warning) and not error, "-warning")
        label.display = bool(error or warning)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        errors = [f for f in self.TEXT_FIELDS if self._check(f)]
        auth = self.query_one("#f-auth", Select).value
        password = self.query_one("#f-password", Input).value
        if auth == AUTH_PASSWORD and not password and not self.has_password:
            self._show_error("password", _("type the SSH password"))
            errors.append("password")
        if errors:
            self.query_one(f"#f-{errors[0]}").focus()
            self.notify(_("Fix {count} field(s) first").format(count=len(errors)),
                        severity="warning")
            return
        self.dismiss(self.collect())

    def collect(self) -> dict[str, Any]:
        def text(field: str) -> str:
            return self.query_one(f"#f-{field}", Input).value.strip()

        fields: dict[str, Any] = {"name": text("name"), "address": text("address"),
                                  "internalAddress": text("internalAddress") or text("address"),
                                  "user": text("user"), "port": int(text("port")),
                                  "arch": self.query_one("#f-arch", Select).value}
        if fields["port"] == 22 and "port" not in self.row:
            fields["port"] = None
        if fields["arch"] == "amd64" and "arch" not in self.row:
            fields["arch"] = None
        if self.query_one("#f-auth", Select).value == AUTH_PASSWORD:
            password = self.query_one("#f-password", Input).value
            if password:
                fields["password"] = password
            elif self.keep_secret_from:
                fields["password"] = self.row.get("password")
            fields["privateKeyPath"] = None
            fields["privateKey"] = None
        else:
            path = text("privateKeyPath")
            inline_only = self.row.get("privateKey") and not self.row.get("privateKeyPath")
            # a row that logs in with an inline key keeps doing so unless a key file is typed
            fields["privateKeyPath"] = None if inline_only and path in ("", DEFAULT_KEY) \
                else path or DEFAULT_KEY
            fields["password"] = None
        return fields
