"""``recorded_run``: the one way a kkui command that touches hosts or kk becomes a history record.

::

    with recorded_run("install", model=model, config_text=doc.to_text(), config_path=path,
                      argv=sys.argv[1:], lock=True) as run:
        run.stage("precheck")
        ...
        run.kk_event(event)          # kk modules become stages; a failure names module + hosts
        return run.finish(code)      # success (0) | cancelled (130/143/129, declined) | failed

The row is written ``running`` before the body starts, so a process killed mid-run leaves a row
whose PID is dead: :func:`kkui.core.runs.query.reap` marks it ``interrupted`` when the history
is read.  An exception leaving the block is recorded (Ctrl-C/SIGTERM: ``cancelled``; any other:
``failed`` with its exit code) and re-raised.  ``lock=True`` also holds the cluster's lock
(:mod:`kkui.core.runs.lock`) for the whole block and releases it on every way out.

Secrets: the config is stored only after the config's own secrets and every secret-looking value
are masked (the support bundle's :func:`kkui.core.kk.bundle.scrub`); if one still survives,
the config is not stored at all (fail closed).  argv is masked the same way.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kkui import __version__
from kkui.core.errors import KkuiError, message_of
from kkui.core.runs import lock as cluster_lock
from kkui.core.runs.liveness import this_process
from kkui.core.runs.store import HistoryError, connect, transaction
from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.config.model import ClusterModel
    from kkui.core.kk.events import KkEvent

OUTCOMES = ("running", "success", "failed", "cancelled", "interrupted")
CANCEL_CODES = (129, 130, 143)  # SIGHUP, Ctrl-C, SIGTERM (kkui.core.signals.exit_code)
NOT_STORED = "(not stored: a secret survived masking)"


def outcome_of(code: int, *, cancelled: bool = False) -> str:
    if cancelled or code in CANCEL_CODES:
        return "cancelled"
    return "success" if code == 0 else "failed"


def masked(model: ClusterModel | None, texts: Sequence[str]) -> list[str] | None:
    """``texts`` with the config's secrets and secret-looking values masked; None when a
    secret is still present afterwards (the caller stores nothing then)."""
    from kkui.core.kk.bundle import scrub
    from kkui.core.kk.redact import Redactor, needles

    secrets = _secrets_of(model) if model is not None else []
    redactor = Redactor(secrets)
    out = [scrub(text, redactor) for text in texts]
    wanted = [n for s in secrets for n in needles(s) if len(n) >= 4]
    if any(n in text for n in wanted for text in out):
        return None
    return out


def _secrets_of(model: ClusterModel) -> list[str]:
    from kkui.core.install.plan import secrets_of

    return secrets_of(model)


class Run:
    """The record of one run in progress; every method is safe to call from kk's reader thread.
    With no database (``id`` None) every method is a no-op, so commands never branch on it."""

    def __init__(self, conn: sqlite3.Connection | None, run_id: int | None) -> None:
        self._conn = conn
        self.id = run_id
        self.notes: list[str] = []  # for the command to print (a stale lock taken over ...)
        self.outcome: str | None = None
        self.exit_code: int | None = None
        self._mutex = threading.Lock()
        self._stage_seq = 0
        self._stage_open = False
        self._module = ""
        self._findings: list[str] = []

    def _write(self, *statements: tuple[str, Sequence[object]]) -> None:
        """One transaction: a crash leaves all of ``statements`` or none."""
        if self._conn is None or self.id is None:
            return
        with self._mutex, transaction(self._conn):
            for sql, params in statements:
                self._conn.execute(sql, params)

    # ------------------------------------------------------------ timeline
    def stage(self, name: str) -> None:
        """A stage starts now; the previous one ends (``success``) in the same transaction, so
        a run killed at any moment has its current stage open (shown ``interrupted``)."""
        now = time.time()
        with self._mutex:
            ending = self._end_statement("success", now)
            self._stage_seq += 1
            self._stage_open = True
            seq = self._stage_seq
        self._write(*ending, ("INSERT INTO stages (run_id, seq, name, started) VALUES "
                              "(?, ?, ?, ?)", (self.id, seq, name, now)))

    def _end_statement(self, outcome: str, now: float) -> list[tuple[str, Sequence[object]]]:
        """The UPDATE closing the open stage (caller holds the mutex); none when none is open."""
        if not self._stage_open:
            return []
        self._stage_open = False
        return [("UPDATE stages SET finished = ?, outcome = ? WHERE run_id = ? AND seq = ?",
                 (now, outcome, self.id, self._stage_seq))]

    def kk_event(self, event: KkEvent) -> None:
        """kk's modules as stages (``kk: InitKubernetesModule``); a failure's module and hosts."""
        from kkui.core.kk.events import PipelineFailed, TaskStarted

        if isinstance(event, TaskStarted) and event.module and event.module != self._module:
            self._module = event.module
            self.stage(f"kk: {event.module}")
        elif isinstance(event, PipelineFailed):
            self.failed(event.module or self._module, [h for h, _task, _why in event.hosts])

    # ------------------------------------------------------------ facts
    def set_kk(self, version: str | None, sha256: str | None) -> None:
        self._write(("UPDATE runs SET kk_version = ?, kk_sha256 = ? WHERE id = ?",
                     (version or None, sha256 or None, self.id)))

    def set_log(self, path: str | Path | None) -> None:
        self._write(("UPDATE runs SET log_path = ? WHERE id = ?",
                     (str(Path(path).resolve()) if path else None, self.id)))

    def failed(self, module: str, hosts: Iterable[str] = ()) -> None:
        self._write(("UPDATE runs SET failed_module = ?, failed_hosts = ? WHERE id = ?",
                     (module or None, json.dumps(sorted(set(hosts))), self.id)))

    def add_findings(self, findings: Iterable[str]) -> None:
        new = [f for f in findings if f]
        if not new:
            return
        self._findings.extend(new)
        stored = masked(None, self._findings) or []
        self._write(("UPDATE runs SET findings = ? WHERE id = ?", (json.dumps(stored), self.id)))

    # ------------------------------------------------------------ end
    def finish(self, code: int, *, outcome: str | None = None) -> int:
        """Record the end (once; later calls are ignored) and return ``code``."""
        if self.outcome is not None:
            return code
        self.outcome = outcome or outcome_of(code)
        self.exit_code = code
        now = time.time()
        with self._mutex:
            ending = self._end_statement(self.outcome, now)
        self._write(*ending, ("UPDATE runs SET finished = ?, outcome = ?, exit_code = ? WHERE "
                              "id = ?", (now, self.outcome, code, self.id)))
        return code


def _insert(conn: sqlite3.Connection, command: str, argv: Sequence[str],
            model: ClusterModel | None, config_text: str | None,
            config_path: str | Path | None) -> int:
    texts = masked(model, [config_text or "", *argv])
    stored_config = (texts[0] or None) if texts else NOT_STORED
    stored_argv = texts[1:] if texts else [NOT_STORED]
    pid, started = this_process()
    endpoint = cluster_lock.endpoint_of(model) if model is not None else None
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO runs (command, argv, kkui_version, cluster, endpoint, config_path, "
            "started, outcome, pid, process_started, findings, failed_hosts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, '[]', '[]')",
            (command, json.dumps(stored_argv), __version__,
             model.name if model is not None else None, endpoint,
             str(Path(config_path).resolve()) if config_path else None,
             time.time(), pid, started))
        run_id = int(cur.lastrowid or 0)
        if stored_config:
            conn.execute("INSERT INTO configs (run_id, text) VALUES (?, ?)",
                         (run_id, stored_config))
        return run_id


@contextlib.contextmanager
def recorded_run(command: str, *, model: ClusterModel | None = None,
                 config_text: str | None = None, config_path: str | Path | None = None,
                 argv: Sequence[str] = (), lock: bool = False,
                 db: Path | None = None) -> Iterator[Run]:
    """Record ``command`` (e.g. ``"install"``, ``"lb deploy"``) while the block runs.

    Without a usable database a read-only command still runs (``run.notes`` says the history was
    not recorded); a command that takes the cluster lock (``lock=True``) refuses instead, since
    it cannot know whether another kkui drives the cluster (fail closed).
    """
    try:
        conn = connect(db)
    except HistoryError as exc:
        if lock:
            raise
        run = Run(None, None)
        run.notes.append(L_("run history not recorded: {error}", error=message_of(exc)))
        yield run
        return
    key = None
    try:
        run = Run(conn, _insert(conn, command, argv, model, config_text, config_path))
        if lock and model is not None:
            try:
                note = cluster_lock.acquire(conn, cluster_lock.lock_key(model), command, run.id)
            except cluster_lock.ClusterLocked as exc:
                run.add_findings([str(exc)])
                run.finish(exc.exit_code)
                raise
            key = cluster_lock.lock_key(model)
            if note:
                run.notes.append(note)
        try:
            yield run
        except KeyboardInterrupt:
            from kkui.core import signals

            run.finish(signals.exit_code(130), outcome="cancelled")
            raise
        except KkuiError as exc:
            run.add_findings([str(exc)])
            run.finish(exc.exit_code)
            raise
        except BaseException:
            run.finish(1)
            raise
        run.finish(0)  # the block returned without saying: it did not fail
    finally:
        if key is not None:
            cluster_lock.release(conn, key)
        conn.close()
