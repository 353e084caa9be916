"""``Problem``: one finding of validation (config, LB pair), with its field path.

A leaf module (imports nothing of kkui) so that config validation, LB validation, the CLI and
the TUI can all use it without an import cycle.

``message`` holds the problem and its fix in one sentence. The rules build it as a
``kkui.i18n.L_`` message: an English ``str`` (``str()``, ``as_dict()``, ``--json`` and run
records get English, issue #16) that the CLI and the TUI show in the user's language with
``kkui.i18n.shown(problem.message)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    path: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class Problems(list[Problem]):
    """A list with shorthands for adding findings."""

    def error(self, path: str, message: str) -> None:
        self.append(Problem(path, "error", message))

    def warning(self, path: str, message: str) -> None:
        self.append(Problem(path, "warning", message))


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
