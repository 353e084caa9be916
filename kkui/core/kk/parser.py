"""Incremental parser: decoded text chunks of kk's stdout/stderr in, events out.

kk (v3.1.x) writes log lines as ``HH:MM:SS ZONE message`` (Go layout ``15:04:05 MST``; a zone
without an abbreviation prints as ``+08``).  ``message: [host]`` and friends are followed by a
body without timestamps that ends at the next timestamped line.  The confirmation prompt has no
trailing newline, so it is recognised in the unfinished remainder of the stream.  kk v1.x used
logrus' text layout ``INFO[10:53:02 CST] message``; those lines are understood too.

kk relays remote command output, so its bytes are hostile input (issue #10): a line is shown
(and parsed) only up to ``max_line`` characters, so a endless line without a newline costs
linear time and bounded memory; the whole line still goes to ``tee`` (the log file), redacted
but otherwise raw.  What is shown has terminal control sequences removed
(:func:`kkui.core.sanitize.for_display`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kkui.core.kk.events import (
    HostStatus,
    KkEvent,
    LogLine,
    OutputBlock,
    PipelineFailed,
    PipelineSucceeded,
    PromptShown,
    RawLine,
    Stream,
    TableShown,
    TaskStarted,
)
from kkui.core.sanitize import for_display

_STAMP = re.compile(r"\d{1,2}:\d{2}:\d{2} (?:[A-Za-z]{1,6}|[+-]\d{2}(?:\d{2})?) (.*)", re.S)
_LEVEL = re.compile(r"\[(WARN|WARNING|ERRO|ERROR|FATA|FATAL|PANI|PANIC)\] ?(.*)", re.S)
_TASK = re.compile(r"\[([^\]]+)\] (.*)", re.S)  # "CustomScriptsModule Phase:PreInstall"
_HOST_STATUS = re.compile(r"(success|failed|skipped|retry|rollback): \[(.*)\]\s*$")
_BLOCK = re.compile(r"(message|stdout|stderr|command): \[(.*)\]\s*$")
_PIPELINE_OK = re.compile(r"Pipeline\[([^\]]+)\] execute successfully")
_V1 = re.compile(r"(INFO|WARN|ERRO|FATA|PANI|DEBU)\[[^\]]*\] ?(.*)", re.S)
_ERROR = re.compile(r"(?:error|Error): (.*)", re.S)
_PIPELINE_FAILED = re.compile(
    r"Pipeline\[([^\]]+)\] execute failed: ?(?:Module\[([^\]]+)\] exec failed: ?)?(.*)", re.S)
_FAILED_HOST = re.compile(r"failed: \[([^\]]+)\] ?(?:\[([^\]]+)\] )?(.*)", re.S)
_RETRIES = re.compile(r"exec failed after \d+ (?:retries|retires): ?(.*)", re.S)  # v2-v3.0: retires
_PROMPT_END = "[yes/no]:"
_PASSWORD_PROMPT = re.compile(r"(?:\[sudo\] password for [^\n:]*|^[Pp]assword): ?$")
_BORDER = re.compile(r"\+(?:-+\+)+")  # modood/table's border: the banner's "|" lines are not

MAX_LINE = 64 * 1024  # characters of one line that are shown and parsed; the log keeps all
_PROMPT_MAX = 1024  # kk's prompts are short: longer unfinished text is not looked at

_LEVEL_SHORT = {"WARNING": "WARN", "ERROR": "ERRO", "FATAL": "FATA", "PANIC": "FATA",
                "PANI": "FATA"}


@dataclass
class _Block:
    kind: str
    host: str
    lines: list[str] = field(default_factory=list)


@dataclass
class _Failure:
    pipeline: str
    module: str
    head: list[str]
    hosts: list[list[str]] = field(default_factory=list)  # [host, task, reason]


@dataclass
class _LongLine:
    """A line longer than ``max_line``, still arriving: only its head is kept."""

    head: str = ""   # redacted, at most max_line characters: what is shown
    carry: str = ""  # not yet teed: it may hold the start of a secret
    total: int = 0   # characters received


@dataclass
class _StreamState:
    pending: str = ""
    long: _LongLine | None = None
    block: _Block | None = None
    failure: _Failure | None = None
    table: list[tuple[str, ...]] | None = None


class KkOutputParser:
    """Feed it text as it arrives; it returns the events found so far.

    ``redact`` is applied to every complete line (and to a prompt) before anything else looks
    at it, so no event ever carries a secret.  Lines are split on ``\\n`` only once complete:
    a secret cut in half by a read boundary is still masked.
    """

    def __init__(self, redact: Callable[[str], str] | None = None,
                 clock: Callable[[], float] = time.time, *,
                 tee: Callable[[str], None] | None = None, max_line: int = MAX_LINE) -> None:
        self._redact = redact
        self._clock = clock
        self._tee = tee
        self.max_line = max_line
        self._streams: dict[str, _StreamState] = {"stdout": _StreamState(),
                                                  "stderr": _StreamState()}
        self.last_table: tuple[tuple[str, ...], ...] = ()

    def feed(self, stream: Stream, text: str) -> list[KkEvent]:
        state = self._streams[stream]
        out: list[KkEvent] = []
        if state.long is not None:  # only the new text is searched: linear in the input
            end = text.find("\n")
            if end < 0:
                self._extend_long(state.long, text)
                return out
            self._extend_long(state.long, text[:end])
            self._end_long(stream, state, out)
            text = text[end + 1:]
        data = state.pending + text if state.pending else text
        if "\n" in data:
            lines = data.split("\n")
            state.pending = lines.pop()
            for line in lines:
                if len(line) > self.max_line:
                    state.long = _LongLine()
                    self._extend_long(state.long, line)
                    self._end_long(stream, state, out)
                else:
                    self._line(stream, state, line, out)
        else:
            state.pending = data
        if len(state.pending) > self.max_line:
            state.long, line, state.pending = _LongLine(), state.pending, ""
            self._extend_long(state.long, line)
        elif len(state.pending) > _PROMPT_MAX:
            pass
        elif state.pending and state.pending.rstrip().endswith(_PROMPT_END):
            prompt, state.pending = state.pending, ""
            self._line(stream, state, prompt, out, prompt=True)
        elif state.pending and _PASSWORD_PROMPT.search(state.pending):
            # sudo's prompt has no newline and nothing follows it while kk hangs: show it now
            line, state.pending = state.pending, ""
            self._line(stream, state, line, out)
        return out

    def flush(self, stream: Stream | None = None) -> list[KkEvent]:
        """End of stream(s): emit an unfinished line and close open blocks/failures/tables."""
        out: list[KkEvent] = []
        for name in ((stream,) if stream else ("stdout", "stderr")):
            state = self._streams[name]
            if state.long is not None:
                self._end_long(name, state, out)
            if state.pending:
                line, state.pending = state.pending, ""
                self._line(name, state, line, out)
            self._close(state, out)
        return out

    # -- an over-long line ---------------------------------------------------------------------

    def _extend_long(self, long: _LongLine, text: str) -> None:
        long.total += len(text)
        buf = long.carry + text
        split = getattr(self._redact, "split", None)
        if self._redact is None:
            done, long.carry = buf, ""
        elif split is not None:  # a Redactor: keeps back what may be the start of a secret
            done, long.carry = split(buf)
        else:
            done, long.carry = self._redact(buf), ""
        if len(long.head) < self.max_line:
            long.head += done[:self.max_line - len(long.head)]
        if self._tee is not None and done:
            self._tee(done)

    def _end_long(self, stream: Stream, state: _StreamState, out: list[KkEvent]) -> None:
        long, state.long = state.long, None
        assert long is not None
        rest = self._redact(long.carry) if self._redact is not None else long.carry
        if len(long.head) < self.max_line:
            long.head += rest[:self.max_line - len(long.head)]
        if self._tee is not None:
            self._tee(rest + "\n")
        cut = max(0, long.total - len(long.head))
        self._line(stream, state, long.head, out, cut=cut)

    # -- one complete line -------------------------------------------------------------------

    def _line(self, stream: Stream, state: _StreamState, line: str, out: list[KkEvent],
              prompt: bool = False, cut: int | None = None) -> None:
        """One complete line; ``cut`` is set for the head of an over-long line (already
        redacted and teed)."""
        if line.endswith("\r"):
            line = line.rstrip("\r")
        if cut is None:
            if self._redact is not None:
                line = self._redact(line)
            if self._tee is not None:
                self._tee(line + "\n")
        line = for_display(line, newlines=False)
        if cut:
            line += f" … [{cut} more characters not shown; the log has the whole line]"
        out.append(RawLine(stream, line, self._clock(), cut or 0))

        stamped = _STAMP.match(line)
        if stamped is None:
            self._unstamped(state, line, out, prompt)
            return
        self._close(state, out)
        rest = stamped.group(1)
        if rest.startswith("["):
            level = _LEVEL.match(rest)
            if level is not None:
                tag = level.group(1)
                out.append(LogLine(_LEVEL_SHORT.get(tag, tag), level.group(2)))  # type: ignore[arg-type]
                return
            task = _TASK.match(rest)
            if task is not None:
                out.append(TaskStarted(task.group(1), task.group(2).strip()))
            return
        status = _HOST_STATUS.match(rest)
        if status is not None:
            out.append(HostStatus(status.group(2), status.group(1)))  # type: ignore[arg-type]
            return
        block = _BLOCK.match(rest)
        if block is not None:
            state.block = _Block(block.group(1), block.group(2))
            return
        ok = _PIPELINE_OK.match(rest)
        if ok is not None:
            out.append(PipelineSucceeded(ok.group(1)))

    def _unstamped(self, state: _StreamState, line: str, out: list[KkEvent],
                   prompt: bool) -> None:
        if state.block is not None and not prompt:
            state.block.lines.append(line)
            return
        if state.failure is not None:
            self._failure_line(state.failure, line)
            return
        if line.startswith("+-") and _BORDER.fullmatch(line.rstrip()):
            if state.table is None:
                state.table = []
            return
        if state.table is not None and line.startswith("|"):
            state.table.append(tuple(cell.strip() for cell in line.strip().strip("|")
                                     .split("|")))
            return
        if state.table is not None:
            self._close_table(state, out)
        if prompt:
            out.append(PromptShown(line, self.last_table))
            self.last_table = ()
            return
        error = _ERROR.match(line)
        if error is not None:
            failed = _PIPELINE_FAILED.match(error.group(1))
            if failed is not None:
                rest = failed.group(3).strip()
                state.failure = _Failure(failed.group(1), failed.group(2) or "",
                                         [error.group(1).rstrip()])
                if rest.startswith("failed: ["):
                    self._failure_line(state.failure, rest)
            else:
                out.append(LogLine("ERRO", error.group(1)))
            return
        v1 = _V1.match(line)
        if v1 is not None:
            tag = v1.group(1)
            if tag in ("WARN", "ERRO", "FATA", "PANI"):
                out.append(LogLine(_LEVEL_SHORT.get(tag, tag), v1.group(2)))  # type: ignore[arg-type]

    @staticmethod
    def _failure_line(failure: _Failure, line: str) -> None:
        host = _FAILED_HOST.match(line)
        if host is not None:
            reason = host.group(3)
            retries = _RETRIES.match(reason)
            if retries is not None:
                reason = retries.group(1)
            failure.hosts.append([host.group(1), host.group(2) or "", reason.strip()])
        elif failure.hosts:
            failure.hosts[-1][2] = (failure.hosts[-1][2] + "\n" + line).strip()
        elif line.strip():
            failure.head.append(line)

    # -- closing multi-line constructs ----------------------------------------------------------

    def _close(self, state: _StreamState, out: list[KkEvent]) -> None:
        if state.block is not None:
            block, state.block = state.block, None
            body = "\n".join(block.lines).rstrip("\n")
            out.append(OutputBlock(block.kind, block.host, body))  # type: ignore[arg-type]
        if state.failure is not None:
            failure, state.failure = state.failure, None
            hosts = tuple((h, t, r) for h, t, r in failure.hosts)
            lines = [*failure.head, *(f"failed: [{h}] {('[' + t + '] ') if t else ''}{r}"
                                      for h, t, r in hosts)]
            out.append(PipelineFailed(failure.module, hosts, failure.pipeline,
                                      "\n".join(lines)))
        if state.table is not None:
            self._close_table(state, out)

    def _close_table(self, state: _StreamState, out: list[KkEvent]) -> None:
        rows = tuple(state.table or ())
        state.table = None
        if rows:
            self.last_table = rows
            out.append(TableShown(rows))
