"""What `kk create cluster` (v3.1.12) will do to each host, shown before kk starts (issue #14).

kk prints no plan: its ConfigureOS step silently turns swap off, disables SELinux, stops
firewalld and rewrites sysctl.conf, limits.conf and /etc/hosts on every host (KUBEKEY.md, "kk's
own precheck").  Each action below is declared once — what it does, on which hosts, and the kk
source line it comes from — and :func:`host_plan` applies them to a config.  Hosts are marked
``new``, ``existing`` or ``changed`` against the config of the cluster's last successful
install in the run history (kkui.core.runs), so the operator sees which running nodes kk will
touch again (it re-runs the OS, binary and runtime steps on every host, kubekey#1638).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kkui.core.config.model import ClusterModel, Host

KK_SRC = "kubekey v3.1.12 cmd/kk/pkg/"
INIT_SCRIPT = KK_SRC + "bootstrap/os/templates/init_script.go"


@dataclass(frozen=True)
class Action:
    id: str
    area: str  # os | runtime | binaries | etcd | kubernetes | lb
    source: str  # kk file:line the behaviour is read from
    applies: Callable[[ClusterModel, Host], bool]
    text: Callable[[ClusterModel, Host], str]


def _os(model: ClusterModel, _host: Host) -> bool:
    return not model.skip_configure_os


def _k8s(model: ClusterModel, host: Host) -> bool:
    roles = model.roles_of(host.name)
    return "control-plane" in roles or "worker" in roles


def _role(role: str) -> Callable[[ClusterModel, Host], bool]:
    return lambda model, host: role in model.roles_of(host.name)


def _plain_worker(model: ClusterModel, host: Host) -> bool:
    roles = model.roles_of(host.name)
    return "worker" in roles and "control-plane" not in roles


def _endpoint_ip(model: ClusterModel) -> str:
    cpe = model.control_plane_endpoint
    first = next(iter(model.control_plane_hosts), None)
    return cpe.address or (first.internal_address or first.address if first else "?")


def _fixed(text: str) -> Callable[[ClusterModel, Host], str]:
    return lambda _model, _host: text


ACTIONS: tuple[Action, ...] = (
    Action("swap", "os", INIT_SCRIPT + ":49-50", _os,
           _fixed("swap off: `swapoff -a`, swap lines in /etc/fstab commented out")),
    Action("selinux", "os", INIT_SCRIPT + ":53-62", _os,
           _fixed("SELinux disabled: SELINUX=disabled in /etc/selinux/config, `setenforce 0`")),
    Action("firewall", "os", INIT_SCRIPT + ":188-200", _os,
           _fixed("firewalld and ufw stopped and disabled (when running)")),
    Action("sysctl", "os", INIT_SCRIPT + ":64-114,235", _os,
           _fixed("about 45 kernel settings appended to /etc/sysctl.conf and applied "
                  "(net.ipv4.ip_forward=1, bridge-nf-call-iptables=1, vm.swappiness=0, "
                  "ip_local_reserved_ports=30000-32767 …)")),
    Action("limits", "os", INIT_SCRIPT + ":170-186", _os,
           _fixed("/etc/security/limits.conf: nofile 1048576, nproc 65536, memlock unlimited "
                  "for every user")),
    Action("modules", "os", INIT_SCRIPT + ":205-233", _os,
           _fixed("kernel modules br_netfilter, overlay, ip_vs(_rr,_wrr,_sh), nf_conntrack "
                  "loaded and listed in /etc/modules-load.d/")),
    Action("hosts", "os", INIT_SCRIPT + ":237-245,261-315", _os,
           lambda m, _h: f"/etc/hosts: a `# kubekey hosts` block with all {len(m.hosts)} "
           f"hosts (`<ip> <name>.{m.cluster_name} <name>`) and "
           f"`{_endpoint_ip(m)} {m.control_plane_endpoint.domain}`"),
    Action("runtime", "runtime", KK_SRC + "container/module.go:45,325", _k8s,
           lambda m, _h: f"{m.container_manager} installed, configured and started"
           + (" (+ cri-dockerd)" if m.container_manager == "docker" else "")),
    Action("binaries", "binaries", KK_SRC + "kubernetes/module.go:68", _k8s,
           _fixed("kubeadm, kubelet, kubectl, helm into /usr/local/bin, CNI plugins into "
                  "/opt/cni/bin; kubelet service enabled")),
    Action("etcd", "etcd", KK_SRC + "etcd/module.go:66,153,206,385", _role("etcd"),
           lambda _m, h: f"etcd service (/etc/etcd.env, data /var/lib/etcd, "
           f"client :2379, peer :2380); certificates /etc/ssl/etcd/ssl/ (ca, "
           f"admin-{h.name}, member-{h.name}, node-{h.name}); backup timer"),
    Action("control-plane", "kubernetes", KK_SRC + "kubernetes/module.go:138,244",
           _role("control-plane"),
           lambda m, _h: "kubeadm init/join --control-plane: /etc/kubernetes/pki (apiserver "
           f"certificate for {m.control_plane_endpoint.domain} and {_endpoint_ip(m)}), "
           "admin.conf, static pods kube-apiserver, kube-controller-manager, kube-scheduler; "
           "/root/.kube/config"),
    Action("worker", "kubernetes", KK_SRC + "kubernetes/module.go:244", _plain_worker,
           lambda m, _h: f"kubeadm join: kubelet, kube-proxy ({m.proxy_mode}), "
           f"{m.network_plugin} pods"),
    Action("haproxy", "lb", KK_SRC + "loadbalancer/module.go:41, loadbalancer/tasks.go:98,137",
           lambda m, h: m.lb_mode == "haproxy" and _plain_worker(m, h),
           lambda m, _h: "haproxy static pod (/etc/kubernetes/manifests/haproxy.yaml): "
           f"127.0.0.1:{m.control_plane_endpoint.port} to every control plane; /etc/hosts "
           f"and kubelet.conf then point {m.control_plane_endpoint.domain} at 127.0.0.1"),
    Action("kube-vip", "lb", KK_SRC + "loadbalancer/module.go:149",
           lambda m, h: m.lb_mode == "kube-vip" and "control-plane" in m.roles_of(h.name),
           lambda m, _h: f"kube-vip static pod holding the VIP {_endpoint_ip(m)}"),
)


@dataclass(frozen=True)
class HostPlan:
    name: str
    address: str
    roles: tuple[str, ...]
    status: str  # "new" | "existing" | "changed" (address or roles differ from the last install)
    why: str  # for "changed": what differs
    actions: tuple[tuple[str, str], ...]  # (action id, text)


@dataclass(frozen=True)
class ClusterPlan:
    cluster: str
    previous_run: int | None  # the history run the hosts were compared with
    hosts: tuple[HostPlan, ...]
    kkui_changes: tuple[str, ...]
    skipped_os: bool

    def counts(self) -> dict[str, int]:
        return {s: sum(h.status == s for h in self.hosts) for s in ("new", "existing",
                                                                     "changed")}

    def summary(self) -> str:
        c = self.counts()
        base = (f"compared with run {self.previous_run}" if self.previous_run
                else "no earlier install in the run history")
        return (f"{len(self.hosts)} host(s): {c['new']} new, {c['existing']} existing, "
                f"{c['changed']} changed ({base})")

    def lines(self) -> list[str]:
        out = [f"plan for cluster {self.cluster}: {self.summary()}"]
        if self.skipped_os:
            out.append("  spec.system.skipConfigureOS is true: kk leaves swap, SELinux, "
                       "firewalld, sysctl, limits and /etc/hosts alone")
        for host in self.hosts:
            why = f" ({host.why})" if host.why else ""
            out.append(f"{host.name} ({host.address}) {','.join(host.roles) or 'no role'} — "
                       f"{host.status}{why}")
            out += [f"  {action_id:13} {text}" for action_id, text in host.actions]
        out.append("kkui itself:")
        out += [f"  {line}" for line in self.kkui_changes]
        return out

    def as_json(self) -> dict[str, object]:
        return {"cluster": self.cluster, "previous_run": self.previous_run,
                "summary": self.summary(), "kkui": list(self.kkui_changes),
                "hosts": [{"name": h.name, "address": h.address, "roles": list(h.roles),
                           "status": h.status, "why": h.why,
                           "actions": [{"id": i, "text": t} for i, t in h.actions]}
                          for h in self.hosts]}


def _status(model: ClusterModel, host: Host, previous: ClusterModel | None
            ) -> tuple[str, str]:
    if previous is None:
        return "new", ""
    before = previous.host(host.name)
    if before is None:
        return "new", ""
    diffs = []
    if (before.internal_address or before.address) != (host.internal_address or host.address):
        diffs.append(f"address was {before.internal_address or before.address}")
    if previous.roles_of(host.name) != model.roles_of(host.name):
        diffs.append(f"roles were {','.join(previous.roles_of(host.name)) or 'none'}")
    return ("changed", "; ".join(diffs)) if diffs else ("existing", "")


def _kkui_changes(model: ClusterModel, workdir: str) -> tuple[str, ...]:
    lines = [f"writes {workdir}/config-sample.yaml (kk's documents only, 0600) and "
             f"{workdir}/kk; kk keeps its downloads and logs in {workdir}/kubekey/"]
    lb = model.kkui.load_balancer
    if model.lb_mode == "external" and lb.hosts:
        names = ", ".join(f"{h.name} ({h.address})" for h in lb.hosts)
        lines.append(f"the LB pair {names} with VIP {lb.vip}:{lb.port} is not touched by "
                     "install: `kkui lb deploy` installs haproxy, keepalived and psmisc there")
    return tuple(lines)


def host_plan(model: ClusterModel, previous: ClusterModel | None = None, *,
              previous_run: int | None = None, workdir: str = "WORKDIR") -> ClusterPlan:
    hosts = []
    for host in model.hosts:
        status, why = _status(model, host, previous)
        actions = tuple((a.id, a.text(model, host)) for a in ACTIONS
                        if a.applies(model, host))
        hosts.append(HostPlan(name=host.name, address=host.internal_address or host.address,
                              roles=model.roles_of(host.name), status=status, why=why,
                              actions=actions))
    return ClusterPlan(cluster=model.name, previous_run=previous_run, hosts=tuple(hosts),
                       kkui_changes=_kkui_changes(model, workdir),
                       skipped_os=model.skip_configure_os)


def plan_from_history(model: ClusterModel, *, workdir: str = "WORKDIR",
                      db: Path | None = None) -> tuple[ClusterPlan, str | None]:
    """The plan compared with the cluster's last successful install in the run history; the
    second value is a note when the history could not be read (every host is then "new")."""
    from kkui.core.runs.diff import model_of
    from kkui.core.runs.query import last_applied
    from kkui.core.runs.store import HistoryError, connect

    try:
        conn = connect(db)
    except HistoryError as exc:
        return host_plan(model, workdir=workdir), f"run history not read: {exc}"
    try:
        last = last_applied(conn, model.name)
    finally:
        conn.close()
    if last is None or not last.config_text:
        return host_plan(model, workdir=workdir), None
    return host_plan(model, model_of(last.config_text), previous_run=last.summary.id,
                     workdir=workdir), None
