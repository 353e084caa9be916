"""An install as a run-history record (issue #14), for the CLI and the TUI alike.

``recorded_install(plan, ...)`` is :func:`kkui.core.runs.recorded_run` with the cluster lock
held and the log path set; ``observing(run, on_event)`` feeds kk's events to the record (each kk
module a stage, the failed module and hosts) before passing them on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kkui.core.runs import Run, recorded_run

if TYPE_CHECKING:
    from kkui.core.install.plan import InstallPlan
    from kkui.core.kk.events import KkEvent


@contextlib.contextmanager
def recorded_install(plan: InstallPlan, *, config_text: str, argv: Sequence[str],
                     db: Path | None = None) -> Iterator[Run]:
    with recorded_run("install", model=plan.model, config_text=config_text,
                      config_path=plan.source, argv=argv, lock=True, db=db) as run:
        run.set_log(plan.log_path)
        yield run


def observing(run: Run, on_event: Callable[[KkEvent], None]) -> Callable[[KkEvent], None]:
    def both(event: KkEvent) -> None:
        run.kk_event(event)
        on_event(event)
    return both
