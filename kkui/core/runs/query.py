"""Reading the run history: the list (newest first), one run with its timeline, and marking runs
whose process died as ``interrupted``.

The list is one query over the narrow ``runs`` rows (the stored configs live in their own
table), so 10,000 runs list well within 100 ms (bench/history.py).  The JSON contract of
`kkui history --json` is :meth:`RunSummary.as_json`; do not rename its keys.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from kkui.core.errors import KkuiError
from kkui.core.runs.liveness import alive
from kkui.core.runs.store import transaction
from kkui.i18n import L_


class RunNotFound(KkuiError):
    exit_code = 2


def iso(ts: float | None) -> str | None:
    """Local time with its offset, to the second: ``2026-11-30T08:01:02+01:00``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


class RunSummary(NamedTuple):  # a tuple: 10,000 of them build in a few ms
    id: int
    command: str
    cluster: str | None
    config: str | None
    started: float
    finished: float | None
    outcome: str
    exit_code: int | None
    failed_module: str | None
    log: str | None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "command": self.command, "cluster": self.cluster,
                "config": self.config, "started": iso(self.started),
                "finished": iso(self.finished), "outcome": self.outcome,
                "exit_code": self.exit_code, "failed_module": self.failed_module,
                "log": self.log}


@dataclass(frozen=True)
class Stage:
    name: str
    started: float
    finished: float | None
    outcome: str | None


@dataclass(frozen=True)
class RunDetail:
    summary: RunSummary
    argv: list[str]
    kkui_version: str
    kk_version: str | None
    kk_sha256: str | None
    endpoint: str | None
    failed_hosts: list[str]
    findings: list[str]
    config_text: str | None
    pid: int
    stages: list[Stage] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        data = self.summary.as_json()
        data.update({
            "argv": self.argv, "kkui_version": self.kkui_version,
            "kk_version": self.kk_version, "kk_sha256": self.kk_sha256,
            "endpoint": self.endpoint, "failed_hosts": self.failed_hosts,
            "findings": self.findings, "pid": self.pid,
            "stages": [{"name": s.name, "started": iso(s.started), "finished": iso(s.finished),
                        "outcome": s.outcome} for s in self.stages]})
        return data


_SUMMARY_COLUMNS = ("id, command, cluster, config_path, started, finished, outcome, exit_code, "
                    "failed_module, log_path")


def reap(conn: sqlite3.Connection) -> list[int]:
    """Mark ``running`` rows whose process is gone as ``interrupted`` (their open stage too);
    the ids changed."""
    rows = conn.execute("SELECT id, pid, process_started FROM runs "
                        "WHERE outcome = 'running'").fetchall()
    dead = [row[0] for row in rows if not alive(row[1], row[2])]
    if dead:
        with transaction(conn):
            for run_id in dead:
                conn.execute("UPDATE runs SET outcome = 'interrupted' WHERE id = ? AND "
                             "outcome = 'running'", (run_id,))
                conn.execute("UPDATE stages SET outcome = 'interrupted' WHERE run_id = ? AND "
                             "finished IS NULL", (run_id,))
    return dead


def list_runs(conn: sqlite3.Connection, *, cluster: str | None = None,
              limit: int | None = None) -> list[RunSummary]:
    """Newest first; ``cluster`` filters by the config's metadata.name."""
    reap(conn)
    where, params = ("WHERE cluster = ?", [cluster]) if cluster else ("", [])
    tail = f" LIMIT {int(limit)}" if limit else ""
    rows = conn.execute(f"SELECT {_SUMMARY_COLUMNS} FROM runs {where} ORDER BY id DESC{tail}",
                        params).fetchall()
    return list(map(RunSummary._make, rows))


def get_run(conn: sqlite3.Connection, run_id: int) -> RunDetail:
    reap(conn)
    row = conn.execute(f"SELECT {_SUMMARY_COLUMNS}, argv, kkui_version, kk_version, kk_sha256, "
                       "endpoint, failed_hosts, findings, (SELECT text FROM configs WHERE "
                       "run_id = runs.id), pid FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise RunNotFound(L_("no run {run} in the history: `kkui history` lists the ids",
                             run=run_id))
    summary = RunSummary(*row[:10])
    stages = [Stage(*r) for r in conn.execute(
        "SELECT name, started, finished, outcome FROM stages WHERE run_id = ? ORDER BY seq",
        (run_id,))]
    return RunDetail(summary=summary, argv=json.loads(row[10]), kkui_version=row[11],
                     kk_version=row[12], kk_sha256=row[13], endpoint=row[14],
                     failed_hosts=json.loads(row[15] or "[]"),
                     findings=json.loads(row[16] or "[]"), config_text=row[17], pid=row[18],
                     stages=stages)


def previous_with_config(conn: sqlite3.Connection, run: RunDetail) -> int | None:
    """The run of the same cluster before ``run`` that stored a config."""
    row = conn.execute("SELECT id FROM runs JOIN configs ON run_id = id WHERE cluster IS ? "
                       "AND id < ? ORDER BY id DESC LIMIT 1",
                       (run.summary.cluster, run.summary.id)).fetchone()
    return int(row[0]) if row else None


# Runs whose success changes what the hosts run: their config is then the applied one; after a
# successful `delete` no host has the cluster any more.
APPLYING = ("install", "nodes add", "nodes delete", "upgrade", "delete")


def last_applied(conn: sqlite3.Connection, cluster: str) -> RunDetail | None:
    """The config the hosts of ``cluster`` now have: the newest successful applying run's
    (None when there is none or the cluster was deleted since)."""
    marks = ",".join("?" * len(APPLYING))
    row = conn.execute(f"SELECT id, command FROM runs JOIN configs ON run_id = id WHERE "
                       f"cluster = ? AND outcome = 'success' AND command IN ({marks}) ORDER BY "
                       "id DESC LIMIT 1", (cluster, *APPLYING)).fetchone()
    if row is None or row[1] == "delete":
        return None
    return get_run(conn, int(row[0]))


def last_run(conn: sqlite3.Connection, cluster: str, command: str) -> RunDetail | None:
    """The newest run of ``command`` for ``cluster``, whatever its outcome."""
    reap(conn)
    row = conn.execute("SELECT id FROM runs WHERE cluster = ? AND command = ? ORDER BY id DESC "
                       "LIMIT 1", (cluster, command)).fetchone()
    return get_run(conn, int(row[0])) if row else None
