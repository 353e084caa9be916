"""Structural diff of two applied configs (`kkui history diff`): what changed for the cluster —
hosts added, removed or changed (address, port, user, arch, roles), versions, the control-plane
endpoint and kkui's LB pair — not a text diff.  Both sides are the redacted configs stored in
the history; masked credentials are never compared (they are all ``******``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kkui.core.config.model import ClusterModel, Host

_HOST_FIELDS = (("address", "address"), ("internalAddress", "internal_address"),
                ("port", "port"), ("user", "user"), ("arch", "arch"))


@dataclass(frozen=True)
class Change:
    kind: str  # "added" | "removed" | "changed"
    what: str  # "host node4", "kubernetes version", "endpoint", "lb pair"
    old: str = ""
    new: str = ""

    def line(self) -> str:
        mark = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        if self.kind == "changed":
            return f"{mark} {self.what}: {self.old} -> {self.new}"
        return f"{mark} {self.what} ({self.new or self.old})"

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "what": self.what, "old": self.old, "new": self.new}


def model_of(text: str) -> ClusterModel:
    """The model of a stored (redacted) config; an unquoted mask (``password: ******``) would
    read as a YAML alias, so masks are quoted first."""
    from kkui.core.config.document import ClusterDocument
    from kkui.core.kk.redact import MASK

    quoted = re.sub(rf"(?<![\"'\w*]){re.escape(MASK)}(?![\"'\w*])", f'"{MASK}"', text)
    return ClusterDocument.from_text(quoted, source="<history>").model()


def _host_text(model: ClusterModel, host: Host) -> str:
    roles = ",".join(model.roles_of(host.name)) or "no role"
    return f"{host.internal_address or host.address}, {roles}"


def _scalars(model: ClusterModel) -> dict[str, str]:
    cpe = model.control_plane_endpoint
    lb = model.kkui.load_balancer
    return {
        "cluster name": model.name,
        "kubernetes version": model.kubernetes_version,
        "kk version": model.kkui.kk_version,
        "container manager": model.container_manager,
        "network plugin": model.network_plugin,
        "pods CIDR": model.pods_cidr,
        "service CIDR": model.service_cidr,
        "etcd type": model.etcd_type,
        "endpoint": f"{cpe.internal_loadbalancer or 'external/none'} {cpe.domain} "
                    f"{cpe.address or '(first control plane)'}:{cpe.port}",
        "lb pair": (f"vip {lb.vip}/{lb.prefix} port {lb.port} on "
                    f"{', '.join(h.name for h in lb.hosts)}") if lb.hosts else "none",
    }


def diff_models(old: ClusterModel, new: ClusterModel) -> list[Change]:
    changes: list[Change] = []
    before = {h.name: h for h in old.hosts}
    after = {h.name: h for h in new.hosts}
    for name, host in after.items():
        if name not in before:
            changes.append(Change("added", f"host {name}", new=_host_text(new, host)))
    for name, host in before.items():
        if name not in after:
            changes.append(Change("removed", f"host {name}", old=_host_text(old, host)))
    for name in (n for n in after if n in before):
        was, now = before[name], after[name]
        for label, attr in _HOST_FIELDS:
            a, b = str(getattr(was, attr)), str(getattr(now, attr))
            if a != b:
                changes.append(Change("changed", f"host {name} {label}", a or "-", b or "-"))
        roles_a, roles_b = ",".join(old.roles_of(name)), ",".join(new.roles_of(name))
        if roles_a != roles_b:
            changes.append(Change("changed", f"host {name} roles", roles_a or "none",
                                  roles_b or "none"))
    old_s, new_s = _scalars(old), _scalars(new)
    for key, value in old_s.items():
        if new_s[key] != value:
            changes.append(Change("changed", key, value, new_s[key]))
    return changes
