"""The console's recovery copy: the session's document after every edit, so that a crash (or a
killed terminal) never loses work that was not saved yet.

The copies live in the user's state directory (``$XDG_STATE_HOME/kkui/recovery``, default
``~/.local/state/kkui/recovery``; directory 0700, files 0600 because they hold the same
passwords as the config), one per config path, so a repository or a read-only directory is
never littered and a profile that was never saved has one too. Saving or quitting without
saving removes it; the next start for the same path offers to restore it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from kkui.core.fsutil import atomic_write


def recovery_dir() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "kkui" / "recovery"


def recovery_path(config: Path) -> Path:
    """``~/.local/state/kkui/recovery/config-sample.yaml-1a2b3c4d5e6f`` for one config path."""
    key = hashlib.sha256(str(config.expanduser().absolute()).encode()).hexdigest()[:12]
    return recovery_dir() / f"{config.name}-{key}"


@dataclass(frozen=True)
class Recovery:
    """A recovery copy found at start: ``text`` is the unsaved document."""

    path: Path
    config: Path
    text: str


def write(config: Path, text: str) -> Path | None:
    """Keep ``text`` as the recovery copy of ``config``; None when it cannot be written (a
    read-only directory must not stop editing)."""
    path = recovery_path(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return atomic_write(path, text, mode=0o600, keep_backup=False)
    except OSError:
        return None


def discard(config: Path) -> None:
    with contextlib.suppress(OSError):
        recovery_path(config).unlink()


def find(config: Path) -> Recovery | None:
    """The recovery copy of ``config`` when it holds something the file does not."""
    path = recovery_path(config)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:
        current = config.read_text(encoding="utf-8")
    except OSError:
        current = None
    if text == current:
        discard(config)
        return None
    return Recovery(path=path, config=config, text=text)
