"""Runs you can return to (issue #14): every kkui run that touches hosts or kk is a record in a
private SQLite database, and the ones that drive kk or the LB pair hold a per-cluster lock.

- :mod:`store` — where the database lives (``--db``/``KKUI_DB``/XDG), opening it (WAL, busy
  timeout, 0600) and the versioned migrations.
- :mod:`record` — :func:`recorded_run`, the context manager every such command runs in.
- :mod:`lock` — the cluster lock (name + control-plane endpoint, PID liveness).
- :mod:`query` — the list (newest first), one run, ``interrupted`` detection.
- :mod:`diff` — structural diff of two applied configs.
"""

from kkui.core.runs.lock import LOCKED_EXIT, ClusterLocked, lock_key
from kkui.core.runs.record import OUTCOMES, Run, outcome_of, recorded_run
from kkui.core.runs.store import HistoryError, connect, default_db_path

__all__ = [
    "LOCKED_EXIT", "OUTCOMES", "ClusterLocked", "HistoryError", "Run", "connect",
    "default_db_path", "lock_key", "outcome_of", "recorded_run",
]
