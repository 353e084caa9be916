"""Result types of a precheck run; ``to_dict`` is the stable ``--json`` schema."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Status = Literal["pass", "warn", "fail", "error"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "error")
ROLE_LB = "loadbalancer"


@dataclass(frozen=True)
class CheckResult:
    """One check on one host. ``fix`` is a command or instruction for that host's distro."""

    id: str
    status: Status
    detail: str
    fix: str = ""
    # Distro packages that ``kkui precheck --fix`` would install to turn this into a pass.
    packages: tuple[str, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "detail": self.detail, "fix": self.fix}


@dataclass(frozen=True)
class HostReport:
    name: str
    address: str
    role: str  # comma-joined kk roles ("etcd,control-plane"), "loadbalancer", or ""
    checks: tuple[CheckResult, ...]
    # Facts the fix planner needs (not part of the JSON schema).
    package_manager: str = ""   # "dnf", "yum", "apt", "zypper" or ""
    sudo_prefix: str = ""       # "sudo " when the SSH user is not root
    can_install: bool = False   # root, or sudo that works for this user
    hostname: str = ""          # as the host reported it
    holds_vip: bool = False     # an LB host that already has the VIP (earlier deploy)
    host_key_note: str = ""     # "new host key ... recorded in ..." (first contact), an L_

    def check(self, check_id: str) -> CheckResult | None:
        return next((c for c in self.checks if c.id == check_id), None)

    @property
    def worst(self) -> Status:
        order = {"pass": 0, "warn": 1, "fail": 2, "error": 3}
        return max((c.status for c in self.checks), key=order.__getitem__, default="pass")

    def replace_check(self, result: CheckResult) -> HostReport:
        checks = tuple(result if c.id == result.id else c for c in self.checks)
        return replace(self, checks=checks)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address, "role": self.role,
                "checks": [c.to_dict() for c in self.checks]}


@dataclass
class PrecheckReport:
    hosts: list[HostReport]
    cancelled: bool = False
    pending: list[str] = field(default_factory=list)  # hosts not finished when cancelled

    @property
    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for host in self.hosts:
            for check in host.checks:
                counts[check.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        s = self.summary
        return s["fail"] == 0 and s["error"] == 0 and not self.cancelled

    def host(self, name: str) -> HostReport | None:
        return next((h for h in self.hosts if h.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"hosts": [h.to_dict() for h in self.hosts], "summary": self.summary}
