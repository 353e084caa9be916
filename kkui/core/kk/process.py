"""Run kk, stream its output as events, answer its prompts, and stop it cleanly.

kk's stdout and stderr are read as byte streams through incremental UTF-8 decoders (its
``Continue this installation? [yes/no]: `` has no newline, and a multi-byte character may be
cut by a read).  Every line is redacted before it reaches the event callback or the log.

kk runs in its own session/process group so that a terminal Ctrl-C reaches kkui only; kkui
then stops kk in steps: SIGINT to the group, SIGTERM after ``grace`` seconds, SIGKILL of the
whole process tree (found with psutil, so children that left the group are caught too).
SIGTERM and SIGHUP to kkui take the same path (:mod:`kkui.core.signals`), and if kkui dies
without a chance to clean up (SIGKILL), kk's death signal and a watchdog stop kk's tree.

The log file gets every line as kk printed it (secrets redacted, control sequences kept); the
events carry what is safe to show (see :mod:`kkui.core.kk.parser`).
"""

from __future__ import annotations

import codecs
import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO

import psutil

from kkui.core.errors import KkuiError
from kkui.core.kk.events import (
    KkEvent,
    ProcessExited,
    ProcessStarted,
    PromptAnswered,
    PromptShown,
)
from kkui.core.kk.parser import KkOutputParser
from kkui.core.kk.redact import Redactor
from kkui.core.signals import Terminated, TreeWatchdog, die_with_parent
from kkui.i18n import L_

KK_CONFIG_NAME = "config-sample.yaml"
READ_SIZE = 65536

PromptAnswerer = Callable[[PromptShown], bool | None]


def create_cluster_argv(extra: Sequence[str] = ()) -> list[str]:
    """kk puts its ``kubekey/`` work dir next to the path it was invoked as: always ``./kk``."""
    return ["./kk", "create", "cluster", "-f", KK_CONFIG_NAME, *extra]


def kk_environment(zone: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """kk reads KKZONE at run time too (mirrors for binaries and images), not only to download."""
    env = dict(os.environ if base is None else base)
    for name in [n for n in env if n.startswith("KKUI_")]:
        del env[name]  # kkui's own settings, some secret (KKUI_KEY_PASSPHRASE, env: passwords)
    if zone == "cn":
        env["KKZONE"] = "cn"
    else:
        env.pop("KKZONE", None)
    return env


class LogTee:
    """Append-only, private (0600) log of every line kk printed, plus kkui's own notes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        from kkui.core.fsutil import open_private_append  # refuses a planted symlink

        self.path = Path(path)
        self._file: IO[str] = open_private_append(self.path)

    def line(self, text: str) -> None:
        self._file.write(text + "\n")

    def write(self, text: str) -> None:
        self._file.write(text)

    def note(self, text: str) -> None:
        self._file.write(f"# kkui {time.strftime('%H:%M:%S')}: {text}\n")
        self._file.flush()

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()


class KkProcess:
    """One run of kk.  ``run()`` blocks and calls ``on_event`` in the calling thread.

    ``cancel()`` may be called from any thread (or a signal handler); a KeyboardInterrupt
    raised inside ``run()`` (for instance while ``on_prompt`` waits for the operator) is turned
    into a cancel, and a second one skips the grace periods.  After ``run()`` returns no
    process of kk's tree is left.
    """

    def __init__(self, argv: Sequence[str], *, workdir: str | os.PathLike[str],
                 on_event: Callable[[KkEvent], None], on_prompt: PromptAnswerer | None = None,
                 zone: str = "global", secrets: Iterable[str | None] = (),
                 log_path: str | os.PathLike[str] | None = None, grace: float = 5.0,
                 on_tick: Callable[[], None] | None = None, tick: float = 0.5,
                 env: Mapping[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.workdir = Path(workdir)
        self.on_event = on_event
        self.on_prompt = on_prompt
        self.zone = zone
        self.redact = Redactor(secrets)
        self.log_path = Path(log_path) if log_path else None
        self.grace = grace
        self.on_tick = on_tick
        self.tick = tick
        self.env = kk_environment(zone, env)
        self.returncode: int | None = None
        self.cancelled = False
        self.declined = False
        self._cancel = threading.Event()
        self._lock = threading.RLock()  # escalation state: run() thread and cancel() callers
        self._proc: subprocess.Popen[bytes] | None = None
        self._tree: dict[int, psutil.Process] = {}
        self._stop_step = 0  # 0 running, 1 SIGINT sent, 2 SIGTERM sent, 3 SIGKILL sent
        self._stop_at = 0.0
        self._log: LogTee | None = None
        self._watchdog: TreeWatchdog | None = None

    # -- public --------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def cancel(self) -> None:
        """Ask kk to stop (thread-safe).  SIGINT goes out at once, even while ``on_prompt``
        is still waiting for an answer; calling it again escalates without the grace period."""
        with self._lock:
            if self._cancel.is_set():
                self._stop_at = 0.0  # the next step (SIGTERM/SIGKILL) is due now
            self._cancel.set()
            if self._proc is not None:
                self._escalate(time.monotonic())

    def run(self) -> int:
        if self.log_path is not None:
            self._log = LogTee(self.log_path)
            self._log.note(f"started {' '.join(self.argv)} in {self.workdir}"
                           f" (KKZONE={'cn' if self.zone == 'cn' else 'unset'})")
        try:
            self._proc = self._spawn()
            self._emit(ProcessStarted(self._proc.pid, tuple(self.argv), str(self.workdir)))
            self._pump()
            code = self._proc.wait()
            self._reap_leftovers()
            self.returncode = code
            if self._log:
                self._log.note(f"kk exited with code {code}"
                               + (" (cancelled)" if self.cancelled else ""))
            self._emit(ProcessExited(code, self.cancelled, self.declined))
            return code
        finally:
            if self._proc is not None and self._proc.poll() is None:
                self._kill_tree()  # an exception escaped: never leave kk behind
            if self._watchdog is not None:
                self._watchdog.release()
            if self._log:
                self._log.close()

    # -- internals -----------------------------------------------------------------------------

    def _spawn(self) -> subprocess.Popen[bytes]:
        try:
            proc = subprocess.Popen(
                self.argv, cwd=self.workdir, env=self.env, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                preexec_fn=die_with_parent)  # noqa: PLW1509 - only prctl/getppid after fork
        except OSError as exc:
            raise KkuiError(L_("cannot start {program} in {workdir}: {error}",
                               program=self.argv[0], workdir=str(self.workdir),
                               error=exc.strerror or str(exc))) from None
        self._watchdog = TreeWatchdog(proc.pid)  # start_new_session: kk's pgid is its pid
        return proc

    def _emit(self, event: KkEvent) -> None:
        self.on_event(event)

    def _pump(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None and proc.stderr is not None
        parser = KkOutputParser(redact=self.redact,
                                tee=self._log.write if self._log is not None else None)
        decoders = {name: codecs.getincrementaldecoder("utf-8")(errors="replace")
                    for name in ("stdout", "stderr")}
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
        selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
        open_streams = 2
        exited_at: float | None = None
        next_tick = time.monotonic() + self.tick
        while open_streams:
            try:
                for key, _ in selector.select(timeout=0.1):
                    stream = key.data
                    data = os.read(key.fd, READ_SIZE)
                    if not data:
                        selector.unregister(key.fileobj)
                        open_streams -= 1
                        text = decoders[stream].decode(b"", final=True)
                        events = parser.feed(stream, text) if text else []
                        events += parser.flush(stream)
                    else:
                        events = parser.feed(stream, decoders[stream].decode(data))
                    for event in events:
                        self._emit(event)
                        if isinstance(event, PromptShown):
                            self._answer(event)
                now = time.monotonic()
                if self._cancel.is_set():
                    with self._lock:
                        self._escalate(now)
                if exited_at is None and proc.poll() is not None:
                    exited_at = now
                elif exited_at is not None and now - exited_at > 1.0:
                    self._kill_tree()  # kk is gone but something still holds its pipes
                    break
                if self.on_tick is not None and now >= next_tick:
                    next_tick = now + self.tick
                    self.on_tick()
            except KeyboardInterrupt as exc:
                if isinstance(exc, Terminated) and self._log:
                    self._log.note(f"kkui received {exc}: stopping kk as for Ctrl-C")
                self.cancel()
        selector.close()
        for pipe in (proc.stdout, proc.stderr):
            pipe.close()
        if self._log:
            self._log.flush()

    def _answer(self, prompt: PromptShown) -> None:
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        answer = None if self._cancel.is_set() or self.on_prompt is None else self.on_prompt(prompt)
        if self._cancel.is_set():
            return
        if answer is None:
            if self._log:
                self._log.note("no answer available: closing kk's stdin")
            with contextlib.suppress(OSError):
                proc.stdin.close()
            return
        text = "yes" if answer else "no"
        self.declined = not answer
        with contextlib.suppress(OSError):
            proc.stdin.write(text.encode() + b"\n")
            proc.stdin.flush()
        if self._log:
            self._log.note(f"answered {text!r} to: {prompt.text.strip()}")
        self._emit(PromptAnswered(text))

    def _remember_tree(self) -> None:
        proc = self._proc
        if proc is None:
            return
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(proc.pid)
            self._tree.setdefault(root.pid, root)
            for child in root.children(recursive=True):
                self._tree.setdefault(child.pid, child)

    def _signal_group(self, sig: int) -> None:
        proc = self._proc
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)  # start_new_session: kk's pgid is its pid

    def _escalate(self, now: float) -> None:
        """One step of SIGINT -> SIGTERM -> SIGKILL, ``grace`` seconds apart."""
        self.cancelled = True
        if self._stop_step >= 3:
            return
        if self._stop_step and now < self._stop_at:
            return
        self._remember_tree()
        self._stop_step += 1
        self._stop_at = now + self.grace
        if self._stop_step == 1:
            if self._log:
                self._log.note("cancel requested: SIGINT to kk's process group")
            self._signal_group(signal.SIGINT)
        elif self._stop_step == 2:
            if self._log:
                self._log.note(f"still running after {self.grace:g}s: SIGTERM")
            self._signal_group(signal.SIGTERM)
            for p in list(self._tree.values()):
                with contextlib.suppress(psutil.Error):
                    p.terminate()
        else:
            if self._log:
                self._log.note("still running: SIGKILL to the whole process tree")
            self._kill_tree()

    def _reap_leftovers(self) -> None:
        """kk has exited: nothing it started may outlive it (SIGTERM, then SIGKILL)."""
        root = self.pid or -1
        left = [p for p in self._tree.values() if p.pid != root and p.is_running()]
        self._signal_group(signal.SIGTERM)
        for p in left:
            with contextlib.suppress(psutil.Error):
                p.terminate()
        alive = _wait_gone(left, min(self.grace, 1.0))
        self._signal_group(signal.SIGKILL)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        _wait_gone(alive, 2.0)

    def _kill_tree(self) -> None:
        self._remember_tree()
        self._stop_step = 3
        self._signal_group(signal.SIGKILL)
        for p in list(self._tree.values()):
            with contextlib.suppress(psutil.Error):
                p.kill()
        _wait_gone([p for p in self._tree.values() if p.pid != (self.pid or -1)], 2.0)


def _wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until each process has exited; a zombie counts as gone (its parent may be init,
    which reaps it in its own time).  Returns those still running at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for p in procs:
            with contextlib.suppress(psutil.Error):
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.02)
