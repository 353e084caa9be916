"""Errors the core raises for conditions a user can fix; the CLI prints them without a traceback."""

from __future__ import annotations

import errno

from kkui.i18n import L_, shown


class KkuiError(Exception):
    """Base class: the message is complete and safe to show (it never contains a secret)."""

    exit_code = 1


class ConfigError(KkuiError):
    """The config file cannot be read or parsed (exit 2)."""

    exit_code = 2

    def __init__(self, message: str, *, path: str = "", line: int = 0, column: int = 0) -> None:
        self.path = path
        self.line = line
        self.column = column
        where = path
        if line:
            where = f"{path}:{line}:{column}" if path else f"line {line}, column {column}"
        # an L_ message stays one (kkui.i18n: the CLI shows it in the user's language)
        super().__init__(L_("{where}: {message}", where=where, message=message)
                         if where and isinstance(message, L_) else
                         f"{where}: {message}" if where else message)


class EditError(KkuiError):
    """An edit cannot be applied (unknown host, duplicate name, bad value)."""

    exit_code = 2


def message_of(exc: BaseException) -> str:
    """``exc``'s message for a new message: still an :class:`L_` message when it was built as
    one (so it is shown translated), else ``str(exc)`` (English, as before)."""
    message = getattr(exc, "message", None)  # SshError keeps its L_ there
    if isinstance(message, L_):
        return message
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, L_) else str(exc)


def shown_error(exc: BaseException) -> str:
    """``exc``'s message as the user sees it, CLI and TUI alike: an :class:`L_` message in the
    user's language, anything else as it is (English, complete and secret-free)."""
    return str(shown(message_of(exc)))


# the C library's English texts of the errors a user meets most (os.strerror): the same English,
# translatable (Python keeps the C locale, so strerror is English whatever LANG says)
_OS_REASONS = {
    errno.ENOENT: L_("No such file or directory"), errno.EACCES: L_("Permission denied"),
    errno.EPERM: L_("Operation not permitted"), errno.EISDIR: L_("Is a directory"),
    errno.ENOTDIR: L_("Not a directory"), errno.ENOSPC: L_("No space left on device"),
    errno.EROFS: L_("Read-only file system"),
}


def os_reason(exc: OSError) -> str:
    """``exc``'s reason as the C library words it (``exc.strerror``), translatable when it is
    one of the common ones."""
    reason = _OS_REASONS.get(exc.errno or 0)
    if reason is not None and reason == exc.strerror:
        return reason
    return exc.strerror or str(exc)
