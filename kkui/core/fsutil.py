"""Atomic, private file writes: temp file in the same directory, fsync, rename, ``.bak`` kept."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, mode: int = 0o600,
                 keep_backup: bool = True) -> Path:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file.

    The previous version (if any) is kept as ``<path>.bak`` with the same private mode.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = target.parent if str(target.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and target.exists():
            bak = backup_path(target)
            shutil.copy2(target, bak)
            os.chmod(bak, mode)
        os.replace(tmp_name, target)
        _fsync_dir(directory)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return target


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def atomic_copy(source: str | os.PathLike[str], target: str | os.PathLike[str], *,
                mode: int = 0o755) -> Path:
    """Copy ``source`` to ``target`` through a temp file in the target's directory, so a reader
    (or a running kk) never sees a half-written binary. Copying a file onto itself is a no-op."""
    src, dst = Path(source), Path(target)
    with contextlib.suppress(FileNotFoundError):
        if src.resolve() == dst.resolve():
            return dst
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as handle:
            shutil.copyfileobj(handle, out, 1 << 20)
        os.chmod(tmp, mode)
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return dst
