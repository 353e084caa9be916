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
from kkui.core.errors import message_of
from kkui.i18n import L_, N_

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
    return lambda _model, _host: L_(text)


ACTIONS: tuple[Action, ...] = (
    Action("swap", "os", INIT_SCRIPT + ":49-50", _os,
           _fixed(N_("swap off: `swapoff -a`, swap lines in /etc/fstab commented out"))),
    Action("selinux", "os", INIT_SCRIPT + ":53-62", _os,
           _fixed(N_("SELinux disabled: SELINUX=disabled in /etc/selinux/config, "
                     "`setenforce 0`"))),
    Action("firewall", "os", INIT_SCRIPT + ":188-200", _os,
           _fixed(N_("firewalld and ufw stopped and disabled (when running)"))),
    Action("sysctl", "os", INIT_SCRIPT + ":64-114,235", _os,
           _fixed(N_("about 45 kernel settings appended to /etc/sysctl.conf and applied "
                     "(net.ipv4.ip_forward=1, bridge-nf-call-iptables=1, vm.swappiness=0, "
                     "ip_local_reserved_ports=30000-32767 …)"))),
    Action("limits", "os", INIT_SCRIPT + ":170-186", _os,
           _fixed(N_("/etc/security/limits.conf: nofile 1048576, nproc 65536, memlock "
                     "unlimited for every user"))),
    Action("modules", "os", INIT_SCRIPT + ":205-233", _os,
           _fixed(N_("kernel modules br_netfilter, overlay, ip_vs(_rr,_wrr,_sh), nf_conntrack "
                     "loaded and listed in /etc/modules-load.d/"))),
    Action("hosts", "os", INIT_SCRIPT + ":237-245,261-315", _os,
           lambda m, _h: L_("/etc/hosts: a `# kubekey hosts` block with all {count} hosts "
                            "(`<ip> <name>.{cluster} <name>`) and `{ip} {domain}`",
                            count=len(m.hosts), cluster=m.cluster_name, ip=_endpoint_ip(m),
                            domain=m.control_plane_endpoint.domain)),
    Action("runtime", "runtime", KK_SRC + "container/module.go:45,325", _k8s,
           lambda m, _h: L_("{runtime} installed, configured and started (+ cri-dockerd)",
                            runtime=m.container_manager) if m.container_manager == "docker"
           else L_("{runtime} installed, configured and started",
                   runtime=m.container_manager)),
    Action("binaries", "binaries", KK_SRC + "kubernetes/module.go:68", _k8s,
           _fixed(N_("kubeadm, kubelet, kubectl, helm into /usr/local/bin, CNI plugins into "
                     "/opt/cni/bin; kubelet service enabled"))),
    Action("etcd", "etcd", KK_SRC + "etcd/module.go:66,153,206,385", _role("etcd"),
           lambda _m, h: L_("etcd service (/etc/etcd.env, data /var/lib/etcd, client :2379, "
                            "peer :2380); certificates /etc/ssl/etcd/ssl/ (ca, admin-{name}, "
                            "member-{name}, node-{name}); backup timer", name=h.name)),
    Action("control-plane", "kubernetes", KK_SRC + "kubernetes/module.go:138,244",
           _role("control-plane"),
           lambda m, _h: L_("kubeadm init/join --control-plane: /etc/kubernetes/pki (apiserver "
                            "certificate for {domain} and {ip}), admin.conf, static pods "
                            "kube-apiserver, kube-controller-manager, kube-scheduler; "
                            "/root/.kube/config", domain=m.control_plane_endpoint.domain,
                            ip=_endpoint_ip(m))),
    Action("worker", "kubernetes", KK_SRC + "kubernetes/module.go:244", _plain_worker,
           lambda m, _h: L_("kubeadm join: kubelet, kube-proxy ({proxy}), {plugin} pods",
                            proxy=m.proxy_mode, plugin=m.network_plugin)),
    Action("haproxy", "lb", KK_SRC + "loadbalancer/module.go:41, loadbalancer/tasks.go:98,137",
           lambda m, h: m.lb_mode == "haproxy" and _plain_worker(m, h),
           lambda m, _h: L_("haproxy static pod (/etc/kubernetes/manifests/haproxy.yaml): "
                            "127.0.0.1:{port} to every control plane; /etc/hosts and "
                            "kubelet.conf then point {domain} at 127.0.0.1",
                            port=m.control_plane_endpoint.port,
                            domain=m.control_plane_endpoint.domain)),
    Action("kube-vip", "lb", KK_SRC + "loadbalancer/module.go:149",
           lambda m, h: m.lb_mode == "kube-vip" and "control-plane" in m.roles_of(h.name),
           lambda m, _h: L_("kube-vip static pod holding the VIP {ip}", ip=_endpoint_ip(m))),
)


# a host's status as shown (the JSON keeps the English word)
STATUS_TEXT = {"new": N_("new"), "existing": N_("existing"), "changed": N_("changed")}


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
        base = (L_("compared with run {run}", run=self.previous_run) if self.previous_run
                else L_("no earlier install in the run history"))
        return L_("{count} host(s): {new} new, {existing} existing, {changed} changed ({base})",
                  count=len(self.hosts), new=c["new"], existing=c["existing"],
                  changed=c["changed"], base=base)

    def lines(self) -> list[str]:
        """The plan as shown: L_ messages (English str; kkui.i18n.shown translates them)."""
        out: list[str] = [L_("plan for cluster {cluster}: {summary}", cluster=self.cluster,
                             summary=self.summary())]
        if self.skipped_os:
            out.append(L_("  spec.system.skipConfigureOS is true: kk leaves swap, SELinux, "
                          "firewalld, sysctl, limits and /etc/hosts alone"))
        for host in self.hosts:
            values = {"name": host.name, "address": host.address, "why": host.why,
                      "roles": ",".join(host.roles) or L_("no role"),
                      "status": L_(STATUS_TEXT.get(host.status, host.status))}
            out.append(L_("{name} ({address}) {roles} — {status} ({why})", **values)
                       if host.why else L_("{name} ({address}) {roles} — {status}", **values))
            out += [L_("  {action:13} {text}", action=action_id, text=text)
                    for action_id, text in host.actions]
        out.append(L_("kkui itself:"))
        out += [L_("  {line}", line=line) for line in self.kkui_changes]
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
        diffs.append(L_("address was {address}",
                        address=before.internal_address or before.address))
    if previous.roles_of(host.name) != model.roles_of(host.name):
        diffs.append(L_("roles were {roles}",
                        roles=",".join(previous.roles_of(host.name)) or L_("none")))
    if not diffs:
        return "existing", ""
    return "changed", diffs[0] if len(diffs) == 1 else L_("{first}; {second}", first=diffs[0],
                                                          second=diffs[1])


def _kkui_changes(model: ClusterModel, workdir: str) -> tuple[str, ...]:
    lines: list[str] = [L_("writes {workdir}/config-sample.yaml (kk's documents only, 0600) "
                           "and {workdir}/kk; kk keeps its downloads and logs in "
                           "{workdir}/kubekey/", workdir=workdir)]
    lb = model.kkui.load_balancer
    if model.lb_mode == "external" and lb.hosts:
        names = ", ".join(f"{h.name} ({h.address})" for h in lb.hosts)
        lines.append(L_("the LB pair {names} with VIP {vip}:{port} is not touched by "
                        "install: `kkui lb deploy` installs haproxy, keepalived and psmisc "
                        "there", names=names, vip=lb.vip, port=lb.port))
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
        return host_plan(model, workdir=workdir), L_("run history not read: {error}",
                                                     error=message_of(exc))
    try:
        last = last_applied(conn, model.name)
    finally:
        conn.close()
    if last is None or not last.config_text:
        return host_plan(model, workdir=workdir), None
    return host_plan(model, model_of(last.config_text), previous_run=last.summary.id,
                     workdir=workdir), None
