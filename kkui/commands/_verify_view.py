"""How ``kkui verify`` shows its results (issue #17): on a terminal a ``Live`` table
(status, check, target, detail and fix) that grows as checks finish, then the summary
(without colour under ``NO_COLOR``); on a pipe or ``TERM=dumb`` one line per check, as grep and
scripts have always seen it.

Details come from hosts and the API server (already cleaned by the verify engine): they are
printed as plain ``Text``, never markup.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from kkui.commands.console import console, is_live, status_text, styled, table, untrusted
from kkui.i18n import _, shown

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

    from kkui.core.verify.report import VerifyReport, VerifyResult


def results_table(results: Sequence[VerifyResult]) -> RenderableType:
    """One row per check result; the fix under the detail of what did not pass."""
    grid = table(_("status"), _("check"), _("target"), _("detail"))
    grid.columns[0].no_wrap = True
    grid.columns[1].no_wrap = True
    for r in results:
        detail = untrusted(shown(r.detail))
        if r.fix and r.status != "pass":
            detail.append("\n")
            detail.append_text(untrusted(_("fix: {fix}").format(fix=shown(r.fix)), "dim"))
        grid.add_row(status_text(r.status, upper=True), untrusted(r.id),
                     untrusted(r.target), detail)
    return grid


def plain_lines(result: VerifyResult) -> list[str]:
    """The pipe form: ``STATUS id target detail`` and an indented ``fix:`` line."""
    lines = [f"{result.status.upper():<5} {result.id:<17} {result.target:<16} "
             f"{shown(result.detail)}"]
    if result.fix and result.status != "pass":
        lines.append(f"      {'':<17} {'':<16} " + _("fix: {fix}").format(fix=shown(result.fix)))
    return lines


class VerifyView:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = sys.stdout if stream is None else stream
        self.con = console(self.stream)
        self.live_mode = is_live(self.stream)
        self.results: list[VerifyResult] = []
        self._live: Live | None = None

    def show(self, result: VerifyResult) -> None:
        from rich.live import Live

        self.results.append(result)
        if not self.live_mode:
            for text in plain_lines(result):
                self.con.print(untrusted(text))
            self.stream.flush()
            return
        if self._live is None:
            self._live = Live(results_table(self.results), console=self.con,
                              refresh_per_second=4, redirect_stdout=False,
                              redirect_stderr=True)
            self._live.start()
        else:
            self._live.update(results_table(self.results), refresh=True)

    def finish(self, report: VerifyReport) -> None:
        if self._live is not None:
            self._live.update(results_table(report.results), refresh=True)
            self._live.stop()
            self._live = None
            self.con.print()
        self.con.print(styled(shown(report.summary_line()),
                              "bold green" if report.ok else "bold red"))
