"""What kk did, as immutable events. The terminal and the TUI both consume these.

Every line kk prints becomes a :class:`RawLine` (already redacted, and safe to show on a
terminal: control sequences removed, see :mod:`kkui.core.sanitize`); the other events are the
meaning the parser found in those lines.  A structured event always follows the ``RawLine``
it came from, except :class:`OutputBlock` and :class:`PipelineFailed`, which close when the
next timestamped line (or the end of the stream) shows that their body is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stream = Literal["stdout", "stderr"]
HostState = Literal["success", "failed", "skipped", "retry", "rollback"]
BlockKind = Literal["message", "stdout", "stderr", "command"]
Level = Literal["WARN", "ERRO", "FATA"]


@dataclass(frozen=True, slots=True)
class RawLine:
    """One line of kk output exactly as shown (secrets redacted), without its newline.

    ``time`` is the wall-clock time (``time.time()``) at which kkui read it.  Terminal control
    sequences are removed from ``text``; ``cut`` counts the characters of an over-long line
    that were not kept (the log file has them).
    """

    stream: Stream
    text: str
    time: float
    cut: int = 0


@dataclass(frozen=True, slots=True)
class TaskStarted:
    """``10:53:02 CST [GreetingsModule] Greetings``: a task of a module starts."""

    module: str
    task: str


@dataclass(frozen=True, slots=True)
class HostStatus:
    """``10:53:02 CST success: [node1]``: the current task finished (or retries) on a host."""

    host: str
    status: HostState


@dataclass(frozen=True, slots=True)
class OutputBlock:
    """``message: [node1]`` (or stdout/stderr/command) and the body lines that followed it."""

    kind: BlockKind
    host: str
    body: str


@dataclass(frozen=True, slots=True)
class LogLine:
    """A ``[WARN]``, ``[ERRO]`` or ``[FATA]`` line (only warnings and worse carry a level)."""

    level: Level
    text: str


@dataclass(frozen=True, slots=True)
class TableShown:
    """kk's precheck table; ``rows[0]`` is the header (name, sudo, curl, ... time)."""

    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class PromptShown:
    """kk waits for an answer on stdin (``Continue this installation? [yes/no]: ``).

    ``table`` is the precheck table printed before the prompt (empty when there was none).
    """

    text: str
    table: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class PromptAnswered:
    """kkui wrote an answer to kk's prompt (kk does not echo it)."""

    answer: str


@dataclass(frozen=True, slots=True)
class PipelineSucceeded:
    """``Pipeline[CreateClusterPipeline] execute successfully``."""

    pipeline: str = ""


@dataclass(frozen=True, slots=True)
class PipelineFailed:
    """``error: Pipeline[...] execute failed: Module[...] exec failed:`` and the host lines.

    ``hosts`` holds ``(host, task, reason)`` per ``failed: [host] [Task] exec failed ...`` line;
    ``task`` is empty when kk gave none (timeouts, connection failures).  ``module`` is empty
    when the pipeline failed outside a module; ``message`` is the whole error text.
    """

    module: str
    hosts: tuple[tuple[str, str, str], ...] = ()
    pipeline: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class ProcessStarted:
    """kk was started (``argv`` never holds a secret)."""

    pid: int
    argv: tuple[str, ...]
    workdir: str


@dataclass(frozen=True, slots=True)
class ProcessExited:
    """kk's process ended.  ``code`` is negative when a signal killed it."""

    code: int
    cancelled: bool = False
    declined: bool = False


KkEvent = (
    RawLine | TaskStarted | HostStatus | OutputBlock | LogLine | TableShown | PromptShown
    | PromptAnswered | PipelineSucceeded | PipelineFailed | ProcessStarted | ProcessExited
)
