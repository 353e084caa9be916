"""Bulk add: ``192.168.1.15-17`` (or a list) named by a pattern such as ``worker{n}``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from kkui.tui.bulk import BulkError, PlannedHost, next_free_number, plan_hosts
from kkui.tui.modals.host_form import AUTH_KEY, AUTH_PASSWORD, DEFAULT_KEY


@dataclass(frozen=True)
class BulkResult:
    hosts: list[PlannedHost]
    common: dict[str, Any] = field(default_factory=dict)  # user, privateKeyPath or password
    roles: list[str] = field(default_factory=list)


class BulkAdd(ModalScreen[BulkResult | None]):
    DEFAULT_CSS = """
    BulkAdd { align: center middle; }
    BulkAdd #dialog { width: 76; max-width: 100%; height: auto; max-height: 100%;
                      border: thick $primary; background: $surface; padding: 0 1; }
    BulkAdd #dialog-title { text-style: bold; }
    BulkAdd .field-row { height: 1; }
    BulkAdd .label { width: 16; color: $text-muted; }
    BulkAdd .field-row Input, BulkAdd .field-row Select { width: 1fr; }
    BulkAdd #roles { height: 1; }
    BulkAdd #roles Checkbox { border: none; padding: 0; height: 1; margin-right: 2; }
    BulkAdd #preview { height: auto; max-height: 5; color: $text-muted; padding-top: 1; }
    BulkAdd #preview.-invalid { color: $error; }
    BulkAdd #buttons { height: auto; align-horizontal: right; }
    BulkAdd #buttons Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+o", "submit", "Add all"),
    ]

    def __init__(self, *, taken_names: set[str], taken_addresses: set[str]) -> None:
        super().__init__()
        self.taken_names = taken_names
        self.taken_addresses = taken_addresses
        self.planned: list[PlannedHost] = []

    def compose(self) -> ComposeResult:
        start = next_free_number("worker{n}", self.taken_names)
        with Vertical(id="dialog"):
            yield Static("Bulk add hosts", id="dialog-title")
            yield self._row("Addresses", Input(placeholder="192.168.0.15-17, 192.168.0.30",
                                               id="b-addresses", compact=True))
            yield self._row("Name pattern", Input("worker{n}", id="b-pattern", compact=True))
            yield self._row("First {n}", Input(str(start), id="b-start", compact=True,
                                               restrict=r"\d*"))
            yield self._row("User", Input("root", id="b-user", compact=True))
            yield self._row("Auth", Select([("key file", AUTH_KEY), ("password", AUTH_PASSWORD)],
                                           value=AUTH_KEY, allow_blank=False, id="b-auth",
                                           compact=True))
            yield self._row("Key file", Input(DEFAULT_KEY, id="b-key", compact=True), "r-key")
            yield self._row("Password", Input(password=True, id="b-password", compact=True,
                                              placeholder="typed masked"), "r-password")
            with Horizontal(id="roles"):
                yield Label("Roles", classes="label")
                yield Checkbox("etcd", id="role-etcd")
                yield Checkbox("control-plane", id="role-control-plane")
                yield Checkbox("worker", True, id="role-worker")
            yield Static("Type an address range.", id="preview")
            with Horizontal(id="buttons"):
                yield Button("Add all", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")
        yield Footer()

    def _row(self, label: str, widget: Any, row_id: str | None = None) -> Horizontal:
        return Horizontal(Label(label, classes="label"), widget, classes="field-row", id=row_id)

    def on_mount(self) -> None:
        self.query_one("#r-password").display = False
        self.query_one("#b-addresses").focus()

    @on(Select.Changed, "#b-auth")
    def _auth(self, event: Select.Changed) -> None:
        password = event.value == AUTH_PASSWORD
        self.query_one("#r-password").display = password
        self.query_one("#r-key").display = not password

    @on(Input.Changed)
    def _changed(self) -> None:
        self._plan()

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
            preview.update(f"✘ {exc}")
            preview.add_class("-invalid")
            return str(exc)
        shown = ", ".join(f"{p.name} {p.address}" for p in self.planned[:6])
        more = f" … and {len(self.planned) - 6} more" if len(self.planned) > 6 else ""
        preview.update(f"{len(self.planned)} host(s): {shown}{more}")
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
        if self.query_one("#b-auth", Select).value == AUTH_PASSWORD:
            password = self.query_one("#b-password", Input).value
            if not password:
                self.notify("Type the SSH password (or choose key file)", severity="warning")
                return
            common["password"] = password
        else:
            common["privateKeyPath"] = self._value("#b-key") or DEFAULT_KEY
        roles = [r for r in ("etcd", "control-plane", "worker")
                 if self.query_one(f"#role-{r}", Checkbox).value]
        self.dismiss(BulkResult(self.planned, common, roles))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
