"""Is the process that wrote a row still running?  PID plus its start time (psutil), so a PID
the kernel has since given to another process does not keep a dead run "running" or a stale
lock held."""

from __future__ import annotations

import os

import psutil

# psutil's create_time is rounded to the clock tick; two readings of one process agree to well
# within this
_SAME_PROCESS = 1.0


def this_process() -> tuple[int, float]:
    return os.getpid(), psutil.Process().create_time()


def alive(pid: int | None, started: float | None) -> bool:
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        created = proc.create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True  # another user's process exists: do not call it dead
    return started is None or abs(created - started) < _SAME_PROCESS
