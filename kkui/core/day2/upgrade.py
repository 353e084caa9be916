"""``kkui upgrade``: which Kubernetes version the cluster may go to, read from the cluster.

kk upgrades by the version given with ``--with-kubernetes`` (kk v3.1.12
cmd/kk/pkg/pipelines/upgrade_cluster.go:47-71) and accepts only the versions of its own list
(kkui ships it: kkui/core/config/data/supported-k8s-v3.1.12.txt).  kubeadm upgrades one minor
version at a time (a control plane may not skip a minor version: the Kubernetes version skew
policy), so kkui allows a newer patch of the running minor or the next minor, nothing else.
The running version is the API server's own answer (``kubectl get --raw /version`` on a
control-plane node with kk's admin kubeconfig), not the config, which may already be edited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from kkui.core.config.model import ClusterModel
from kkui.core.config.versions import (
    nearest_supported,
    parse_version,
    supported_kubernetes_versions,
)
from kkui.core.errors import ConfigError
from kkui.core.ssh import KnownHosts, SshClientPool, SshError, SshSession, connect
from kkui.core.verify import gather
from kkui.core.verify.engine import first_reachable, run_script
from kkui.i18n import L_, joined


class UpgradeRefused(ConfigError):
    """The target version is not one kkui lets kk upgrade to; the message says which is."""


@dataclass(frozen=True)
class RunningVersion:
    version: str  # "v1.27.16"
    via: str  # the control-plane node that answered


def check_target(current: str, target: str) -> str:
    """``target`` normalized (``v`` prefix) or :class:`UpgradeRefused` naming the fix."""
    target = target if target.startswith("v") else f"v{target}"
    supported = supported_kubernetes_versions()
    if target not in supported:
        near = ", ".join(nearest_supported(target))
        raise UpgradeRefused(L_("--to {target}: not in kk v3.1.12's supported list; nearest: "
                                "{near}", target=target, near=near) if near else
                             L_("--to {target}: not in kk v3.1.12's supported list",
                                target=target))
    cur, new = parse_version(current), parse_version(target)
    if cur is None or new is None:
        raise UpgradeRefused(L_("cannot compare the running version {current} with {target}",
                                current=repr(current), target=target))
    if new <= cur:
        raise UpgradeRefused(L_("--to {target}: the cluster already runs {current}; kk does "
                                "not downgrade", target=target, current=current))
    if new[:2] not in (cur[:2], (cur[0], cur[1] + 1)):
        step = next_steps(current)
        raise UpgradeRefused(L_(
            "--to {target}: {current} → {target} skips a minor version; kubeadm upgrades one "
            "minor at a time: go to {step} first, then on", target=target, current=current,
            step=step[-1] if step else f"v{cur[0]}.{cur[1] + 1}.x"))
    return target


def next_steps(current: str) -> list[str]:
    """The supported versions one step away (same minor newer patch, next minor), oldest first."""
    cur = parse_version(current)
    if cur is None:
        return []
    out = []
    for v in supported_kubernetes_versions():
        p = parse_version(v)
        if p is not None and p > cur and p[:2] in (cur[:2], (cur[0], cur[1] + 1)):
            out.append(v)
    return sorted(out, key=lambda v: parse_version(v) or (0, 0, 0))


def running_version(model: ClusterModel, *, timeout: float = 30.0,
                    strict_host_keys: bool = False, known_hosts: KnownHosts | None = None,
                    connector: Callable[..., SshSession] = connect) -> RunningVersion:
    """The API server's gitVersion, asked through the first reachable control-plane node."""
    sessions = SshClientPool(known_hosts=known_hosts, strict_host_keys=strict_host_keys,
                             connect_timeout=min(5.0, timeout), remember_failures=True,
                             connector=connector)
    try:
        host, session, errors = first_reachable(model.control_plane_hosts, sessions)
        if host is None or session is None:
            raise UpgradeRefused(L_("cannot read the running Kubernetes version: no "
                                    "control-plane node reachable: {errors}",
                                    errors=joined("; ", errors)))
        script = gather.PRELUDE + gather.section("version", gather.kubectl("get --raw /version"))
        try:
            sec = run_script(session, script, timeout).get("version")
        except SshError as exc:
            raise UpgradeRefused(L_("cannot read the running Kubernetes version on {host}: "
                                    "{why}", host=host.name, why=str(exc))) from None
        try:
            version = str(json.loads(sec.stdout)["gitVersion"]) if sec else ""
        except (ValueError, KeyError, TypeError):
            version = ""
        if not version:
            why = sec.why() if sec is not None else "no answer"
            raise UpgradeRefused(L_("cannot read the running Kubernetes version on {host} "
                                    "(kubectl get --raw /version: {why})", host=host.name,
                                    why=why))
        return RunningVersion(version, host.name)
    finally:
        sessions.close_all()
