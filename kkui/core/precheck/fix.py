"""``precheck --fix``: install the missing packages over SSH with sudo.

Only packages: SELinux, firewalld, swap and sudoers are never changed by kkui.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kkui.core.config.model import ClusterModel
from kkui.core.precheck.distro import install_command, install_script
from kkui.core.precheck.engine import CONNECT_TIMEOUT, select_targets
from kkui.core.precheck.report import HostReport, PrecheckReport
from kkui.core.ssh import KnownHosts, SshError, connect
from kkui.core.ssh.messages import displayable
from kkui.i18n import L_


@dataclass(frozen=True)
class HostFixPlan:
    name: str
    family: str
    packages: tuple[str, ...]
    command: str          # as a person would type it on that host
    blocked: str = ""     # why kkui cannot run it ("" = it can)


@dataclass(frozen=True)
class FixOutcome:
    name: str
    ok: bool
    detail: str
    seconds: float


def plan_fixes(report: PrecheckReport) -> list[HostFixPlan]:
    """One plan per host that has non-passing checks curable by installing packages."""
    plans: list[HostFixPlan] = []
    for host in report.hosts:
        packages = tuple(dict.fromkeys(
            p for c in host.checks if c.status != "pass" for p in c.packages))
        if not packages:
            continue
        plans.append(HostFixPlan(
            name=host.name, family=host.package_manager, packages=packages,
            command=install_command(host.package_manager, packages, host.sudo_prefix),
            blocked=_blocked(host)))
    return plans


def _blocked(host: HostReport) -> str:
    if not host.package_manager:
        return L_("no known package manager on this host")
    if not host.can_install:
        return L_("kkui cannot become root there (see the sudo check)")
    return ""


def apply_fix(model: ClusterModel, plan: HostFixPlan, *, known_hosts: KnownHosts | None = None,
              strict_host_keys: bool = False, timeout: float = 900.0) -> FixOutcome:
    """Run the plan's install command as root on its host."""
    started = time.monotonic()
    if plan.blocked:
        return FixOutcome(plan.name, False, plan.blocked, 0.0)
    target = next(t for t in select_targets(model, [plan.name]))
    try:
        with connect(target.host, known_hosts=known_hosts, strict_host_keys=strict_host_keys,
                     connect_timeout=CONNECT_TIMEOUT) as session:
            res = session.run(install_script(plan.family, plan.packages), sudo=True,
                              timeout=timeout)
    except SshError as exc:
        return FixOutcome(plan.name, False, displayable(exc.message),
                          time.monotonic() - started)
    elapsed = time.monotonic() - started
    if res.ok:
        return FixOutcome(plan.name, True, L_("installed {packages}",
                                              packages=" ".join(plan.packages)), elapsed)
    tail = (res.stderr.strip() or res.stdout.strip()).splitlines()[-3:]
    return FixOutcome(plan.name, False,  # the package manager's words: no terminal control
                      displayable(L_("{manager} exited with {status}: {output}",
                                     manager=plan.family, status=res.exit_status,
                                     output=" / ".join(tail)), newlines=False),
                      elapsed)
