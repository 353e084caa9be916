"""Deploy the pair as the config says now, then wait for one VIP holder: the one flow behind
``kkui lb deploy``, ``kkui nodes add`` (a new control plane joins the backends, issue #15),
``kkui nodes replace`` (the LB steps) and the TUI's Cluster ops.

The deploy itself (:mod:`kkui.core.lb.deploy`) leaves unchanged files and their services
alone and reloads haproxy for a changed haproxy.cfg, so a backend change never moves the VIP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kkui.core.config.model import ClusterModel
from kkui.core.lb.deploy import HostDeploy, StepResult

if TYPE_CHECKING:
    from kkui.core.lb.status import PairStatus

HOLDER_WAIT = 15.0  # VRRP needs a few adverts before a fresh pair has a master


@dataclass(frozen=True)
class PairDeploy:
    results: tuple[HostDeploy, ...]
    status: PairStatus | None  # None: the deploy stopped at a failed step

    @property
    def deployed(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def ok(self) -> bool:
        return self.deployed and self.status is not None and self.status.ok and \
            bool(self.status.frontend_answers)

    def failures(self) -> list[str]:
        return [f"{r.host}: {st.step}: {st.detail}" for r in self.results
                for st in r.steps if st.status == "failed"]


def lb_secrets(model: ClusterModel) -> list[str]:
    """What no deploy output may show."""
    s = model.kkui.load_balancer.secrets
    return [s.auth_pass, s.stats_password]


def wait_for_holder(ops: Sequence[Any], model: ClusterModel,
                    timeout: float = HOLDER_WAIT) -> PairStatus:
    """Poll until one LB holds the VIP and the frontend answers (or ``timeout``)."""
    from kkui.core.lb.ops import tcp_answers
    from kkui.core.lb.status import backend_addresses, collect_status

    lb = model.kkui.load_balancer
    deadline = time.monotonic() + timeout
    while True:
        status = collect_status(ops, vip=lb.vip, port=lb.port,
                                probe=lambda: tcp_answers(lb.vip, lb.port),
                                addresses=backend_addresses(model))
        if (status.ok and status.frontend_answers) or time.monotonic() > deadline:
            return status
        time.sleep(1.0)


def deploy_pair(model: ClusterModel, *, strict_host_keys: bool = False,
                on_step: Callable[[StepResult], None] | None = None,
                holder_wait: float = HOLDER_WAIT) -> PairDeploy:
    """Render from ``model``, deploy host after host over SSH, then wait for a VIP holder.

    Raises KkuiError (secrets not generated yet, an LB host unreachable) before any host
    changed; a failed step stops the deploy and comes back in ``results``."""
    from kkui.core.lb.deploy import deploy_all
    from kkui.core.lb.remote import lb_sessions, systemd_ops
    from kkui.core.lb.render import render_all

    lb = model.kkui.load_balancer
    rendered = render_all(model)  # refuses without secrets: nothing touched yet
    with lb_sessions(lb.hosts, strict_host_keys=strict_host_keys) as sessions:
        results = deploy_all(list(zip(sessions, rendered, strict=True)),
                             secrets=lb_secrets(model), on_step=on_step)
        if not all(r.ok for r in results):
            return PairDeploy(tuple(results), None)
        status = wait_for_holder([systemd_ops(s, lb) for s in sessions], model,
                                 timeout=holder_wait)
    return PairDeploy(tuple(results), status)
