"""Cluster: Kubernetes version, runtime, network, control-plane endpoint, LB pair, kk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Header, Input, Select, Static

from kkui.core.config.validate import CONTAINER_MANAGERS, NETWORK_PLUGINS
from kkui.core.config.versions import supported_kubernetes_versions
from kkui.i18n import N_, _, shown
from kkui.tui.jump import cluster_widget, lb_host_row
from kkui.tui.modals.confirm import Confirm
from kkui.tui.modals.host_form import HostForm
from kkui.tui.screens.base import KkuiScreen
from kkui.tui.widgets.footer import Footer  # labels translated (issue #16)
from kkui.tui.widgets.navbar import NavBar
from kkui.tui.widgets.tr import TrLabel, TrStatic, add_columns

ENDPOINT_MODES = (  # (English message id, value)
    (N_("none: first control-plane's address (no HA)"), "none"),
    (N_("internal haproxy on every worker (kk)"), "haproxy"),
    (N_("kube-vip VIP on the control planes (kk)"), "kube-vip"),
    (N_("external HAProxy + Keepalived pair (kkui)"), "external"),
)
ZONES = ((N_("global (github.com, googleapis)"), "global"),
         (N_("cn (China mirrors, KKZONE=cn)"), "cn"))
# the endpoint's address field is named after the mode
ADDRESS_LABEL = {"none": N_("LB address"), "kube-vip": "VIP", "external": "VIP"}
UNSUPPORTED = ""  # an option label: "<value> (not supported)"
SELECT_PATHS = {  # widget id -> document path (cluster document)
    "k8s-version": "spec.kubernetes.version",
    "container-manager": "spec.kubernetes.containerManager",
    "network-plugin": "spec.network.plugin",
}
INPUT_PATHS = {
    "cluster-name": "metadata.name",
    "pods-cidr": "spec.network.kubePodsCIDR",
    "service-cidr": "spec.network.kubeServiceCIDR",
    "endpoint-address": "spec.controlPlaneEndpoint.address",
    "endpoint-port": "spec.controlPlaneEndpoint.port",
}
KKUI_PATHS = {  # widget id -> path in kkui's document
    "lb-interface": "loadBalancer.interface",
    "lb-prefix": "loadBalancer.prefix",
    "kk-version": "kk.version",
    "kk-zone": "kk.zone",
}
INT_FIELDS = ("endpoint-port", "lb-prefix")


class FieldInput(Input):
    """A text field that is edited only on purpose: tab stops on its row, enter (or a click)
    edits it, escape or enter leaves it. So the screen keys (1-6, the screen's letters) never
    type into a field the operator did not choose to edit."""

    editing = False

    def allow_focus(self) -> bool:
        return self.editing

    def focus(self, scroll_visible: bool = True) -> FieldInput:
        self.editing = True
        return super().focus(scroll_visible)

    def on_blur(self) -> None:
        self.editing = False


class FieldRow(Horizontal):
    """A label and its field. Tab, escape in the field and a jump from Review stop on the
    row: the field is shown, not edited; enter edits it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "edit", "Edit field")]

    def allow_focus(self) -> bool:
        return bool(self.query(FieldInput))

    def park(self) -> None:
        self.focus()
        self.scroll_visible()

    def on_click(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        for field in self.query(FieldInput):
            field.focus()
            return


def field_row(label: str, widget: Widget, row_id: str) -> FieldRow:
    """``label``: an English message id (shown translated, re-labelled on a switch)."""
    return FieldRow(TrLabel(label, classes="label"), widget, classes="field-row", id=row_id)


def option_labels(options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A select's (English label, value) pairs as shown, in the current language."""
    return [(_(label) if label != UNSUPPORTED else
             _("{value} (not supported)").format(value=value), value)
            for label, value in options]


class ClusterScreen(KkuiScreen):
    CSS_PATH = "cluster.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+l", "add_lb_host", "Add LB host"),
        Binding("ctrl+x", "remove_lb_host", "Remove LB host"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pending_mode = ""  # "external" chosen but no VIP typed yet
        self.saved_lb: Any = None  # the LB section, kept if the operator switches away and back
        self.select_options: dict[str, list[tuple[str, str]]] = {}

    def _select(self, widget_id: str, options: list[tuple[str, str]]) -> Select[str]:
        self.select_options[widget_id] = list(options)
        return Select(option_labels(options), id=widget_id, allow_blank=False, compact=True)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield NavBar("cluster")
        with VerticalScroll(id="cluster-form"):
            yield TrStatic("Kubernetes", classes="section")
            yield field_row(N_("Cluster name"), FieldInput(id="cluster-name", compact=True),
                            "r-cluster-name")
            versions = [(v, v) for v in reversed(supported_kubernetes_versions())]
            yield field_row(N_("Version"), self._select("k8s-version", versions), "r-k8s-version")
            yield field_row(N_("Container manager"), self._select(
                "container-manager", [(m, m) for m in CONTAINER_MANAGERS]),
                            "r-container-manager")
            yield field_row(N_("Network plugin"), self._select(
                "network-plugin", [(p, p) for p in NETWORK_PLUGINS]), "r-network-plugin")
            yield field_row(N_("Pod CIDR"), FieldInput(id="pods-cidr", compact=True),
                            "r-pods-cidr")
            yield field_row(N_("Service CIDR"), FieldInput(id="service-cidr", compact=True),
                            "r-service-cidr")
            yield TrStatic(N_("Control-plane endpoint"), classes="section")
            yield field_row(N_("Mode"), self._select("endpoint-mode",
                                                         list(ENDPOINT_MODES)), "r-endpoint-mode")
            yield field_row(N_("Address / VIP"),
                            FieldInput(id="endpoint-address", compact=True),
                            "r-endpoint-address")
            yield field_row(N_("Port"),
                            FieldInput(id="endpoint-port", compact=True, restrict=r"\d*"),
                            "r-endpoint-port")
            yield field_row(N_("VIP prefix"),
                            FieldInput(id="lb-prefix", compact=True, restrict=r"\d*"),
                            "r-lb-prefix")
            yield field_row(N_("VRRP interface"), FieldInput(id="lb-interface", compact=True),
                            "r-lb-interface")
            lb_table: DataTable[Any] = DataTable(id="lb-hosts", cursor_type="row")
            add_columns(lb_table, (("name", N_("LB host")), ("address", N_("Address")),
                                   ("user", N_("User")), ("auth", N_("Auth"))))
            yield lb_table
            yield Static("kk", classes="section")
            yield field_row(N_("kk version"), FieldInput(id="kk-version", compact=True),
                            "r-kk-version")
            yield field_row(N_("Zone"), self._select("kk-zone", list(ZONES)), "r-kk-zone")
            yield Static("", id="cluster-problems")
        yield Footer()

    # ------------------------------------------------------------------ view
    def current_values(self) -> dict[str, str]:
        doc, model = self.doc, self.doc.model()
        lb = model.kkui.load_balancer
        return {
            "cluster-name": str(doc.get("metadata.name") or ""),
            "k8s-version": model.kubernetes_version,
            "container-manager": model.container_manager,
            "network-plugin": model.network_plugin,
            "pods-cidr": model.pods_cidr,
            "service-cidr": model.service_cidr,
            "endpoint-mode": self.mode(),
            "endpoint-address": str(doc.get("spec.controlPlaneEndpoint.address") or ""),
            "endpoint-port": str(model.control_plane_endpoint.port),
            "lb-prefix": str(lb.prefix),
            "lb-interface": lb.interface,
            "kk-version": model.kkui.kk_version,
            "kk-zone": model.kkui.zone,
        }

    def mode(self) -> str:
        mode = self.doc.model().lb_mode
        if mode == "none" and self.pending_mode == "external":
            return "external"
        return mode

    def refresh_from_document(self) -> None:
        values = self.current_values()
        for widget_id, value in values.items():
            widget = self.query_one(f"#{widget_id}")
            if isinstance(widget, Select):
                options = self.select_options.setdefault(widget_id, [])
                if value not in [v for _l, v in options]:
                    options.append((UNSUPPORTED, value))
                    widget.set_options(option_labels(options))
                if widget.value != value:
                    widget.value = value
            elif isinstance(widget, Input) and not widget.has_focus and widget.value != value:
                widget.value = value
        mode = values["endpoint-mode"]
        external = mode == "external"
        for row in ("r-lb-prefix", "r-lb-interface"):
            self.query_one(f"#{row}").display = external
        self.query_one("#lb-hosts").display = external
        self.query_one("#r-endpoint-address").display = mode != "haproxy"
        self.query_one("#r-endpoint-address TrLabel", TrLabel).set_msgid(
            ADDRESS_LABEL.get(mode, N_("Address")))
        self._fill_lb_hosts()
        self._show_problems()
        self.refresh_bindings()

    def _fill_lb_hosts(self) -> None:
        table = self.query_one("#lb-hosts", DataTable)
        table.clear()
        for host in self.doc.model().kkui.load_balancer.hosts:
            table.add_row(Text(host.name), Text(host.address), Text(host.user),
                          Text(_(host.auth_label)), key=host.name)

    def _show_problems(self) -> None:
        problems = [p for p in self.doc.validate()
                    if cluster_widget(p.path) is not None]
        lines = [Text.assemble(("✘ " if p.severity == "error" else "! ",
                                "bold red" if p.severity == "error" else "bold yellow"),
                               (p.path, "bold"), ": ", shown(p.message)) for p in problems]
        self.query_one("#cluster-problems", Static).update(
            Text("\n").join(lines) if lines else Text(_("✔ no problems in these settings"),
                                                      style="green"))
        bad = {cluster_widget(p.path) for p in problems if p.severity == "error"}
        for row in self.query(".field-row"):
            row.set_class((row.id or "")[2:] in bad, "-invalid")

    # ------------------------------------------------------------------ edits
    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        widget_id = event.select.id or ""
        value = event.value
        if value != event.select.value:
            return  # a stale event: the widget was set to something else since
        if value is Select.NULL or self.current_values().get(widget_id) == value:
            return
        if widget_id == "endpoint-mode":
            self._set_mode(str(value))
        elif widget_id in SELECT_PATHS:
            self.kapp.edit(lambda: self.doc.set(SELECT_PATHS[widget_id], value))
        elif widget_id in KKUI_PATHS:
            self.kapp.edit(lambda: self.doc.set_kkui(KKUI_PATHS[widget_id], value))

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        self.leave_field(event.input)

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        widget_id = event.input.id or ""
        text = event.value.strip()
        if event.value != event.input.value or self.current_values().get(widget_id) == text:
            return
        value: Any = text
        if widget_id in INT_FIELDS:
            if not text.isdigit():
                return
            value = int(text)
        if widget_id == "endpoint-address" and self.mode() == "external":
            port = self.doc.model().control_plane_endpoint.port
            self.kapp.edit(lambda: self.doc.set_control_plane_endpoint(
                "external", address=value, port=port))
        elif widget_id in INPUT_PATHS:
            self.kapp.edit(lambda: self.doc.set(INPUT_PATHS[widget_id], value))
        elif widget_id in KKUI_PATHS:
            self.kapp.edit(lambda: self.doc.set_kkui(KKUI_PATHS[widget_id], value))

    def _set_mode(self, mode: str) -> None:
        """Leaving "external" discards the LB pair (VIP, interface, LB hosts and their
        credentials): ask first; "no" puts the mode back and changes nothing."""
        lb = self.doc.model().kkui.load_balancer
        if mode != "external" and self.doc.model().lb_mode == "external" and (
                lb.hosts or lb.vip):
            names = ", ".join(h.name for h in lb.hosts) or _("no LB hosts")
            text = (_("The external load-balancer pair is removed from the config: VIP "
                      "{vip}, interface {interface}, LB hosts {names} with their "
                      "credentials.").format(vip=lb.vip or _("(none)"),
                                             interface=lb.interface or _("(none)"), names=names)
                    + (_("\n\nThe endpoint address is cleared: kk then uses the first "
                         "control plane's address (no HA).") if mode == "none" else "")
                    + _("\n\nSwitching back to external in this session restores them "
                        "until you save."))

            def decided(yes: bool | None) -> None:
                if yes:
                    self._apply_mode(mode)
                else:  # put the select back: nothing changed
                    self.query_one("#endpoint-mode", Select).value = "external"

            self.app.push_screen(Confirm(_("Discard the load-balancer pair?"), text,
                                         yes=_("Discard pair"), no=_("Keep external")), decided)
            return
        self._apply_mode(mode)

    def _apply_mode(self, mode: str) -> None:
        doc = self.doc
        leaving_external = doc.model().lb_mode == "external"
        address = str(doc.get("spec.controlPlaneEndpoint.address") or "")
        if mode == "none" and leaving_external:
            address = ""  # the VIP is served by nothing once the pair is gone
        if mode == "external" and not address and self.saved_lb is not None:
            address = str(self.saved_lb.get("vip") or "")
        port = doc.model().control_plane_endpoint.port
        self.pending_mode = mode if mode == "external" else ""

        def apply() -> None:
            spec = doc.kkui.get("spec") if doc.kkui is not None else None
            if mode != "external" and isinstance(spec, Mapping) and "loadBalancer" in spec:
                self.saved_lb = doc.remove_kkui("loadBalancer")
            if mode == "external" and self.saved_lb is not None:
                doc.set_kkui("loadBalancer", self.saved_lb)
                self.saved_lb = None
            doc.set_control_plane_endpoint(mode, address=address if mode != "haproxy"
                                           else None, port=port)

        self.kapp.edit(apply)

    def action_add_lb_host(self) -> None:
        names = set(self.doc.host_names(lb=True)) | set(self.doc.host_names())
        addresses = {h.address for h in self.doc.model().kkui.load_balancer.hosts} | {
            h.address for h in self.doc.model().hosts}
        self.app.push_screen(HostForm(_("Add load-balancer host"), taken_names=names,
                                      taken_addresses=addresses), self._lb_added)

    def _lb_added(self, fields: dict[str, Any] | None) -> None:
        if fields:
            values = {k: v for k, v in fields.items() if v is not None}
            self.kapp.edit(lambda: self.doc.add_host(values, lb=True))

    def action_remove_lb_host(self) -> None:
        table = self.query_one("#lb-hosts", DataTable)
        if not table.row_count:
            return
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.kapp.edit(lambda: self.doc.remove_host(name, lb=True))

        self.app.push_screen(Confirm(_("Remove load-balancer host {name}?").format(name=name),
                                     _("It is removed from kkui's load-balancer pair."),
                                     yes=_("Remove")), confirmed)

    def relabel(self) -> None:
        """The selects' option labels in the new language (values and choices kept)."""
        from textual.widgets._select import SelectCurrent

        for widget_id, options in self.select_options.items():
            select = self.query_one(f"#{widget_id}", Select)
            value = select.value
            labels = option_labels(options)
            select.set_options(labels)
            select.value = value
            # the shown choice too (Select re-renders it only when the value changes)
            select.query_one(SelectCurrent).update({v: label for label, v in labels}
                                                   .get(str(value), str(value)))
        self.refresh_from_document()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_lb_host", "remove_lb_host"):
            return self.is_mounted and self.mode() == "external"
        return True

    def focus_path(self, path: str) -> None:
        widget_id = cluster_widget(path)
        if widget_id is None:
            return
        widget = self.query_one(f"#{widget_id}")
        if widget.display is False or widget_id in ("lb-hosts",) and lb_host_row(path) is None:
            widget = self.query_one("#endpoint-mode")
        parent = widget.parent
        if isinstance(widget, FieldInput) and isinstance(parent, FieldRow) and parent.display:
            parent.park()  # shown, not edited: enter edits it
            return
        widget.focus()
        widget.scroll_visible()

    def leave_field(self, field: Widget) -> None:
        parent = field.parent
        if isinstance(parent, FieldRow):
            parent.park()
        else:
            self.set_focus(None)
