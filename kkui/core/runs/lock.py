"""One kkui at a time per cluster: a row in the history database's ``locks`` table.

Two kkui processes must never drive kk or the LB pair for the same cluster at once (issue #14:
two terminals, two operators on one jump host).  The key is the cluster's name plus its
control-plane endpoint, so two clusters that share a name in different environments do not
block each other.  Taking the lock is one ``BEGIN IMMEDIATE`` transaction (SQLite serialises
them); the holder's PID and process start time decide whether an existing row is live or left by
a process that died (SIGKILL, power loss): a stale row is taken over, with a note.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from kkui.core.config.model import ClusterModel
from kkui.core.errors import KkuiError
from kkui.core.runs.liveness import alive, this_process
from kkui.core.runs.store import transaction
from kkui.i18n import L_

LOCKED_EXIT = 2  # documented in README "Run history": another kkui holds the cluster


class ClusterLocked(KkuiError):
    """Another live kkui process holds this cluster's lock."""

    exit_code = LOCKED_EXIT


@dataclass(frozen=True)
class LockHolder:
    pid: int
    command: str
    started: float
    run_id: int | None

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        values = {"pid": self.pid, "command": self.command, "when": when, "run": self.run_id}
        if self.run_id:
            return L_("PID {pid} (`kkui {command}`, started {when}, run {run})", **values)
        return L_("PID {pid} (`kkui {command}`, started {when})", **values)


def endpoint_of(model: ClusterModel) -> str:
    """The control-plane endpoint as kk resolves it: the LB/VIP address, else the first
    control-plane's internal address (kk's default), else the domain; with the port."""
    cpe = model.control_plane_endpoint
    first = next(iter(model.control_plane_hosts), None)
    host = cpe.address or (first.internal_address or first.address if first else "") \
        or cpe.domain
    return f"{host}:{cpe.port}"


def lock_key(model: ClusterModel) -> str:
    return f"{model.name}@{endpoint_of(model)}"


def acquire(conn: sqlite3.Connection, key: str, command: str, run_id: int | None) -> str | None:
    """Take the lock or raise :class:`ClusterLocked`; returns a note when a stale lock (its
    process gone) was taken over."""
    pid, started = this_process()
    with transaction(conn):
        row = conn.execute("SELECT pid, process_started, command, started, run_id FROM locks "
                           "WHERE key = ?", (key,)).fetchone()
        note = None
        if row is not None:
            holder = LockHolder(pid=row[0], command=row[2], started=row[3], run_id=row[4])
            if row[0] != pid and alive(row[0], row[1]):
                cluster = key.split("@", 1)[0]
                raise ClusterLocked(L_(
                    "cluster {cluster} ({endpoint}) is in use by kkui {holder}: wait for it to "
                    "finish (`kkui history` shows it), or stop that process; nothing was "
                    "started", cluster=cluster, endpoint=key.split("@", 1)[1],
                    holder=holder.describe()))
            note = L_("took over a stale lock of {holder}: that process is gone",
                      holder=holder.describe())
        conn.execute("INSERT OR REPLACE INTO locks (key, pid, process_started, command, "
                     "started, run_id) VALUES (?, ?, ?, ?, ?, ?)",
                     (key, pid, started, command, time.time(), run_id))
    return note


def release(conn: sqlite3.Connection, key: str) -> None:
    """Drop the lock if this process holds it (never someone else's)."""
    pid, _ = this_process()
    with transaction(conn):
        conn.execute("DELETE FROM locks WHERE key = ? AND pid = ?", (key, pid))


def holder(conn: sqlite3.Connection, key: str) -> LockHolder | None:
    """The live holder of ``key``, if any."""
    row = conn.execute("SELECT pid, process_started, command, started, run_id FROM locks "
                       "WHERE key = ?", (key,)).fetchone()
    if row is None or not alive(row[0], row[1]):
        return None
    return LockHolder(pid=row[0], command=row[2], started=row[3], run_id=row[4])
