"""The precheck registry: each check declared once — its id, a short column title, one line of
help, the gathered facts it reads and its pure function — and everything else derived from it:
the engine's check lists, ``kkui precheck --help``, the CLI and TUI grid columns and the tests.

Modelled on pyinfra's facts (``pyinfra/api/facts.py``: a fact names the command it needs and a
pure ``process()``). Tests look a check up by id (``REGISTRY["conntrack"]``), never by position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from kkui.core.precheck.checks import CheckContext
    from kkui.core.precheck.gather import Facts
    from kkui.core.precheck.report import CheckResult

HostKind = Literal["k8s", "lb"]
CheckFn = Callable[["Facts", "CheckContext"], "CheckResult"]
K8S: frozenset[HostKind] = frozenset({"k8s"})
LB: frozenset[HostKind] = frozenset({"lb"})
BOTH: frozenset[HostKind] = frozenset({"k8s", "lb"})


@dataclass(frozen=True)
class Check:
    id: str  # stable: JSON reports, --json consumers and the TUI refer to it
    title: str  # short column header (≤ 6 characters; ≤ 6 CJK characters in Chinese)
    help: str  # one line for `kkui precheck --help`
    facts: tuple[str, ...]  # the gather sections ``fn`` reads (Facts.kv/lines/table names)
    fn: CheckFn | None  # None: the engine itself produces this result (ssh, gather)
    hosts: frozenset[HostKind] = K8S  # which hosts it runs on; empty: never a grid column


class Registry:
    """An ordered set of checks; the order is the order of grid columns and JSON checks."""

    def __init__(self, *checks: Check) -> None:
        ids = [c.id for c in checks]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"precheck ids declared twice: {', '.join(dupes)}")
        self._checks = {c.id: c for c in checks}

    def __getitem__(self, check_id: str) -> Check:
        return self._checks[check_id]

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def for_hosts(self, kind: HostKind) -> tuple[Check, ...]:
        return tuple(c for c in self if kind in c.hosts)

    def ids(self, kind: HostKind) -> tuple[str, ...]:
        return tuple(c.id for c in self.for_hosts(kind))

    def functions(self, kind: HostKind) -> tuple[CheckFn, ...]:
        """What the engine runs on one host of this kind, in column order."""
        return tuple(c.fn for c in self.for_hosts(kind) if c.fn is not None)

    def columns(self, *, k8s: bool, lb: bool) -> tuple[Check, ...]:
        """Grid columns for a run with these kinds of hosts (k8s order, then LB-only ones)."""
        kinds = [kind for kind, wanted in (("k8s", k8s), ("lb", lb)) if wanted]
        return tuple(c for c in self if any(k in c.hosts for k in kinds))

    def title(self, check_id: str) -> str:
        """The column header as shown: the short title in the user's language (issue #16)."""
        from kkui.i18n import _

        check = self._checks.get(check_id)
        return _(check.title) if check is not None else check_id

    def help_text(self, width: int = 11) -> str:
        """The ``what is checked`` part of ``kkui precheck --help``, in the user's language."""
        from kkui.i18n import _

        lines = []
        for check in self:
            where = _(" (LB hosts)") if check.hosts == LB else ""
            lines.append(f"  {check.id:<{width}} {_(check.help)}{where}")
        return "\n".join(lines)
