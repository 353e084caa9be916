"""How ``kkui install`` shows a running kk: its lines, a status line, hints and the summary
(text on a terminal or in a pipe), or one JSON object per event (``--json``)."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import IO, TYPE_CHECKING

from kkui.commands.console import console, is_live, panel, read_kk_answer, styled, untrusted
from kkui.core.kk.events import KkEvent, LogLine, PromptShown, RawLine
from kkui.core.kk.hints import Hint, HintCollector
from kkui.core.kk.stages import InstallProgress
from kkui.i18n import N_, _, shown

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

    from kkui.core.install import InstallPlan
    from kkui.core.install.evidence import FailureEvidence
    from kkui.core.install.summary import InstallSummary
    from kkui.core.kk.process import KkProcess


class InstallConsole:
    """Terminal rendering: kk's lines as they come, a status line, hints, a final summary.

    On a terminal the status line is live, above kk's newest lines
    (:mod:`kkui.commands._kk_live`; without colour under ``NO_COLOR``) and the summary a
    panel; on a pipe or ``TERM=dumb``: plain lines, a ``kkui: stage`` line per stage."""

    def __init__(self, stream: IO[str], plan: InstallPlan, *, collect: bool = True) -> None:
        from kkui.commands._kk_live import LiveStatus, status_text

        self.stream = stream
        self.plan = plan
        self.collect = collect  # host evidence after a failure (--no-collect turns it off)
        self.con = console(stream)
        self.live = LiveStatus(self.con, lambda: status_text(self.progress)) \
            if is_live(stream) else None
        self.progress = InstallProgress()
        self.progress.start()
        self.hints = HintCollector(zone=plan.kkzone)  # never "use --zone cn" on cn
        self.problems: list[str] = []  # [ERRO]/[FATA] lines, for failures without a Pipeline
        self.live_hints: list[Hint] = []  # shown while kk ran; repeated if it is cancelled
        self._in_prompt = False
        self._last_stage = 0

    def _line(self, text: Text) -> None:
        if self.live is not None and not self.progress.outcome:
            self.live.print(text)
            return
        if self.live is not None:  # kk's verdict is out: its last lines go below the window's
            self.live.stop()
        self.con.print(text)

    # -- events --------------------------------------------------------------------------

    def on_event(self, event: KkEvent) -> None:
        if isinstance(event, RawLine):
            is_prompt = event.text.rstrip().endswith("[yes/no]:")
            if is_prompt:
                if self.live is not None:
                    self.live.pause()
                self.con.print(untrusted(event.text), end="")
            else:
                self._line(untrusted(event.text))
            self._in_prompt = is_prompt
        elif isinstance(event, LogLine) and event.level in ("ERRO", "FATA"):
            self.problems.append(event.text)
        self.progress.feed(event)
        for hint in self.hints.feed(event):
            if hint.live:
                if hint not in self.live_hints:
                    self.live_hints.append(hint)
                self._line(styled(_("kkui hint: {title}: {text}").format(
                    title=shown(hint.title), text=shown(hint.text)), "yellow"))
        if self.live is None and self.progress.stage != self._last_stage:
            self.con.print(untrusted(_("kkui: stage {stage}/{total} {title}").format(
                stage=self.progress.stage, total=self.progress.total,
                title=shown(self.progress.stage_title))))
        self._last_stage = self.progress.stage
        self.stream.flush()

    def tick(self) -> None:
        if self.live is not None and not self._in_prompt and not self.progress.outcome:
            self.live.refresh()

    def ask(self, prompt: PromptShown) -> bool | None:
        """kk's prompt is already on screen; read the operator's answer like kk would."""
        answer = read_kk_answer(self.stream, self.con, prompt.text)
        if answer is not None:
            self._in_prompt = False
        return answer

    # -- summary ---------------------------------------------------------------------------

    def gather_evidence(self) -> FailureEvidence | None:
        """The failed hosts' journals, ports, disk and clock, fed to the triage that watched
        kk, so the summary's findings name the cause kk's log only hints at."""
        from kkui.core.install.evidence import (
            EVIDENCE_BUDGET_S,
            gather_after_failure,
            hosts_to_visit,
        )

        hosts = hosts_to_visit(self.plan, self.hints.report().failed_hosts)
        if not hosts:
            return None
        names = ", ".join(h.name for h in hosts)
        self.con.print(untrusted(_("kkui: collecting evidence from {hosts} over SSH (read-only, "
                                   "at most {seconds} s) ...").format(
            hosts=names, seconds=f"{EVIDENCE_BUDGET_S:.0f}")))
        self.stream.flush()
        return gather_after_failure(self.plan, self.hints.triage)

    def finish(self, proc: KkProcess) -> None:
        from kkui.core.install import InstallResult, summarize

        if self.live is not None:
            self.live.stop()
        if self._in_prompt:
            self.con.print()
        evidence = None
        if self.collect and proc.returncode and not (proc.cancelled or proc.declined):
            evidence = self.gather_evidence()
        summary = summarize(self.plan, InstallResult(
            code=proc.returncode, progress=self.progress, cancelled=proc.cancelled,
            declined=proc.declined, failure=self.hints.failure, problems=tuple(self.problems),
            hints=tuple(self.hints.best()), live_hints=tuple(self.live_hints),
            evidence=evidence.lines if evidence else (),
            evidence_from=evidence.hosts if evidence else ()))
        self.con.print()
        if self.live is not None:
            self.con.print(summary_panel(summary))
        else:
            for text in summary_lines(summary):
                self.con.print(text)
        self.stream.flush()


OUTCOME_STYLE = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}
OUTCOME_WORD = {"succeeded": N_("succeeded"), "failed": N_("failed"),
                "cancelled": N_("cancelled"), "declined": N_("declined")}


def summary_lines(summary: InstallSummary) -> list[Text]:
    """The end of an install: headline, failed hosts, hints, next steps, where the logs are
    (the words tests and operators grep for)."""
    style = OUTCOME_STYLE.get(summary.outcome, "")
    lines = [styled(_("kkui: {message}.").format(message=shown(summary.headline)),
                    f"bold {style}".strip())]
    lines += [untrusted(f"  {shown(line)}") for line in summary.details]
    for hint in summary.hints:
        lines += [styled(_("Hint: {title}").format(title=shown(hint.title)), "yellow"),
                  untrusted(f"  {shown(hint.text)}")]
    if summary.next_steps:
        lines.append(styled(_("Next steps:"), "bold"))
        lines += [untrusted(f"  {shown(step)}") for step in summary.next_steps]
    lines += [untrusted(f"  {shown(note)}") for note in summary.notes]
    if summary.kk_log:
        lines.append(untrusted("  " + _("kk's own log: {path}").format(path=summary.kk_log)))
    lines.append(untrusted("  " + _("Full output: {path}").format(path=summary.log)))
    return lines


def summary_panel(summary: InstallSummary) -> RenderableType:
    """:func:`summary_lines` in a panel titled with the outcome."""
    lines = summary_lines(summary)
    outcome = _(OUTCOME_WORD[summary.outcome]) if summary.outcome in OUTCOME_WORD \
        else summary.outcome
    return panel(lines, title=_("kk create cluster {outcome}").format(outcome=outcome),
                 style=OUTCOME_STYLE.get(summary.outcome, ""))


class JsonConsole:
    """``--json``: one JSON object per event on stdout (``{"event": "TaskStarted", ...}``)."""

    def on_event(self, event: KkEvent) -> None:
        data = {"event": type(event).__name__, **dataclasses.asdict(event)}
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def ask(self, prompt: PromptShown) -> bool | None:  # pragma: no cover - --json needs --yes
        return None

    def tick(self) -> None:
        pass

    def finish(self, proc: KkProcess) -> None:
        pass

