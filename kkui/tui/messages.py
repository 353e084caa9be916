"""Messages that workers and modals send to the screens (past tense: something happened)."""

from __future__ import annotations

import queue
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class DocumentChanged(Message):
    """The config document was edited or saved; screens showing it refresh."""


@dataclass
class HostChecked(Message):
    """The precheck of one host finished (``report`` is a precheck ``HostReport``)."""

    report: Any


@dataclass
class PrecheckFinished(Message):
    """The whole precheck run ended; ``report`` is None when it failed before starting."""

    report: Any
    error: str = ""


@dataclass
class PackagesFixed(Message):
    """The "fix packages" action ended on every selected host."""

    summary: str
    ok: bool


@dataclass
class DownloadProgressed(Message):
    """Bytes of the kk tarball received so far (``total`` is 0 while unknown)."""

    done: int
    total: int


@dataclass
class KkEventsReceived(Message):
    """A batch of kk events, collected in the worker (never one message per line)."""

    events: list[Any]


@dataclass
class KkPromptShown(Message):
    """kk waits for "Continue this installation?"; the answer goes back through ``answers``."""

    prompt: Any
    answers: queue.Queue[bool | None] = field(default_factory=queue.Queue)


@dataclass
class HintFound(Message):
    """kk printed a line matching a live hint (e.g. sudo asking for a password: kk may hang
    forever); ``hint`` is a ``kkui.core.kk.hints.Hint``."""

    hint: Any


@dataclass
class InstallFinished(Message):
    """The install worker ended: kk exited, getting kk failed (``error``), or the operator
    cancelled before kk started (``cancelled``; ``error`` then says what was kept)."""

    code: int | None
    error: str = ""
    cancelled: bool = False
