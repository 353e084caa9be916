"""How ``kkui install`` shows a running kk: its lines, a status line, hints and the summary
(text on a terminal or in a pipe), or one JSON object per event (``--json``)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import time
from typing import IO, TYPE_CHECKING

from kkui.commands._common import paint
from kkui.core.kk.events import KkEvent, LogLine, PromptShown, RawLine
from kkui.core.kk.hints import Hint, HintCollector
from kkui.core.kk.stages import InstallProgress

if TYPE_CHECKING:
    from kkui.core.install import InstallPlan
    from kkui.core.kk.process import KkProcess


class InstallConsole:
    """Terminal rendering: kk's lines as they come, a status line, hints, a final summary."""

    def __init__(self, stream: IO[str], plan: InstallPlan) -> None:
        self.stream = stream
        self.plan = plan
        self.tty = stream.isatty()
        self.progress = InstallProgress()
        self.progress.start()
        self.hints = HintCollector(zone=plan.kkzone)  # never "use --zone cn" on cn
        self.problems: list[str] = []  # [ERRO]/[FATA] lines, for failures without a Pipeline
        self.live_hints: list[Hint] = []  # shown while kk ran; repeated if it is cancelled
        self._status_shown = False
        self._in_prompt = False
        self._last_stage = 0
        self._drawn_at = 0.0

    # -- events --------------------------------------------------------------------------

    def on_event(self, event: KkEvent) -> None:
        if isinstance(event, RawLine):
            self._clear_status()
            is_prompt = event.text.rstrip().endswith("[yes/no]:")
            self.stream.write(event.text if is_prompt else event.text + "\n")
            self._in_prompt = is_prompt
        elif isinstance(event, LogLine) and event.level in ("ERRO", "FATA"):
            self.problems.append(event.text)
        changed = self.progress.feed(event)
        for hint in self.hints.feed(event):
            if hint.live:
                if hint not in self.live_hints:
                    self.live_hints.append(hint)
                self._clear_status()
                self.stream.write(paint(f"kkui hint: {hint.title}: {hint.text}", "yellow",
                                        self.stream) + "\n")
        if not self.tty and self.progress.stage != self._last_stage:
            self.stream.write(f"kkui: stage {self.progress.stage}/{self.progress.total} "
                              f"{self.progress.stage_title}\n")
        self._last_stage = self.progress.stage
        if changed or isinstance(event, RawLine):
            self._draw_status(force=changed)
        self.stream.flush()

    def tick(self) -> None:
        self._draw_status(force=True)
        self.stream.flush()

    def ask(self, prompt: PromptShown) -> bool | None:
        """kk's prompt is already on screen; read the operator's answer like kk would."""
        while True:
            self.stream.flush()
            try:
                answer = input().strip().lower()
            except EOFError:
                return None
            if answer in ("yes", "y"):
                return True
            if answer in ("no", "n"):
                return False
            self.stream.write(prompt.text)

    # -- status line -----------------------------------------------------------------------

    def _draw_status(self, force: bool = False) -> None:
        if not self.tty or self._in_prompt or self.progress.outcome:
            return
        now = time.monotonic()
        if not force and now - self._drawn_at < 0.1:  # kk can print thousands of lines/s
            return
        self._drawn_at = now
        width = shutil.get_terminal_size((100, 20)).columns - 1
        line = "kkui " + self.progress.status_line()
        self.stream.write("\r\x1b[K" + paint(line[:width], "dim", self.stream))
        self._status_shown = True

    def _clear_status(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False

    # -- summary ---------------------------------------------------------------------------

    def finish(self, proc: KkProcess) -> None:
        from kkui.core.install import InstallResult, summarize

        self._clear_status()
        w = self.stream
        if self._in_prompt:
            w.write("\n")
        summary = summarize(self.plan, InstallResult(
            code=proc.returncode, progress=self.progress, cancelled=proc.cancelled,
            declined=proc.declined, failure=self.hints.failure, problems=tuple(self.problems),
            hints=tuple(self.hints.best()), live_hints=tuple(self.live_hints)))
        color = {"succeeded": "green", "failed": "red", "cancelled": "yellow"}.get(
            summary.outcome)
        headline = f"kkui: {summary.headline}."
        w.write("\n" + (paint(headline, color, w) if color else headline) + "\n")
        for line in summary.details:
            w.write(f"  {line}\n")
        for hint in summary.hints:
            w.write(paint(f"Hint: {hint.title}", "yellow", w) + f"\n  {hint.text}\n")
        if summary.next_steps:
            w.write("Next steps:\n")
            for step in summary.next_steps:
                w.write(f"  {step}\n")
        for note in summary.notes:
            w.write(f"  {note}\n")
        if summary.kk_log:
            w.write(f"  kk's own log: {summary.kk_log}\n")
        w.write(f"  Full output: {summary.log}\n")
        w.flush()


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

