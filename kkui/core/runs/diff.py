"""Structural diff of two applied configs (`kkui history diff`): what changed for the cluster —
hosts added, removed or changed (address, port, user, arch, roles), versions, the control-plane
endpoint and kkui's LB pair — not a text diff.  Both sides are the redacted configs stored in
the history; masked credentials are never compared (they are all ``******``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kkui.core.config.model import ClusterModel, Host
from kkui.i18n import L_, N_

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
        if self.kind == "changed":  # an L_ message: kkui.i18n.shown() translates it
            return L_("{mark} {what}: {old} -> {new}", mark=mark, what=self.what, old=self.old,
                      new=self.new)
        return L_("{mark} {what} ({value})", mark=mark, what=self.what,
                  value=self.new or self.old)

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
    roles = ",".join(model.roles_of(host.name)) or L_("no role")
    return L_("{address}, {roles}", address=host.internal_address or host.address, roles=roles)


def _scalars(model: ClusterModel) -> dict[str, str]:
    cpe = model.control_plane_endpoint
    lb = model.kkui.load_balancer
    return {  # labels are English (JSON); L_ when a Change is made, shown translated
        N_("cluster name"): model.name,
        N_("kubernetes version"): model.kubernetes_version,
        N_("kk version"): model.kkui.kk_version,
        N_("container manager"): model.container_manager,
        N_("network plugin"): model.network_plugin,
        N_("pods CIDR"): model.pods_cidr,
        N_("service CIDR"): model.service_cidr,
        N_("etcd type"): model.etcd_type,
        N_("endpoint"): L_("{lb} {domain} {address}:{port}",
                           lb=cpe.internal_loadbalancer or "external/none", domain=cpe.domain,
                           address=cpe.address or L_("(first control plane)"), port=cpe.port),
        N_("lb pair"): L_("vip {vip}/{prefix} port {port} on {hosts}", vip=lb.vip,
                          prefix=lb.prefix, port=lb.port,
                          hosts=", ".join(h.name for h in lb.hosts)) if lb.hosts
        else L_("none"),
    }


def diff_models(old: ClusterModel, new: ClusterModel) -> list[Change]:
    changes: list[Change] = []
    before = {h.name: h for h in old.hosts}
    after = {h.name: h for h in new.hosts}
    for name, host in after.items():
        if name not in before:
            changes.append(Change("added", L_("host {name}", name=name),
                                  new=_host_text(new, host)))
    for name, host in before.items():
        if name not in after:
            changes.append(Change("removed", L_("host {name}", name=name),
                                  old=_host_text(old, host)))
    for name in (n for n in after if n in before):
        was, now = before[name], after[name]
        for label, attr in _HOST_FIELDS:
            a, b = str(getattr(was, attr)), str(getattr(now, attr))
            if a != b:
                changes.append(Change("changed", L_("host {name} {field}", name=name,
                                                    field=label), a or "-", b or "-"))
        roles_a, roles_b = ",".join(old.roles_of(name)), ",".join(new.roles_of(name))
        if roles_a != roles_b:
            changes.append(Change("changed", L_("host {name} roles", name=name),
                                  roles_a or L_("none"), roles_b or L_("none")))
    old_s, new_s = _scalars(old), _scalars(new)
    for key, value in old_s.items():
        if new_s[key] != value:
            changes.append(Change("changed", L_(key), value, new_s[key]))
    return changes
