"""Stop kk with kkui: SIGTERM / SIGHUP handled like Ctrl-C, and kk's tree tied to kkui's life.

kk runs in its own session (so that a terminal Ctrl-C reaches kkui only), which also means that
nothing stops it when kkui goes away: closing the terminal (SIGHUP), ``kill`` (SIGTERM) or
``kill -9`` left kk running under init, to die later at a random point (issue #10, item 4).

- :func:`install_cli_handlers` makes SIGTERM and SIGHUP raise :class:`Terminated` (a
  ``KeyboardInterrupt``) in the main thread, so every Ctrl-C path (stop kk's tree, log it) runs
  for them too; :func:`exit_code` then turns the exit status into 128 + the signal (143, 129).
  The TUI registers the same signals on its event loop (:func:`add_loop_handlers`).
- Even when kkui is killed with SIGKILL: kk itself gets ``PR_SET_PDEATHSIG`` (SIGKILL when its
  parent dies, :func:`die_with_parent`), and a tiny watchdog (:class:`TreeWatchdog`) waits on a
  pipe that only kkui holds; when kkui dies the pipe reaches EOF and the watchdog kills kk's
  process group and every descendant it saw — those the death signal does not reach.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

TERMINATING = (signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1

_received: int | None = None


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived; handled wherever Ctrl-C is."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def received() -> int | None:
    """The terminating signal kkui got, if any."""
    return _received


def signal_name() -> str:
    return signal.Signals(_received).name if _received is not None else ""


def exit_code(code: int) -> int:
    """``code``, or 128 + the signal when SIGTERM/SIGHUP ended the run (143, 129)."""
    return 128 + _received if _received is not None else code


def note(signum: int) -> None:
    global _received
    if _received is None:
        _received = signum


def reset() -> None:
    """Forget a received signal (tests run several commands in one process)."""
    global _received
    _received = None


def _raise(signum: int, _frame: Any) -> None:
    first = _received is None
    note(signum)
    if first:
        raise Terminated(signum)
    # a repeat: the Ctrl-C path is already running; let it escalate like a second Ctrl-C
    raise KeyboardInterrupt


def install_cli_handlers() -> None:
    """Call once from the main thread of a command-line run (elsewhere it does nothing)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in TERMINATING:
        signal.signal(sig, _raise)


def add_loop_handlers(loop: Any, callback: Callable[[int], None]) -> None:
    """For an asyncio loop (the TUI): ``callback(signum)`` runs on the loop for each signal."""
    def handle(signum: int) -> None:
        note(signum)
        callback(signum)

    for sig in TERMINATING:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, handle, sig)


def exit_after(seconds: float, code: int) -> None:
    """Last resort for a UI whose terminal is gone: leave with ``code`` after ``seconds`` even
    if the UI cannot shut down (Textual can block for ever writing its last frame to a closed
    terminal).  kk's tree is stopped before, and the watchdog covers it anyway."""
    def leave() -> None:
        time.sleep(seconds)
        os._exit(code)

    threading.Thread(target=leave, name="kkui-exit-after", daemon=True).start()


# -- tying kk's life to kkui's -------------------------------------------------------------------

def _load_prctl() -> Callable[..., int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6", use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()  # resolved here: the child after fork only calls it


def die_with_parent() -> None:
    """``preexec_fn`` for kk: the kernel sends it SIGKILL when kkui (its parent) dies.

    Runs in the child between fork and exec, so it only calls the function resolved at import
    and ``os`` primitives.  If kkui already died before this ran, kk kills itself."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() == 1:
        os.kill(os.getpid(), signal.SIGKILL)


# The watchdog: a separate small Python (psutil only) in its own session, deaf to SIGHUP/SIGINT.
# Every 0.2 s it records kk's descendants (a helper that left kk's process group is still a
# descendant while kk lives); on EOF of its stdin without ``done`` it kills kk's group and every
# recorded process (psutil refuses a pid that was reused: it checks the start time).
_WATCHDOG_SCRIPT = """
import os, select, signal, sys
import psutil
signal.signal(signal.SIGHUP, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
pgid = root = int(sys.argv[1])
seen = {}
buf = b""
while True:
    try:
        top = psutil.Process(root)
        for p in [top, *top.children(recursive=True)]:
            seen.setdefault(p.pid, p)
    except psutil.Error:
        pass
    if select.select([0], [], [], 0.2)[0]:
        data = os.read(0, 64)
        if not data:
            break
        buf += data
        if b"done" in buf:
            sys.exit(0)
try:
    os.killpg(pgid, signal.SIGKILL)
except OSError:
    pass
for p in seen.values():
    try:
        p.kill()
    except psutil.Error:
        pass
"""


# The watchdog needs nothing from kkui's environment (which may hold passwords in KKUI_* vars).
_WATCHDOG_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}


class TreeWatchdog:
    """Kills kk's process tree unless kkui says ``done`` first.

    kkui keeps the only write end of the watchdog's stdin; the kernel closes it however kkui
    ends (SIGKILL included), and the watchdog then acts.  It runs in its own session, so a
    terminal hang-up does not take it down before it has done its job."""

    def __init__(self, pid: int) -> None:
        self.target = pid
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _WATCHDOG_SCRIPT, str(pid)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, env=_WATCHDOG_ENV)
        except OSError:
            self._proc = None  # the death signal alone still stops kk itself

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def release(self) -> None:
        """kkui stopped kk's tree itself: let the watchdog exit without killing anything
        (kk's pid and group id may be reused later)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.stdin is None:
            return
        with contextlib.suppress(OSError, ValueError):
            proc.stdin.write(b"done\n")
            proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2.0)
