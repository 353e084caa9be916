"""Every file kkui writes goes through here: private, atomic, and never through a symbolic link.

Why each rule (issue #10):

- A write is a temp file in the target's directory, fsync, rename: a crash leaves the old or
  the new file, never half of one.
- The previous version is kept as ``FILE.bak`` and is made the same way (its own temp file,
  renamed over ``FILE.bak``). A rename replaces a planted ``FILE.bak`` symlink instead of
  writing or chmod-ing through it, so a local user cannot receive the old config (with its SSH
  passwords) or make kkui overwrite another file (item 3).
- Temp files are named ``.NAME.kkui-tmp-PID-RANDOM.tmp`` (0600 from the start, ``O_EXCL``,
  ``O_NOFOLLOW``); the next write into that directory removes the ones whose process is gone, so
  a killed save does not leave a copy of the passwords behind for ever (item 22).
- A read-modify-write can say what it read (``expect=fingerprint(bytes)``); under an exclusive
  ``flock`` on the directory the file is re-read and the write is refused when it changed, so two
  kkui processes saving one file never silently lose an edit (item 21).
- Failures are one-line :class:`FileWriteError` naming the path and the fix (items 15, 16).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from kkui.core.errors import ConfigError, KkuiError, os_reason
from kkui.i18n import L_

MAX_INPUT_BYTES = 8 << 20  # a KubeKey config is a few KiB; 8 MiB is far beyond any real one
TMP_MARK = ".kkui-tmp-"
ABSENT = "absent"  # the fingerprint of a file that does not exist
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class FileWriteError(KkuiError, OSError):
    """A file could not be written; the message names it and says what to do. Also an
    OSError, so callers that already handle a failed write (``except OSError``) still do."""

    exit_code = 1


class FileChangedError(FileWriteError):
    """The file changed on disk since it was read: writing would drop someone else's edit."""


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def fingerprint(data: bytes | None) -> str:
    """What ``expect=`` compares: a digest of the bytes read, or ``ABSENT``."""
    return ABSENT if data is None else hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- errors
def _write_error(path: Path, exc: OSError) -> FileWriteError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = L_("read-only file system") if exc.errno == errno.EROFS else L_("permission denied")
        return FileWriteError(L_("{path}: cannot write ({why}): choose a path in a directory you "
                                 "can write to", path=str(path), why=why))
    if exc.errno == errno.EISDIR:
        return FileWriteError(L_("{path}: is a directory: give a file name, not a directory",
                                 path=str(path)))
    if exc.errno == errno.ENOTDIR:
        return FileWriteError(L_("{path}: a parent of this path is a file, not a directory",
                                 path=str(path)))
    if exc.errno == errno.ENOSPC:
        return FileWriteError(L_("{path}: cannot write: No space left on device: free some space",
                                 path=str(path)))
    if exc.errno == errno.ELOOP:
        return FileWriteError(L_("{path}: is a symbolic link: kkui never writes through a link; "
                                 "give the real path", path=str(path)))
    return FileWriteError(L_("{path}: cannot write: {error}", path=str(path),
                             error=os_reason(exc)))


def write_error(path: str | os.PathLike[str], exc: OSError) -> FileWriteError:
    """A failed write of ``path`` as a one-line error that names it and says what to do."""
    return _write_error(Path(path), exc)


def _refuse_link_or_dir(target: Path) -> os.stat_result | None:
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _write_error(target, exc) from None
    if stat.S_ISLNK(st.st_mode):
        raise FileWriteError(L_("{path}: is a symbolic link: kkui never writes through a link; "
                                "give the real path (or remove the link)", path=str(target)))
    if stat.S_ISDIR(st.st_mode):
        raise FileWriteError(L_("{path}: is a directory: give a file name, not a directory",
                                path=str(target)))
    if not stat.S_ISREG(st.st_mode):
        raise FileWriteError(L_("{path}: is not a regular file (a FIFO or device?): give a "
                                "path to a regular file", path=str(target)))
    return st


# ------------------------------------------------------------ temp files
def _temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _open_temp(target: Path, mode: int) -> tuple[int, Path]:
    for _ in range(16):
        tmp = _temp_path(target)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
        except FileExistsError:
            continue
        if mode != 0o600:
            os.fchmod(fd, mode)
        return fd, tmp
    raise FileWriteError(f"{target}: cannot create a temp file beside it")  # pragma: no cover


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(directory: Path) -> list[Path]:
    """Delete kkui temp files in ``directory`` left by processes that no longer run.

    Only regular files owned by this user whose name carries kkui's mark and a dead PID: a
    save running right now in another kkui keeps its temp file.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(".") or TMP_MARK not in name:
            continue
        pid_text = name.rsplit(TMP_MARK, 1)[1].split("-", 1)[0]
        if not pid_text.isdigit() or _pid_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _write_fd(fd: int, payload: bytes) -> None:
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())


def _replace_with(target: Path, payload: bytes, mode: int) -> None:
    """Write ``payload`` to a fresh temp file and rename it over ``target`` (never followed)."""
    fd, tmp = _open_temp(target, mode)
    try:
        _write_fd(fd, payload)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ------------------------------------------------------------- reading
def read_regular(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (links not followed), None if absent."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise FileWriteError(L_("{path}: is not a regular file", path=str(path)))
        return handle.read()


def read_input(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """A config file's bytes: regular files only, at most ``limit`` bytes (item 20).

    ``O_NONBLOCK`` makes opening a FIFO return at once instead of waiting for a writer; a FIFO,
    ``/dev/zero`` or a socket is then refused by its type before a byte is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
    except FileNotFoundError:
        raise ConfigError(L_("no such file (create one with `kkui export-config`)"),
                          path=str(path)) from None
    except PermissionError:
        raise ConfigError(L_("permission denied"), path=str(path)) from None
    except OSError as exc:
        raise ConfigError(L_("cannot open: {error}", error=os_reason(exc)),
                          path=str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError(L_("is a directory, not a config file"), path=str(path))
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(L_("is not a regular file (a FIFO, device or socket): give a path "
                                 "to a config file"), path=str(path))
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise ConfigError(L_("cannot read: {error}", error=os_reason(exc)),
                              path=str(path)) from None
    if len(data) > limit:
        raise ConfigError(L_("larger than {mib} MiB: not a KubeKey config", mib=limit >> 20),
                          path=str(path))
    return data


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """An exclusive flock on the directory: one kkui read-modify-write there at a time."""
    try:
        dfd = os.open(directory, os.O_RDONLY | _CLOEXEC)
    except OSError:
        dfd = -1
    if dfd < 0:
        yield  # no lock possible (odd file systems): the fingerprint check still runs
        return
    try:
        fcntl.flock(dfd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(dfd)  # closing releases the lock


def _make_dirs(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise FileWriteError(L_("{path}: exists and is not a directory",
                                path=str(directory))) from None
    except OSError as exc:
        raise _write_error(directory, exc) from None


# ------------------------------------------------------------- writing
def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, mode: int = 0o600,
                 keep_backup: bool = True, expect: str | None = None) -> Path:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file.

    The previous version (if any) is kept as ``<path>.bak`` with the same private mode.
    ``expect`` (from :func:`fingerprint`) refuses the write with :class:`FileChangedError` when
    the file on disk is no longer what the caller read.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = target.parent if str(target.parent) else Path(".")
    _make_dirs(directory)
    try:
        with _directory_lock(directory):
            remove_stale_temps(directory)
            existed = _refuse_link_or_dir(target) is not None
            old = read_regular(target) if existed and (keep_backup or expect) else None
            if expect is not None and fingerprint(old if existed else None) != expect:
                raise FileChangedError(
                    f"{target}: changed on disk since kkui read it (another kkui or an editor "
                    "saved it): nothing written; reload the file and make the change again")
            if keep_backup and old is not None:
                bak = backup_path(target)
                _refuse_dir(bak)
                _replace_with(bak, old, mode)
            _replace_with(target, payload, mode)
            _fsync_dir(directory)
    except FileWriteError:
        raise
    except OSError as exc:
        raise _write_error(target, exc) from None
    return target


def _refuse_dir(path: Path) -> None:
    try:
        is_dir = stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        is_dir = False
    if is_dir:
        raise FileWriteError(L_("{path}: is a directory, so the previous version cannot be "
                                "kept there: remove or rename it", path=str(path)))


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
    with contextlib.suppress(OSError):
        if os.path.samefile(src, dst) and not dst.is_symlink():
            return dst
    try:
        with open(src, "rb") as handle:
            return atomic_write_stream(dst, handle.read, mode=mode)[0]
    except FileWriteError:
        raise
    except OSError as exc:  # the source could not be opened
        raise _write_error(dst, exc) from None


def open_private_append(path: str | os.PathLike[str]) -> IO[str]:
    """A log file opened for appending, 0600, refusing a symlink planted in its place."""
    target = Path(path)
    _make_dirs(target.parent if str(target.parent) else Path("."))
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW | _CLOEXEC,
                     0o600)
    except OSError as exc:
        raise _write_error(target, exc) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FileWriteError(L_("{path}: is not a regular file", path=str(target)))
    os.fchmod(fd, 0o600)  # the fd, never the path: a link swapped in meanwhile is not touched
    return os.fdopen(fd, "w", encoding="utf-8", buffering=65536)


def contained(base: Path, *parts: str) -> Path:
    """``base/parts...``, refusing any part that would leave ``base`` (``..``, ``/``, empty)."""
    path = base
    for part in parts:
        if not part or part in (".", "..") or "/" in part or "\0" in part:
            raise FileWriteError(L_("{part} cannot be a file or directory name under {base}: "
                                    "use letters, digits, '-' and '.'", part=repr(part),
                                    base=str(base)))
        path = path / part
    return path


def atomic_write_stream(path: str | os.PathLike[str], read: Callable[[int], bytes], *,
                        mode: int = 0o600) -> tuple[Path, str]:
    """Write what ``read(size)`` returns until it returns ``b""`` (a download) to ``path``
    through a temp file beside it; returns the path and the sha256 of what was written.
    Never follows a link planted at ``path``; a failure leaves no partial file."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    _make_dirs(directory)
    digest = hashlib.sha256()
    try:
        _refuse_link_or_dir(target)
        remove_stale_temps(directory)
        fd, tmp = _open_temp(target, mode)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except FileWriteError:
        raise
    except OSError as exc:
        raise _write_error(target, exc) from None
    return target, digest.hexdigest()
