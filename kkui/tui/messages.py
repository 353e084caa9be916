"""Messages that workers and modals send to the screens (past tense: something happened)."""

from __future__ import annotations

import queue
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message

if TYPE_CHECKING:  # payload types only: importing a message never imports paramiko or httpx
    from kkui.core.day2.certs import CertRow
    from kkui.core.day2.replace_flow import StepChanged
    from kkui.core.day2.upgrade import RunningVersion
    from kkui.core.install.evidence import FailureEvidence
    from kkui.core.install.resume import CheckOutcome, PhasesResult
    from kkui.core.kk.events import KkEvent, PromptShown
    from kkui.core.kk.hints import Hint
    from kkui.core.precheck.report import HostReport, PrecheckReport
    from kkui.core.runs.browse import RunView
    from kkui.core.runs.query import RunSummary
    from kkui.core.verify.report import VerifyReport, VerifyResult


@dataclass
class DocumentChanged(Message):
    """The config document was edited or saved; screens showing it refresh."""


@dataclass
class HostChecked(Message):
    """The precheck of one host finished."""

    report: HostReport


@dataclass
class PrecheckFinished(Message):
    """The whole precheck run ended; ``report`` is None when it failed before starting."""

    report: PrecheckReport | None
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

    events: list[KkEvent]


@dataclass
class KkPromptShown(Message):
    """kk waits for "Continue this installation?"; the answer goes back through ``answers``."""

    prompt: PromptShown
    answers: queue.Queue[bool | None] = field(default_factory=queue.Queue)


@dataclass
class HintFound(Message):
    """kk printed a line matching a live hint (e.g. sudo asking for a password: kk may hang
    forever); ``hint`` is a ``kkui.core.kk.hints.Hint``."""

    hint: Hint


@dataclass
class EvidenceCollecting(Message):
    """kk failed: the install worker is gathering evidence from these failed hosts."""

    hosts: tuple[str, ...]


@dataclass
class EvidenceCollected(Message):
    """What the failed hosts showed (``kkui.core.install.evidence``), for the triage."""

    evidence: FailureEvidence


@dataclass
class InstallFinished(Message):
    """The install worker ended: kk exited, getting kk failed (``error``), or the operator
    cancelled before kk started (``cancelled``; ``error`` then says what was kept)."""

    code: int | None
    error: str = ""
    cancelled: bool = False
    # kkui's precheck stopped the install before kk started: its blocking lines
    refused: tuple[str, ...] = ()


@dataclass
class LbOutput(Message):
    """One line of a load-balancer action's output (render, check, deploy, status, drill)."""

    line: Text | str


@dataclass
class LbActionFinished(Message):
    """A load-balancer action ended; ``state`` is what it learnt about the pair
    ("answering", "failed", or "" when it did not look)."""

    action: str
    ok: bool
    summary: str
    state: str = ""


@dataclass
class VerifyChecked(Message):
    """One verify result arrived (a ``kkui.core.verify.report.VerifyResult``)."""

    result: VerifyResult


@dataclass
class VerifyFinished(Message):
    """The verify run ended; ``report`` is None when it could not run (``error`` says why)."""

    report: VerifyReport | None
    error: str = ""


@dataclass
class HistoryLoaded(Message):
    """The History screen's list of runs was read (newest first); ``error`` says why not."""

    runs: list[RunSummary]
    error: str = ""


@dataclass
class RunDetailLoaded(Message):
    """One run of the history was read with its diff against the cluster's previous config;
    ``view`` is None when it could not be read (``error`` says why)."""

    view: RunView | None
    error: str = ""


@dataclass
class ResumeChecked(Message):
    """One state check of a resume finished (``kkui.core.install.resume.CheckOutcome``)."""

    outcome: CheckOutcome


@dataclass
class ResumeFinished(Message):
    """The resume worker ended: the phases ran (``result``), the state checks refused
    (``refusal``), or it could not start (``error``)."""

    result: PhasesResult | None
    refusal: str = ""
    error: str = ""
    verified: str = ""  # after a successful resume: the verify summary line
    verified_ok: bool = True


@dataclass
class ResumePhaseStarted(Message):
    """A resume starts ``kk alpha create phase <phase>``."""

    phase: str


@dataclass
class OpsOutput(Message):
    """One line for the Cluster ops output pane (kkui's own lines, kk's lines, results)."""

    line: Text | str


@dataclass
class OpsCertsRead(Message):
    """The certificate calendar was read (``kkui.core.day2.certs.CertRow`` rows, soonest
    first; host → why for the hosts that could not be read)."""

    rows: list[CertRow]
    unreachable: dict[str, str]


@dataclass
class OpsVersionsRead(Message):
    """The running Kubernetes version and the versions one step away (for the upgrade);
    ``running`` is None when it could not be read (``error`` says why)."""

    running: RunningVersion | None
    steps: list[str]
    error: str = ""


@dataclass
class OpsStepChanged(Message):
    """A step of the node replacement's checklist changed state (running, done, failed...)."""

    event: StepChanged


@dataclass
class OpsFinished(Message):
    """A Cluster ops action ended with ``code`` (None: it could not start, ``summary`` says
    why).  ``kk_succeeded``: kk itself exited 0, so the config edit of the operation (the new
    version, the deleted row) applies even when the verify after it found problems."""

    action: str
    code: int | None
    summary: str
    kk_succeeded: bool = False
