#!/usr/bin/env python3
"""Run history at scale (issue #14): 10,000 recorded runs (each with a stored config of a
three-host cluster and a 30-stage timeline), then what `kkui history` does to list them.

Measures, best of 5: ``list_runs`` (the query `kkui history` runs, with the check for runs
left `running` by a dead process), ``kkui history --json`` as a whole process, and
``get_run`` (`kkui history show ID`).  Goal: the list in < 100 ms; exit 1 above it.

Run: ``.venv/bin/python bench/history.py [--runs N]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kkui.core.runs.query import get_run, list_runs  # noqa: E402
from kkui.core.runs.store import connect  # noqa: E402

GOAL_MS = 100.0
CONFIG = (ROOT / "tests" / "data" / "kubekey" / "config-sample.v1alpha2.yaml").read_text()


def fill(conn, runs: int) -> None:
    now = time.time() - runs * 60
    conn.execute("BEGIN")
    for i in range(runs):
        outcome = ("success", "failed", "cancelled", "interrupted")[i % 4]
        cur = conn.execute(
            "INSERT INTO runs (command, argv, kkui_version, cluster, endpoint, config_path, "
            "started, finished, outcome, exit_code, failed_module, failed_hosts, "
            "findings, log_path, pid, process_started) VALUES (?, ?, '0.1.0', ?, "
            "'127.0.0.1:6443', '/srv/cluster.yaml', ?, ?, ?, ?, ?, '[\"node1\"]', '[]', "
            "'/srv/work/logs/install.log', 1, 0)",
            ("install", json.dumps(["install", "-f", "cluster.yaml"]), f"c{i % 20}",
             now + i * 60, now + i * 60 + 50, outcome, 0 if outcome == "success" else 1,
             None if outcome == "success" else "ETCDConfigureModule"))
        conn.execute("INSERT INTO configs (run_id, text) VALUES (?, ?)", (cur.lastrowid, CONFIG))
        conn.executemany("INSERT INTO stages (run_id, seq, name, started, finished, outcome) "
                         "VALUES (?, ?, ?, ?, ?, 'success')",
                         [(cur.lastrowid, s, f"kk: Module{s}", now, now + 1)
                          for s in range(30)])
    conn.execute("COMMIT")


def best_ms(fn, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kkui.db"
        conn = connect(db)
        start = time.perf_counter()
        fill(conn, args.runs)
        filled = time.perf_counter() - start
        size = db.stat().st_size + sum(p.stat().st_size for p in db.parent.glob("kkui.db-*"))
        listed = best_ms(lambda: list_runs(conn))
        cluster = best_ms(lambda: list_runs(conn, cluster="c7"))
        shown = best_ms(lambda: get_run(conn, args.runs // 2))
        conn.close()
        env = {**os.environ, "KKUI_DB": str(db), "PYTHONPATH": str(ROOT)}
        cli = best_ms(lambda: subprocess.run(
            [sys.executable, "-m", "kkui", "history", "--json"], env=env, check=True,
            stdout=subprocess.DEVNULL), rounds=3)
    print(f"{args.runs} runs ({size / 1e6:.1f} MB with configs and 30-stage timelines; "
          f"written in {filled:.1f} s)")
    print(f"  list_runs (kkui history)          {listed:7.1f} ms   goal < {GOAL_MS:.0f} ms")
    print(f"  list_runs --cluster (500 rows)    {cluster:7.1f} ms")
    print(f"  get_run (kkui history show ID)    {shown:7.1f} ms")
    print(f"  kkui history --json, whole process{cli:7.0f} ms")
    return 0 if listed < GOAL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
