"""The run-history database: one SQLite file, private, versioned, safe against a crash.

Where: ``--db PATH``, else ``$KKUI_DB``, else ``$XDG_DATA_HOME/kkui/kkui.db`` (default
``~/.local/share/kkui/kkui.db``).  The file is created 0600 in a 0700 directory through
:func:`kkui.core.fsutil.open_private_append` (never through a planted symbolic link); SQLite gives
its ``-wal``/``-shm`` files the database file's mode.

Why WAL and a busy timeout: a run writes a row per kk module from kk's reader thread while
`kkui history` may read in another terminal; WAL lets readers and the one writer proceed, the
timeout makes a second writer wait instead of failing.  A process killed with SIGKILL mid-write
loses at most its open transaction: SQLite's journal keeps the file consistent.

The schema is versioned (``schema_version``, one row); :data:`MIGRATIONS` are applied in order
in one transaction each, so an old database opened by a newer kkui is upgraded in place.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from kkui.core.errors import KkuiError
from kkui.core.fsutil import FileWriteError, open_private_append
from kkui.i18n import L_

DB_NAME = "kkui.db"
BUSY_TIMEOUT_MS = 10_000


class HistoryError(KkuiError):
    """The history database cannot be opened or is not a kkui database."""

    exit_code = 1


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    """``$KKUI_DB``, else the XDG data dir's ``kkui/kkui.db``."""
    environ = os.environ if env is None else env
    if environ.get("KKUI_DB", "").strip():
        return Path(environ["KKUI_DB"]).expanduser()
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "kkui" / DB_NAME


# ------------------------------------------------------------------ migrations
_V1 = """
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    argv TEXT NOT NULL,              -- JSON list, secrets masked
    kkui_version TEXT NOT NULL,
    kk_version TEXT,
    kk_sha256 TEXT,
    cluster TEXT,
    config_path TEXT,
    started REAL NOT NULL,
    finished REAL,
    outcome TEXT NOT NULL,           -- running|success|failed|cancelled|interrupted
    exit_code INTEGER,
    failed_module TEXT,
    failed_hosts TEXT,               -- JSON list of host names
    findings TEXT,                   -- JSON list of one-line findings
    log_path TEXT,
    pid INTEGER NOT NULL
);
-- apart from runs: a list of 10,000 runs never reads past the configs' overflow pages
CREATE TABLE configs (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    text TEXT NOT NULL               -- the config as applied, redacted
);
CREATE TABLE stages (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    outcome TEXT,
    PRIMARY KEY (run_id, seq)
);
"""

# v2: the process start time beside the PID (a reused PID is not mistaken for the run's
# process), the control-plane endpoint (the lock key), the per-cluster lock table, and an
# index for `kkui history --cluster` and for finding runs left `running`.
_V2 = """
ALTER TABLE runs ADD COLUMN process_started REAL;
ALTER TABLE runs ADD COLUMN endpoint TEXT;
CREATE INDEX runs_cluster ON runs (cluster, id);
CREATE INDEX runs_running ON runs (outcome) WHERE outcome = 'running';
CREATE TABLE locks (
    key TEXT PRIMARY KEY,            -- cluster name + control-plane endpoint
    pid INTEGER NOT NULL,
    process_started REAL,
    command TEXT NOT NULL,
    started REAL NOT NULL,
    run_id INTEGER
);
"""

Migration = Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Migration:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)
    return apply


MIGRATIONS: tuple[Migration, ...] = (_script(_V1), _script(_V2))
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND "
                       "name='schema_version'").fetchone()
    if row is None:
        return 0
    found = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(found[0]) if found else 0


def migrate(conn: sqlite3.Connection, path: Path, upto: int = SCHEMA_VERSION) -> int:
    """Apply the missing migrations (each in its own transaction); the version reached."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise HistoryError(L_("{path}: written by a newer kkui (schema {current}, this kkui "
                              "knows {known}): upgrade kkui or use another --db",
                              path=str(path), current=current, known=SCHEMA_VERSION))
    while current < upto:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) == current:  # another process may have migrated meanwhile
                MIGRATIONS[current](conn)
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version VALUES (?)", (current + 1,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = schema_version(conn)
    return current


# ------------------------------------------------------------------ opening
def _create_private(path: Path) -> None:
    """The file exists, 0600, a regular file (created in a 0700 directory when new)."""
    try:
        open_private_append(path).close()
    except FileWriteError as exc:
        raise HistoryError(L_("run history: {error}; or set KKUI_DB to another file",
                              error=str(exc))) from None


def connect(path: Path | None = None, *, upto: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """An open, migrated connection (autocommit; callers use explicit transactions)."""
    target = Path(path) if path is not None else default_db_path()
    _create_private(target)
    try:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoint, never corrupt
        migrate(conn, target, upto)
    except sqlite3.DatabaseError as exc:
        raise HistoryError(L_("{path}: not a usable kkui history database ({error}): move it "
                              "away or set KKUI_DB to another file", path=str(target),
                              error=str(exc))) from None
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any exception)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
