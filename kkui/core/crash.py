"""What a user sees when kkui itself has a bug: one line, and a secret-free report on disk.

No traceback reaches a user (issue #10). The report is written 0600 under
``$XDG_STATE_HOME/kkui/crashes/`` (``~/.local/state/kkui/crashes/``) and holds only what cannot
carry a secret: kkui's and Python's versions, the sub-command, the exception *types* and every
frame's file, line, function and source line — never an exception's message (``str(exc)``
often quotes a value from the config), never local variables, never argv beyond the
sub-command name.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from kkui.i18n import _

EXIT_INTERNAL = 1


def crash_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "kkui" / "crashes"


def report_text(exc: BaseException, command: str = "") -> str:
    from kkui import __version__

    lines = [f"kkui {__version__} internal error", f"python {platform.python_version()} "
             f"on {platform.system()} {platform.machine()}", f"command: kkui {command}".rstrip(),
             "(exception messages and variable values are left out: they can hold secrets)",
             ""]
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < 8:
        chain.append(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    for index, item in enumerate(reversed(chain)):
        if index:
            lines.append("\nwhile handling the above, another exception:")
        lines.append(f"{type(item).__module__}.{type(item).__qualname__}")
        frames = traceback.extract_tb(item.__traceback__)
        if len(frames) > 60:  # a RecursionError: the first and last frames tell the story
            frames = traceback.StackSummary.from_list([*frames[:20], *frames[-20:]])
        for frame in frames:
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
    return "\n".join(lines) + "\n"


def write_report(exc: BaseException, command: str = "") -> Path | None:
    """Write the report; None when even that fails (a full disk must not crash the handler)."""
    from kkui.core.fsutil import atomic_write

    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = crash_dir() / f"crash-{stamp}-{os.getpid()}.txt"
    try:
        return atomic_write(path, report_text(exc, command), mode=0o600, keep_backup=False)
    except Exception:  # noqa: BLE001 - the report is best effort; the one line still shows
        return None


def one_line(exc: BaseException, path: Path | None) -> str:
    """What the user sees, in their language (the report file stays English)."""
    where = _("details (no secrets) in {path}").format(path=path) if path is not None else \
        _("the details could not be written")
    return _("kkui: internal error ({error}): this is a bug in kkui, not in your input; "
             "{where} — please report it").format(error=type(exc).__name__, where=where)


def handle(exc: BaseException, command: str = "") -> int:
    """Print the one line to stderr and return the exit code for an internal error."""
    path = write_report(exc, command)
    with contextlib.suppress(Exception):  # stderr gone (a closed terminal): nothing to do
        print(one_line(exc, path), file=sys.stderr)
    return EXIT_INTERNAL
