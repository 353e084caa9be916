"""What ``kkui precheck`` draws on a terminal (issue #17): a ``Live`` host × check table
that fills as hosts finish and is redrawn from the final report (cross-host checks such as
duplicate hostnames change cells after a row was first drawn), then the problems with their
fixes, then the summary. Pipes, ``NO_COLOR`` and ``TERM=dumb`` get
``precheck.TableView``'s plain lines.

The rendering functions take a rich Console so tests can record them at any width.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from kkui.commands.console import console, styled, untrusted
from kkui.i18n import _, ngettext, shown

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live
    from rich.text import Text

    from kkui.core.precheck import HostReport, PrecheckReport
    from kkui.core.precheck.engine import Target
    from kkui.core.precheck.registry import Registry

SYMBOLS = {"pass": "✓", "warn": "!", "fail": "✗", "error": "E"}
COLORS = {"pass": "green", "warn": "yellow", "fail": "red", "error": "red"}
ROLE_SHORT = {"etcd": "etcd", "control-plane": "cp", "worker": "worker",
              "loadbalancer": "lb"}
RANK = {"error": 0, "fail": 1, "warn": 2, "pass": 3}  # worst first
PENDING = "…"


def role_short(role: str) -> str:
    return "+".join(ROLE_SHORT.get(r, r) for r in role.split(",") if r) or "-"


def shown_columns(ids: Sequence[str], hosts: Sequence[HostReport]) -> tuple[list[str], int]:
    """Check ids that did not pass on every finished host, the worst (error, fail) first, and
    how many other checks passed everywhere."""
    worst: dict[str, int] = {}
    for host in hosts:
        for c in host.checks:
            if c.status != "pass" or c.id == "gather":
                worst[c.id] = min(worst.get(c.id, 9), RANK[c.status])
    order = [*ids, "gather"]
    shown = sorted(worst, key=lambda i: (worst[i], order.index(i) if i in order else 99))
    ran = {c.id for h in hosts for c in h.checks}
    passed = sum(1 for i in ids if i in ran and i not in worst)
    return shown, passed


def host_table(rows: Sequence[tuple[str, str, HostReport | None]], ids: Sequence[str],
               registry: Registry, *, title: str = "") -> RenderableType:
    """Rows of (name, role, report or None while pending); a column per check that is not a
    pass everywhere, titled with the registry's short title."""
    from kkui.commands.console import table

    done = [r for _, _, r in rows if r is not None]
    shown, passed = shown_columns(ids, done)
    grid = table(_("host"), _("role"), *(registry.title(i) for i in shown), _("passed"))
    for column in grid.columns[2:]:
        column.justify = "center"
        column.overflow = "crop"
    for name, role, report in rows:
        cells: list[Text | str] = [untrusted(name, "bold", newlines=False), role_short(role)]
        for check_id in shown:
            c = report.check(check_id) if report is not None else None
            cells.append(styled(SYMBOLS[c.status], COLORS[c.status]) if c is not None
                         else styled(PENDING if report is None else "·", "dim"))
        ok = sum(c.status == "pass" for c in report.checks) if report is not None else None
        cells.append(styled(_("checking") if ok is None else f"✓ {ok}", "dim" if ok is None
                            else ""))
        grid.add_row(*cells)
    if passed:
        grid.caption = (ngettext("{n} other check passed on every host",
                                 "{n} other checks passed on every host", passed) if shown
                        else ngettext("{n} check passed on every host",
                                      "{n} checks passed on every host", passed)
                        ).format(n=passed)
        grid.caption_justify = "left"
        grid.caption_style = "dim"
    if not title:
        return grid
    from rich.console import Group

    return Group(styled(title, "bold"), grid)  # not a table title: that wraps to the table


def problems(report: PrecheckReport) -> RenderableType | None:
    """Each check that is not a pass, worst first: host, check, detail and its fix."""
    from rich.table import Table
    from rich.text import Text

    items = [(h, c) for h in report.hosts for c in h.checks if c.status != "pass"]
    if not items:
        return None
    items.sort(key=lambda hc: RANK[hc[1].status])
    grid = Table.grid(padding=(0, 1))
    grid.title = _("Problems")
    grid.title_justify = "left"
    grid.title_style = "bold"
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold", ratio=1)
    for host, c in items:
        what = untrusted(shown(c.detail))
        if c.fix:
            what.append_text(Text("\n"))
            what.append_text(styled(_("fix: "), "bold"))
            what.append_text(untrusted(shown(c.fix)))
        grid.add_row(untrusted(host.name, newlines=False),
                     styled(f"{SYMBOLS[c.status]} {c.id}", COLORS[c.status]), what)
    return grid


def summary(report: PrecheckReport) -> tuple[str, str]:
    """The last line (precheck's words, translated there) and its colour."""
    from kkui.commands.precheck import _summary

    return _summary(report)


def render_report(con: Console, report: PrecheckReport, targets: Sequence[Target],
                  ids: Sequence[str], registry: Registry, *,
                  fixes: list[dict[str, Any]] | None = None, details: bool = True,
                  with_summary: bool = True) -> None:
    """Everything after the checks: the final table, problems, --fix results, summary."""
    if details:
        rows = [(t.host.name, t.role, report.host(t.host.name)) for t in targets
                if report.host(t.host.name) is not None]
        con.print(host_table(rows, ids, registry))
        legend = _("legend: {ok} pass  {warn} warn  {fail} fail  {error} error  · not "
                   "checked").format(ok=SYMBOLS["pass"], warn=SYMBOLS["warn"],
                                     fail=SYMBOLS["fail"], error=SYMBOLS["error"])
        con.print(styled(legend, "dim"))
        found = problems(report)
        if found is not None:
            con.print()
            con.print(found)
    if not with_summary:
        return
    from kkui.commands.precheck import fix_line

    for f in fixes or ():
        con.print(untrusted(fix_line(f)))
    if report.cancelled:
        con.print()
        con.print(styled(_("Interrupted: not checked: {hosts}").format(
            hosts=", ".join(report.pending)), "yellow"))
    con.print()
    text, colour = summary(report)
    con.print(styled(text, f"bold {colour}"))


class LiveView:
    """The terminal view: a Live table while hosts finish, then :func:`render_report`."""

    def __init__(self, targets: Sequence[Target], ids: Sequence[str], registry: Registry,
                 out: TextIO | None = None) -> None:
        self.con = console(sys.stdout if out is None else out)
        self.targets, self.ids, self.registry = list(targets), list(ids), registry
        self.fixes: list[dict[str, Any]] | None = None
        self.done: dict[str, HostReport] = {}
        self._live: Live | None = None

    def _table(self) -> RenderableType:
        rows = [(t.host.name, t.role, self.done.get(t.host.name)) for t in self.targets]
        n = len(self.targets)
        return host_table(rows, self.ids, self.registry,
                          title=ngettext("Checking {n} host over SSH ({done}/{n} done)",
                                         "Checking {n} hosts over SSH ({done}/{n} done)",
                                         n).format(n=n, done=len(self.done)))

    def start(self) -> None:
        from rich.live import Live

        self.done = {}
        # transient: the final table (after cross-host checks) replaces the live one
        self._live = Live(self._table(), console=self.con, refresh_per_second=8,
                          transient=True, redirect_stdout=True, redirect_stderr=True)
        self._live.start(refresh=True)  # the empty table at once: hosts can take seconds

    def host_done(self, host: HostReport) -> None:
        from kkui.commands.precheck import note_host_key

        self.done[host.name] = host
        if self._live is not None:
            self._live.update(self._table(), refresh=True)
        note_host_key(host)

    def finish(self, report: PrecheckReport, *, details: bool = True,
               summary: bool = True) -> int:
        from kkui.commands.precheck import exit_code

        if self._live is not None:
            self._live.stop()
            self._live = None
        render_report(self.con, report, self.targets, self.ids, self.registry,
                      fixes=self.fixes, details=details, with_summary=summary)
        return exit_code(report)
