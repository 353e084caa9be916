"""Collect events in a worker thread and hand them to the UI in batches."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class EventBatcher:
    """``add`` from the producer thread; ``send`` gets a list every ``interval`` seconds
    or every ``max_events`` events, whichever comes first (``flush`` sends the rest)."""

    def __init__(self, send: Callable[[list[Any]], None], *, interval: float = 0.05,
                 max_events: int = 2000, clock: Callable[[], float] = time.monotonic) -> None:
        self.send = send
        self.interval = interval
        self.max_events = max_events
        self.clock = clock
        self._pending: list[Any] = []
        self._last = clock()
        self._lock = threading.Lock()

    def add(self, event: Any) -> None:
        with self._lock:
            self._pending.append(event)
            due = len(self._pending) >= self.max_events or \
                self.clock() - self._last >= self.interval
        if due:
            self.flush()

    def tick(self) -> None:
        """Called periodically: sends what waited longer than ``interval``."""
        if self._pending and self.clock() - self._last >= self.interval:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._last = self.clock()
        if batch:
            self.send(batch)
