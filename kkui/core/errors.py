"""Errors the core raises for conditions a user can fix; the CLI prints them without a traceback."""

from __future__ import annotations


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
        super().__init__(f"{where}: {message}" if where else message)


class EditError(KkuiError):
    """An edit cannot be applied (unknown host, duplicate name, bad value)."""

    exit_code = 2
