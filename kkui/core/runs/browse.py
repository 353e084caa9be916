"""One run as the TUI's History screen shows it (issue #14): the run with its timeline and the
structural diff of its config against the cluster's previous stored config — the same pair
`kkui history show ID` and `kkui history diff ID` print.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kkui.core.runs.diff import Change, diff_models, model_of
from kkui.core.runs.query import RunDetail, get_run, previous_with_config

NOT_STORED_PREFIX = "(not stored"  # record.NOT_STORED: a secret survived masking


def _stored(run: RunDetail) -> bool:
    return bool(run.config_text) and not (run.config_text or "").startswith(NOT_STORED_PREFIX)


@dataclass(frozen=True)
class RunView:
    run: RunDetail
    previous: int | None  # the run the diff compares with
    changes: tuple[Change, ...]
    diff_note: str  # why there is no diff (first run of the cluster, no config stored ...)


def run_view(conn: sqlite3.Connection, run_id: int) -> RunView:
    """The run and its diff; :class:`~kkui.core.runs.query.RunNotFound` for an unknown id."""
    run = get_run(conn, run_id)
    if not _stored(run):
        return RunView(run, None, (), "this run stored no config to compare")
    prev_id = previous_with_config(conn, run)
    if prev_id is None:
        return RunView(run, None, (), f"the first run of cluster {run.summary.cluster or '-'} "
                       "with a config: nothing earlier to compare")
    previous = get_run(conn, prev_id)
    if not _stored(previous):
        return RunView(run, prev_id, (), f"run {prev_id} stored no config to compare")
    try:
        changes = diff_models(model_of(previous.config_text or ""),
                              model_of(run.config_text or ""))
    except Exception as exc:  # noqa: BLE001 - an old or odd stored config: say so, in one line
        return RunView(run, prev_id, (), f"the configs could not be compared "
                       f"({type(exc).__name__})")
    return RunView(run, prev_id, tuple(changes), "" if changes else "no structural change")
