"""The certificate calendar's table on the Cluster ops screen (issue #15): one row a
certificate of ``kkui.core.day2.certs.collect_certs`` (soonest expiry first), then the hosts
that could not be read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import DataTable

from kkui.core.sanitize import for_display
from kkui.i18n import N_, _

if TYPE_CHECKING:
    from kkui.core.day2.certs import CertRow

CERT_STYLES = {"pass": (N_("✔ pass"), "green"), "warn": (N_("! warn"), "yellow"),
               "fail": (N_("✘ FAIL"), "bold red"), "error": (N_("? error"), "bold red")}


class CertCalendar(DataTable[Any]):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_columns(_("status"), _("days"), _("expires (UTC)"), _("host"), _("kk renews"),
                         _("path"))

    def show(self, rows: list[CertRow], unreachable: dict[str, str]) -> None:
        self.clear()
        for r in rows:
            label, style = CERT_STYLES[r.status]
            days = "?" if r.days_left is None else f"{r.days_left:.0f}"
            when = (r.not_after or _("unreadable"))[:16].replace("T", " ")
            renews = _("yes") if r.renewed_by_kk else ("CA" if r.is_ca else _("no"))
            self.add_row(Text(_(label), style=style), days, when, r.host, renews, r.path)
        for host, why in unreachable.items():
            self.add_row(Text(_("? error"), style="bold red"), "?", _("unreadable"), host, "",
                         for_display(why, newlines=False))
