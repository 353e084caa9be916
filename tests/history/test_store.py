"""The history database: where it lives, its mode, migrations, and a crash in the middle of a
run (a real process killed with SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from pathlib import Path

import pytest
from history.conftest import holder, kkui, write_config

from kkui.core.runs.store import (
    SCHEMA_VERSION,
    HistoryError,
    connect,
    default_db_path,
    schema_version,
)


def test_default_path_follows_xdg_and_kkui_db(tmp_path: Path) -> None:
    home = Path.home()
    assert default_db_path({}) == home / ".local/share/kkui/kkui.db"
    assert default_db_path({"XDG_DATA_HOME": "/srv/data"}) == Path("/srv/data/kkui/kkui.db")
    assert default_db_path({"XDG_DATA_HOME": "relative"}) == home / ".local/share/kkui/kkui.db"
    assert default_db_path({"KKUI_DB": str(tmp_path / "x.db"), "XDG_DATA_HOME": "/srv"}) == \
        tmp_path / "x.db"


def test_created_private_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "kkui.db"
    conn = connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert schema_version(conn) == SCHEMA_VERSION
    conn.close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_a_planted_symlink_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    link = tmp_path / "kkui.db"
    link.symlink_to(victim)
    with pytest.raises(HistoryError, match="symbolic link.*KKUI_DB"):
        connect(link)
    assert victim.read_text() == "keep me"


def test_a_v1_database_is_migrated_in_place(tmp_path: Path) -> None:
    """A database written by the first schema (no process start time, no lock table) keeps its
    runs; its `running` row of a dead process is shown `interrupted`."""
    path = tmp_path / "kkui.db"
    old = connect(path, upto=1)
    assert schema_version(old) == 1
    old.execute("INSERT INTO runs (command, argv, kkui_version, cluster, started, outcome, "
                "pid) VALUES ('install', '[\"install\"]', '0.0.9', 'prod', 1.0, 'success', 1)")
    old.execute("INSERT INTO runs (command, argv, kkui_version, cluster, started, outcome, "
                "pid) VALUES ('precheck', '[]', '0.0.9', 'prod', 2.0, 'running', 999999999)")
    old.close()

    conn = connect(path)
    assert schema_version(conn) == SCHEMA_VERSION == 2
    columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    assert {"process_started", "endpoint"} <= columns
    assert conn.execute("SELECT count(*) FROM locks").fetchone()[0] == 0
    conn.close()
    res = kkui(["history", "--db", str(path), "--json"], dict(os.environ), tmp_path)
    runs = json.loads(res.stdout)["runs"]
    assert [(r["id"], r["command"], r["outcome"]) for r in runs] == [
        (2, "precheck", "interrupted"), (1, "install", "success")]


def test_a_newer_schema_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "kkui.db"
    connect(path).execute("UPDATE schema_version SET version = 99")
    with pytest.raises(HistoryError, match="newer kkui .* upgrade kkui or use another --db"):
        connect(path)


def test_sigkill_mid_run_leaves_interrupted_and_a_sound_database(
        tmp_path: Path, env: dict[str, str], run_history_db: Path) -> None:
    """The process is killed while it writes one stage after another: the run shows as
    `interrupted` (as does the stage it was in) and SQLite's integrity check passes."""
    config = write_config(tmp_path / "cluster.yaml")
    proc, run_id = holder(config, "install", env, "--lock", "--stages")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    res = kkui(["history", "show", str(run_id), "--json"], env, tmp_path)
    assert res.returncode == 0, res.stderr
    run = json.loads(res.stdout)
    assert run["outcome"] == "interrupted" and run["finished"] is None
    assert run["stages"][-1]["outcome"] == "interrupted"
    conn = sqlite3.connect(run_history_db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_nothing_is_stored_when_a_secret_survives_masking(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_history_db: Path) -> None:
    """Fail closed: if masking ever misses a secret (here: the masking step is switched off),
    the config and argv are replaced by a note instead of being written."""
    from history.conftest import PASSWORD

    from kkui.core.config.document import ClusterDocument
    from kkui.core.runs import recorded_run
    from kkui.core.runs.query import get_run

    monkeypatch.setattr("kkui.core.kk.bundle.scrub", lambda text, _redact: text)
    doc = ClusterDocument.load(write_config(tmp_path / "cluster.yaml"))
    with recorded_run("install", model=doc.model(), config_text=doc.to_text(),
                      argv=["install", f"--note={PASSWORD}"]) as run:
        run.finish(0)
    conn = connect(run_history_db)
    detail = get_run(conn, 1)
    conn.close()
    assert detail.config_text == "(not stored: a secret survived masking)"
    assert detail.argv == ["(not stored: a secret survived masking)"]
    assert PASSWORD.encode() not in b"".join(p.read_bytes() for p in
                                             run_history_db.parent.iterdir())
