"""Adding and removing nodes with kk, and what kk does not say about it (issue #15).

``kk add nodes`` runs its whole pipeline on every host of the config, not only the new ones:
precheck, OS configuration, etcd certificates and the etcd backup timer (kk v3.1.12
cmd/kk/pkg/pipelines/add_nodes.go:47-76), so one unreachable or broken existing host blocks or
damages the add (kubekey#1638, #1787).  :func:`diff_hosts` names the new hosts and the existing
hosts kk will touch, against the last applied config.

``kk delete node NAME`` deletes workers only: its node filter drops the first master and every
etcd node (kk v3.1.12 cmd/kk/pkg/kubernetes/tasks.go:470-511, "nodes filter etcd nodes") and kk
never runs ``etcdctl member remove`` (kubekey PR #1920), so kkui refuses control-plane and etcd
nodes unless ``--force``, and even then never below etcd quorum (:func:`removal_check`).
Draining happens before kk, over SSH with kubectl on another control-plane node
(:func:`drain_node`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLE_ETCD, ClusterModel
from kkui.core.errors import ConfigError
from kkui.core.sanitize import for_display
from kkui.core.ssh import KnownHosts, SshClientPool, SshError, SshSession, connect
from kkui.core.verify import gather
from kkui.core.verify.engine import first_reachable, run_script
from kkui.i18n import L_, joined, shown


class _Joined(L_):
    """Messages joined with "; ", each shown in the user's language."""

    parts: tuple[str, ...]

    def __new__(cls, parts: Sequence[str]) -> _Joined:
        message = cast("_Joined", super().__new__(cls, "; ".join(parts)))
        message.parts = tuple(parts)
        return message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Joined, (list(self.parts),))

    def localized(self) -> str:
        return "; ".join(str(shown(p)) for p in self.parts)


class NodeRefused(ConfigError):
    """kkui will not remove this node this way; the message explains and names the way."""


# ------------------------------------------------------------------------------------ add
@dataclass(frozen=True)
class HostDiff:
    new: tuple[str, ...]  # in the config, not in the applied one
    touched: tuple[str, ...]  # existing hosts kk add nodes re-runs its pipeline on
    gone: tuple[str, ...]  # in the applied config, not in this one (not kk add's business)
    changed: tuple[str, ...]  # same name, other address or roles
    baseline: str  # where the applied config came from
    new_control_planes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"new": list(self.new), "touched": list(self.touched), "gone": list(self.gone),
                "changed": list(self.changed), "baseline": self.baseline,
                "new_control_planes": list(self.new_control_planes)}


def _signature(model: ClusterModel, name: str) -> tuple[str, tuple[str, ...]]:
    host = next(h for h in model.hosts if h.name == name)
    return host.address, tuple(sorted(model.roles_of(name)))


def diff_hosts(applied: ClusterModel, wanted: ClusterModel, baseline: str) -> HostDiff:
    before = {h.name for h in applied.hosts}
    after = [h.name for h in wanted.hosts]
    new = tuple(n for n in after if n not in before)
    kept = tuple(n for n in after if n in before)
    changed = tuple(n for n in kept if _signature(applied, n) != _signature(wanted, n))
    gone = tuple(h.name for h in applied.hosts if h.name not in set(after))
    planes = tuple(n for n in new if ROLE_CONTROL_PLANE in wanted.roles_of(n))
    return HostDiff(new, kept, gone, changed, baseline, planes)


def applied_config(model: ClusterModel, workdir: Path, *,
                   db: Path | None = None) -> tuple[str, str] | None:
    """(text, where) of the config the cluster was last built from: the newest successful
    install / nodes add in the run history, else the workdir's copy of kk's config."""
    from kkui.core.runs import HistoryError
    from kkui.core.runs import connect as connect_db
    from kkui.core.runs.query import last_applied

    try:
        conn = connect_db(db)
    except HistoryError:
        conn = None
    if conn is not None:
        try:
            run = last_applied(conn, model.name)
        finally:
            conn.close()
        text = getattr(run, "config_text", None) if run is not None else None
        if run is not None and text:
            return text, L_("run #{id} ({command}) in the history", id=run.summary.id,
                            command=run.summary.command)
    copy = workdir / "config-sample.yaml"
    if copy.is_file():
        return copy.read_text(encoding="utf-8"), str(copy)
    return None


def lb_followup(diff: HostDiff, model: ClusterModel, config: str) -> str | None:
    """What happens to kkui's LB pair after new control-plane nodes joined (for the plan):
    they are backends only once haproxy.cfg is re-rendered and deployed (:func:`redeploy_lb`).
    """
    lb = model.kkui.load_balancer
    if not diff.new_control_planes or not lb.hosts:
        return None
    hosts = {h.name: h for h in model.hosts}
    backends = ", ".join(f"{n} ({hosts[n].internal_ipv4}:6443)" for n in diff.new_control_planes)
    return L_("kkui re-deploys its LB pair from {config} so that {backends} joins haproxy's "
              "backends (haproxy reloaded, not restarted; keepalived untouched: the VIP "
              "stays)", config=config, backends=backends)


def redeploy_lb(model: ClusterModel, say: Callable[[str, str], None], *,
                strict_host_keys: bool = False) -> bool:
    """``kkui lb deploy`` for a changed set of control planes (nodes add, replace): the pair
    rendered from ``model``; ``say(kind, text)`` gets each step ("ok", "fail", "note").

    Only files that changed are replaced; a changed haproxy.cfg is reloaded, keepalived stays
    (kkui.core.lb.deploy), so the VIP does not move.  True when the pair took the new
    backends and one LB holds the VIP."""
    from kkui.core.errors import KkuiError
    from kkui.core.lb.apply import deploy_pair
    from kkui.core.lb.deploy import StepResult

    if not model.kkui.load_balancer.hosts:
        say("note", L_("no kkui LB pair in the config: nothing to re-deploy"))
        return True
    backends = ", ".join(h.name for h in model.control_plane_hosts)
    say("note", L_("re-deploying kkui's LB pair: haproxy backends {backends}",
                   backends=backends))

    def step(result: StepResult) -> None:
        kind = {"failed": "fail", "done": "ok"}.get(result.status, "note")
        head = joined(": ", [f"  {result.host}", result.step, result.status])
        say(kind, joined(" — ", [head, result.detail]) if result.detail else head)

    try:
        outcome = deploy_pair(model, strict_host_keys=strict_host_keys, on_step=step)
    except (KkuiError, SshError) as exc:
        say("fail", L_("LB pair not re-deployed: {why}; fix it, then run `kkui lb deploy -f "
                       "CONFIG`", why=for_display(str(exc), newlines=False)))
        return False
    if outcome.status is None:
        say("fail", L_("LB deploy stopped at the failed step above: fix it, then run "
                       "`kkui lb deploy -f CONFIG`"))
        return False
    holders = outcome.status.holders
    if not outcome.ok:
        say("fail", L_("LB pair re-deployed but not healthy: VIP holders {holders}, frontend "
                       "answers: {answers} (`kkui lb status -f CONFIG`)",
                       holders=holders or "none", answers=outcome.status.frontend_answers))
        return False
    say("ok", L_("LB pair re-deployed: VIP {vip} on {holders}", vip=outcome.status.vip,
                 holders=", ".join(holders)))
    return True


# --------------------------------------------------------------------------------- delete
@dataclass(frozen=True)
class RemovalCheck:
    roles: tuple[str, ...]
    lines: tuple[str, ...]  # the arithmetic, for the operator
    allowed: bool  # with --force (a worker is always allowed)


def removal_check(model: ClusterModel, name: str, *, force: bool) -> RemovalCheck:
    """Whether ``name`` may be removed: workers yes; control-plane/etcd only with ``force`` and
    when the rest keeps etcd quorum and a control plane.  Raises :class:`NodeRefused`."""
    if name not in {h.name for h in model.hosts}:
        raise NodeRefused(L_("{name}: no such host in the config (hosts: {hosts})", name=name,
                             hosts=", ".join(h.name for h in model.hosts)))
    roles = tuple(model.roles_of(name))
    if not {ROLE_CONTROL_PLANE, ROLE_ETCD} & set(roles):
        return RemovalCheck(roles, (), True)
    if model.control_plane_hosts and model.control_plane_hosts[0].name == name:
        raise NodeRefused(L_("{name} is the first control-plane node: kk runs its "
                             "cluster-wide steps there and never deletes it (kk v3.1.12 "
                             "cmd/kk/pkg/kubernetes/tasks.go:470-481); move another node to "
                             "the top of roleGroups.control-plane first", name=name))
    lines: list[str] = []
    etcd = [h.name for h in model.etcd_hosts]
    planes = [h.name for h in model.control_plane_hosts]
    ok = True
    if name in etcd:
        n = len(etcd)
        quorum = n // 2 + 1
        left = n - 1
        # the member is removed while the cluster still counts n members: the n-1 others must
        # be a quorum of n to commit its removal, and remain a cluster of n-1 afterwards
        lines.append(L_("etcd: {n} members, quorum {quorum}; without {name}: {left} members "
                        "(quorum {left_quorum}, tolerating {tolerated} failure(s)) → {verdict}",
                        n=n, quorum=quorum, name=name, left=left, left_quorum=left // 2 + 1,
                        tolerated=max(0, (left - 1) // 2),
                        verdict=L_("quorum kept") if left >= quorum else L_("BELOW QUORUM")))
        ok = ok and left >= quorum
    if name in planes:
        lines.append(L_("control plane: {n} node(s); without {name}: {left}", n=len(planes),
                        name=name, left=len(planes) - 1))
        ok = ok and len(planes) > 1
    why = L_("{name} is {roles}: kk delete node removes workers only (it skips the first "
             "master and every etcd node: kk v3.1.12 cmd/kk/pkg/kubernetes/tasks.go:488-491) "
             "and never removes the etcd member (kubekey PR #1920)", name=name,
             roles="/".join(r for r in roles if r != "worker"))
    arithmetic = _Joined(lines)
    if not force:
        raise NodeRefused(L_("{why}. Replace it step by step instead (`etcdctl member remove` "
                             "from a healthy member, then kk), or pass --force to run kk "
                             "anyway when quorum allows: {arithmetic}",
                             why=why, arithmetic=arithmetic))
    if not ok:
        raise NodeRefused(L_("{why}; --force refused: {arithmetic}", why=why,
                             arithmetic=arithmetic))
    return RemovalCheck(roles, tuple(lines), True)


def drain_script(name: str, timeout_s: int = 120) -> str:
    node = shlex.quote(name)
    return (gather.PRELUDE
            + gather.section("cordon", gather.kubectl(f"cordon {node}"))
            + gather.section("drain", gather.kubectl(
                f"drain {node} --ignore-daemonsets --delete-emptydir-data "
                f"--timeout={timeout_s}s")))


def drain_node(model: ClusterModel, name: str, *, timeout: float = 180.0,
               strict_host_keys: bool = False, known_hosts: KnownHosts | None = None,
               connector: Callable[..., SshSession] = connect) -> tuple[bool, str]:
    """cordon + drain ``name`` with kubectl on the first reachable control-plane node that is
    not ``name``: (ok, one-line detail)."""
    sessions = SshClientPool(known_hosts=known_hosts, strict_host_keys=strict_host_keys,
                             connect_timeout=min(5.0, timeout), remember_failures=True,
                             connector=connector)
    try:
        others = [h for h in model.control_plane_hosts if h.name != name]
        host, session, errors = first_reachable(others, sessions)
        if host is None or session is None:
            return False, L_("no other control-plane node reachable: {errors}",
                             errors=joined("; ", errors))
        try:
            sections = run_script(session, drain_script(name, int(timeout) - 10), timeout)
        except SshError as exc:
            return False, f"on {host.name}: {for_display(str(exc), newlines=False)[:300]}"
        for step in ("cordon", "drain"):
            sec = sections.get(step)
            if sec is None or not sec.ok:
                why = sec.why() if sec is not None else "no answer"
                return False, L_("kubectl {step} {name} on {host}: {why}", step=step, name=name,
                                 host=host.name, why=why)
        return True, L_("cordoned and drained {name} (kubectl on {host})", name=name,
                        host=host.name)
    finally:
        sessions.close_all()
