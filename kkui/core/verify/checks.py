"""The verify checks, declared once: id, title, the facts they read, and a pure function.

The registry feeds the engine (which gathers only the facts the selected checks read), the CLI
help (ids and titles), the README table and the tests (checks are looked up by id).
Thresholds and expectations follow kk v3.1.12 and etcd: etcd needs ``n // 2 + 1`` healthy
members; kk points every kubelet at ``https://<controlPlaneEndpoint.domain>:<port>`` and writes
the domain into ``/etc/hosts`` (kk: cmd/kk/pkg/bootstrap/os/templates/init_script.go), towards
the external LB/VIP address, or 127.0.0.1 on workers with ``internalLoadbalancer: haproxy``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from kkui.core.config.model import ROLE_CONTROL_PLANE, ROLE_WORKER, ClusterModel, Host
from kkui.core.verify.facts import Facts, HostFacts
from kkui.core.verify.report import VerifyResult

# titles are English ids (N_) translated where shown; details and fixes are L_ messages:
# English in --json and the run records, shown translated with kkui.i18n.shown() (issue #16)
from kkui.i18n import L_, N_, joined

CERT_WARN_DAYS = 30
CERT_FAIL_DAYS = 7
SKEW_WARN_S = 1.0
SKEW_FAIL_S = 30.0
ETCD_QUOTA_BYTES = 2 * 1024 ** 3     # etcd's default --quota-backend-bytes (kk keeps it)
DB_WARN_RATIO = 0.8
DB_FAIL_RATIO = 0.95

CheckFunction = Callable[[ClusterModel, Facts], list[VerifyResult]]


@dataclass(frozen=True)
class VerifyCheck:
    id: str
    title: str
    reads: tuple[str, ...]          # Facts fields: hosts, cluster, etcd, dns, lb
    function: CheckFunction
    applies: Callable[[ClusterModel], bool]

    def run(self, model: ClusterModel, facts: Facts) -> list[VerifyResult]:
        return self.function(model, facts)


REGISTRY: dict[str, VerifyCheck] = {}


def check(check_id: str, title: str, *, reads: tuple[str, ...],
          applies: Callable[[ClusterModel], bool] = lambda _m: True
          ) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        REGISTRY[check_id] = VerifyCheck(check_id, title, reads, function, applies)
        return function
    return register


# -- helpers --------------------------------------------------------------------------------

def _uses_kk_etcd(model: ClusterModel) -> bool:
    return model.etcd_type == "kubekey" and bool(model.etcd_hosts)


def _has_lb_pair(model: ClusterModel) -> bool:
    return model.kkui.load_balancer.configured


def kube_nodes(model: ClusterModel) -> list[Host]:
    """Hosts kk makes Kubernetes nodes: control planes and workers (etcd-only hosts are not)."""
    return [h for h in model.hosts
            if {ROLE_CONTROL_PLANE, ROLE_WORKER} & set(model.roles_of(h.name))]


def endpoint_address(model: ClusterModel) -> str:
    """Where ``controlPlaneEndpoint.domain`` points (kk's default: the first master)."""
    cpe = model.control_plane_endpoint
    if cpe.address:
        return cpe.address
    if model.kkui.load_balancer.vip:
        return model.kkui.load_balancer.vip
    masters = model.control_plane_hosts
    return masters[0].internal_ipv4 if masters else ""


def endpoint_url(model: ClusterModel) -> str:
    address = endpoint_address(model)
    host = f"[{address}]" if ":" in address else address
    return f"https://{host}:{model.control_plane_endpoint.port}"


def _unreachable(check_id: str, hf: HostFacts) -> VerifyResult:
    return VerifyResult(check_id, hf.name, "error", L_("not checked: {why}", why=hf.error),
                        L_("make the host reachable over SSH (kkui precheck shows why), then "
                           "re-run"))


def _remote_error(check_id: str, target: str, why: str | None, fix: str) -> VerifyResult:
    return VerifyResult(check_id, target, "error", L_("not checked: {why}", why=why), fix)


def _addr_to_host(model: ClusterModel) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in model.hosts:
        out[h.internal_ipv4] = h.name
        out.setdefault(h.address, h.name)
    return out



def _endpoint_host(url: str) -> str:
    return urlsplit(url).hostname or url


# -- etcd ----------------------------------------------------------------------------------

ETCD_FIX = L_("on that node: systemctl status etcd; journalctl -u etcd --since -1h | tail; "
              "check /etc/etcd.env and /etc/ssl/etcd/ssl/")


def _etcd_health(model: ClusterModel, facts: Facts) -> dict[str, tuple[bool, str]] | None:
    """Host name → (healthy, error) for every etcd host, or None when etcd facts are missing."""
    assert facts.etcd is not None
    data = facts.etcd.json("etcd-health")
    if not isinstance(data, list):
        return None
    by_addr = _addr_to_host(model)
    health: dict[str, tuple[bool, str]] = {h.name: (False, L_("not in etcdctl's answer"))
                                           for h in model.etcd_hosts}
    for item in data:
        name = by_addr.get(_endpoint_host(str(item.get("endpoint", ""))))
        if name in health:
            health[name] = (bool(item.get("health")), str(item.get("error") or ""))
    return health


@check("etcd-members", N_("etcd member list matches the etcd group"), reads=("etcd",),
       applies=_uses_kk_etcd)
def etcd_members(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    data = facts.etcd.json("etcd-members")
    if not isinstance(data, dict):
        return [_remote_error("etcd-members", "etcd", facts.etcd.error or L_("no member list"),
                              ETCD_FIX)]
    members = data.get("members") or []
    names = sorted(str(m.get("name") or "") for m in members)
    expected = sorted(h.name for h in model.etcd_hosts)
    unstarted = [m for m in members if not m.get("name")]
    missing = sorted(set(expected) - set(names))
    extra = sorted(set(names) - set(expected) - {""})
    if not (missing or extra or unstarted):
        return [VerifyResult("etcd-members", "etcd", "pass",
                             L_("{count} members: {names}", count=len(names),
                                names=", ".join(names)))]
    parts = []
    if missing:
        parts.append(L_("not members: {names}", names=", ".join(missing)))
    if extra:
        parts.append(L_("members not in the etcd group: {names}", names=", ".join(extra)))
    if unstarted:
        parts.append(L_("{count} member(s) added but never started", count=len(unstarted)))
    return [VerifyResult(
        "etcd-members", "etcd", "fail", joined("; ", parts),
        L_("remove a stale member with `etcdctl member remove ID` from a healthy member (kkui "
           "nodes replace does this step by step); a missing one: re-run kk add nodes"))]


@check("etcd-health", N_("every etcd endpoint is healthy"), reads=("etcd",), applies=_uses_kk_etcd)
def etcd_health(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    health = _etcd_health(model, facts)
    if health is None:
        return [_remote_error("etcd-health", "etcd", facts.etcd.error or L_("no health answer"),
                              ETCD_FIX)]
    return [VerifyResult("etcd-health", name, "pass" if ok else "fail",
                         L_("healthy") if ok else L_("unhealthy: {why}",
                                                     why=why or L_("no answer")),
                         "" if ok else ETCD_FIX)
            for name, (ok, why) in health.items()]


@check("etcd-quorum", N_("enough healthy etcd members for a quorum"), reads=("etcd",),
       applies=_uses_kk_etcd)
def etcd_quorum(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    health = _etcd_health(model, facts)
    if health is None:
        return [_remote_error("etcd-quorum", "etcd", facts.etcd.error or L_("no health answer"),
                              ETCD_FIX)]
    total = len(health)
    healthy = sum(1 for ok, _ in health.values() if ok)
    needed = total // 2 + 1
    down = ", ".join(n for n, (ok, _) in health.items() if not ok)
    if healthy == total:
        spare = total - needed
        note = ((L_("can lose {n} members", n=spare) if spare != 1 else
                 L_("can lose {n} member", n=spare)) if spare else
                L_("no member can be lost: use 3 or 5 etcd members for HA"))
        return [VerifyResult("etcd-quorum", "etcd", "pass" if spare else "warn",
                             L_("{healthy} of {total} healthy ({needed} needed): {note}",
                                healthy=healthy, total=total, needed=needed, note=note),
                             "" if spare else L_("add etcd members to reach an odd count >= 3"))]
    if healthy >= needed:
        left = healthy - needed
        msg = (L_("one more loss stops the cluster") if left == 0
               else L_("{n} more losses allowed", n=left) if left != 1
               else L_("{n} more loss allowed", n=left))
        return [VerifyResult("etcd-quorum", "etcd", "warn",
                             L_("{healthy} of {total} healthy ({needed} needed; down: {down}): "
                                "{msg}", healthy=healthy, total=total, needed=needed, down=down,
                                msg=msg), ETCD_FIX)]
    return [VerifyResult("etcd-quorum", "etcd", "fail",
                         L_("{healthy} of {total} healthy, {needed} needed (down: {down}): etcd "
                            "has no quorum and the API server cannot write", healthy=healthy,
                            total=total, needed=needed, down=down), ETCD_FIX)]


@check("etcd-leader", N_("etcd has one agreed leader"), reads=("etcd",), applies=_uses_kk_etcd)
def etcd_leader(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    data = facts.etcd.json("etcd-status")
    if not isinstance(data, list) or not data:
        return [_remote_error("etcd-leader", "etcd", facts.etcd.error or L_("no status answer"),
                              ETCD_FIX)]
    by_addr = _addr_to_host(model)
    leaders = {int(item["Status"].get("leader") or 0) for item in data if item.get("Status")}
    ids = {int(item["Status"]["header"]["member_id"]):
           by_addr.get(_endpoint_host(str(item.get("Endpoint", ""))), "?")
           for item in data if item.get("Status")}
    leaders.discard(0)
    if len(leaders) == 1:
        leader = leaders.pop()
        return [VerifyResult("etcd-leader", "etcd", "pass",
                             L_("leader: {leader}",
                                leader=ids.get(leader, format(leader, "x"))))]
    if not leaders:
        return [VerifyResult("etcd-leader", "etcd", "fail", L_("no member reports a leader"),
                             ETCD_FIX)]
    return [VerifyResult("etcd-leader", "etcd", "warn",
                         L_("members disagree on the leader ({count} leaders seen): an "
                            "election was under way", count=len(leaders)),
                         L_("re-run kkui verify in a few seconds"))]


@check("etcd-db-size", N_("etcd database size below its quota"), reads=("etcd",),
       applies=_uses_kk_etcd)
def etcd_db_size(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    data = facts.etcd.json("etcd-status")
    if not isinstance(data, list) or not data:
        return [_remote_error("etcd-db-size", "etcd", facts.etcd.error or L_("no status answer"),
                              ETCD_FIX)]
    by_addr = _addr_to_host(model)
    out = []
    for item in data:
        status = item.get("Status") or {}
        size = int(status.get("dbSize") or 0)
        in_use = int(status.get("dbSizeInUse") or size)
        name = by_addr.get(_endpoint_host(str(item.get("Endpoint", ""))), "etcd")
        ratio = size / ETCD_QUOTA_BYTES
        detail = L_("{size:.1f} MiB ({ratio:.0%} of the 2 GiB quota)", size=size / 1024 ** 2,
                    ratio=ratio)
        if ratio >= DB_FAIL_RATIO:
            out.append(VerifyResult("etcd-db-size", name, "fail",
                                    L_("{detail}: etcd will raise NOSPACE and refuse writes",
                                       detail=detail),
                                    L_("etcdctl compact + defrag, then etcdctl alarm disarm")))
        elif ratio >= DB_WARN_RATIO or (size > 100 * 1024 ** 2 and size > 2 * in_use):
            out.append(VerifyResult("etcd-db-size", name, "warn",
                                    L_("{detail}, {in_use:.1f} MiB in use", detail=detail,
                                       in_use=in_use / 1024 ** 2),
                                    L_("etcdctl defrag --endpoints=<this member> (one at a "
                                       "time)")))
        else:
            out.append(VerifyResult("etcd-db-size", name, "pass", detail))
    return out


# -- API server and nodes ------------------------------------------------------------------

API_FIX = L_("on that node: crictl ps -a | grep kube-apiserver; journalctl -u kubelet --since "
             "-1h | tail; check etcd first (kkui verify --only etcd-quorum)")


@check("apiserver", N_("/readyz on each control-plane node"), reads=("hosts",),
       applies=lambda m: bool(m.control_plane_hosts))
def apiserver(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.hosts is not None
    out = []
    for host in model.control_plane_hosts:
        hf = facts.hosts.get(host.name)
        if hf is None or not hf.reachable:
            out.append(_unreachable("apiserver", hf) if hf else
                       VerifyResult("apiserver", host.name, "error", L_("not checked"), ""))
            continue
        sec = hf.readyz
        if sec is not None and sec.ok and sec.stdout.strip() == "ok":
            out.append(VerifyResult("apiserver", host.name, "pass",
                                    f"https://{host.internal_ipv4}:6443/readyz: ok"))
        else:
            why = sec.why() if sec is not None else L_("no answer")
            out.append(VerifyResult("apiserver", host.name, "fail",
                                    f"https://{host.internal_ipv4}:6443/readyz: {why}", API_FIX))
    return out


@check("apiserver-vip", N_("/readyz through the control-plane endpoint"), reads=("cluster",),
       applies=lambda m: bool(m.control_plane_hosts))
def apiserver_vip(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.cluster is not None
    target = endpoint_url(model).removeprefix("https://")
    sec = facts.cluster.sections.get("endpoint-readyz")
    if sec is None:
        return [_remote_error("apiserver-vip", target, facts.cluster.error or L_("no answer"),
                              L_("make a control-plane node reachable over SSH"))]
    if sec.ok and sec.stdout.strip() == "ok":
        return [VerifyResult("apiserver-vip", target, "pass",
                             L_("{url}/readyz: ok (from {via})", url=endpoint_url(model),
                                via=facts.cluster.via))]
    fix = (L_("kkui lb status -f CONFIG (is the VIP held, are the backends UP?)")
           if _has_lb_pair(model) else L_("check the load balancer in front of the API servers"))
    return [VerifyResult("apiserver-vip", target, "fail",
                         L_("{url}/readyz from {via}: {why}", url=endpoint_url(model),
                            via=facts.cluster.via, why=sec.why()),
                         fix)]


def _node_roles(labels: dict[str, str]) -> set[str]:
    roles = set()
    for key in labels:
        if key.startswith("node-role.kubernetes.io/"):
            role = key.split("/", 1)[1]
            roles.add(ROLE_CONTROL_PLANE if role in ("master", "control-plane") else role)
    return roles


@check("nodes-ready", N_("every host is a Ready node with its roles"), reads=("cluster",),
       applies=lambda m: bool(kube_nodes(m)))
def nodes_ready(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.cluster is not None
    data = facts.cluster.json("nodes")
    if not isinstance(data, dict):
        why = facts.cluster.error or _section_why(facts, "nodes")
        return [_remote_error("nodes-ready", "cluster", why,
                              L_("check the API server (kkui verify --only apiserver)"))]
    nodes = {str(i.get("metadata", {}).get("name")): i for i in data.get("items") or []}
    out = []
    for host in kube_nodes(model):
        node = nodes.get(host.name)
        if node is None:
            out.append(VerifyResult("nodes-ready", host.name, "fail",
                                    L_("not a node of the cluster"),
                                    L_("kk did not join it (see the install log), or the node "
                                       "name differs from the host name: kubectl get nodes")))
            continue
        ready: dict[str, Any] = next((c for c in node.get("status", {}).get("conditions") or []
                      if c.get("type") == "Ready"), {})
        if ready.get("status") != "True":
            reason = ready.get("reason") or L_("no Ready condition")
            out.append(VerifyResult("nodes-ready", host.name, "fail",
                                    L_("NotReady ({reason}: {message})", reason=reason,
                                       message=ready.get("message", "")),
                                    L_("on that node: systemctl status kubelet; journalctl -u "
                                       "kubelet | tail; is the network plugin running?")))
            continue
        want = {r for r in model.roles_of(host.name) if r in (ROLE_CONTROL_PLANE, ROLE_WORKER)}
        have = _node_roles(node.get("metadata", {}).get("labels") or {})
        lacking = sorted(want - have)
        if lacking:
            out.append(VerifyResult("nodes-ready", host.name, "warn",
                                    L_("Ready, but without the role label(s): {roles}",
                                       roles=", ".join(lacking)),
                                    f"kubectl label node {host.name} "
                                    f"node-role.kubernetes.io/{lacking[0]}="))
        else:
            out.append(VerifyResult("nodes-ready", host.name, "pass",
                                    L_("Ready ({roles})", roles=", ".join(sorted(have))
                                       or L_("no role labels"))))
    return out


def _section_why(facts: Facts, name: str) -> str:
    assert facts.cluster is not None
    sec = facts.cluster.sections.get(name)
    return sec.why() if sec is not None else L_("no answer")


def _pod_problem(pod: dict[str, Any]) -> str | None:
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase == "Succeeded":
        return None
    if phase != "Running":
        waiting = [c.get("state", {}).get("waiting", {}).get("reason")
                   for c in status.get("containerStatuses") or []]
        reason = next((w for w in waiting if w), status.get("reason") or phase or "unknown")
        return str(reason)
    not_ready = [c.get("name") for c in status.get("containerStatuses") or []
                 if not c.get("ready")]
    return L_("not ready: {names}", names=", ".join(map(str, not_ready))) if not_ready else None


@check("system-pods", N_("kube-system pods Running and Ready"), reads=("cluster",),
       applies=lambda m: bool(m.control_plane_hosts))
def system_pods(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.cluster is not None
    data = facts.cluster.json("pods")
    if not isinstance(data, dict):
        return [_remote_error("system-pods", "kube-system",
                              facts.cluster.error or _section_why(facts, "pods"),
                              L_("check the API server (kkui verify --only apiserver)"))]
    pods = data.get("items") or []
    bad = [(p.get("metadata", {}).get("name"), why) for p in pods
           if (why := _pod_problem(p)) is not None]
    if not pods:
        return [VerifyResult("system-pods", "kube-system", "fail", L_("no pods in kube-system"),
                             L_("kk's InitKubernetes did not finish: see the install log"))]
    if not bad:
        return [VerifyResult("system-pods", "kube-system", "pass",
                             L_("{count} pods Running and Ready", count=len(pods)))]
    listed = joined("; ", [L_("{name} ({why})", name=n, why=w) for n, w in bad[:8]])
    values = {"bad": len(bad), "total": len(pods), "pods": listed, "more": len(bad) - 8}
    return [VerifyResult("system-pods", "kube-system", "fail",
                         L_("{bad} of {total} not Running/Ready: {pods} and {more} more", **values)
                         if len(bad) > 8 else
                         L_("{bad} of {total} not Running/Ready: {pods}", **values),
                         L_("kubectl -n kube-system describe pod NAME; kubectl -n kube-system "
                            "logs NAME"))]


# -- the endpoint as each node sees it --------------------------------------------------------

def _expected_hosts_ip(model: ClusterModel, host: Host) -> str:
    if model.control_plane_endpoint.internal_loadbalancer == "haproxy":
        roles = model.roles_of(host.name)
        return host.internal_ipv4 if ROLE_CONTROL_PLANE in roles else "127.0.0.1"
    return endpoint_address(model)


@check("kubelet-endpoint", N_("kubelets use the endpoint, not one master"), reads=("hosts",),
       applies=lambda m: bool(kube_nodes(m)))
def kubelet_endpoint(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.hosts is not None
    cpe = model.control_plane_endpoint
    masters = {h.internal_ipv4: h.name for h in model.control_plane_hosts}
    masters.update({h.address: h.name for h in model.control_plane_hosts})
    ha = model.lb_mode != "none" or bool(cpe.address)
    out = []
    for host in kube_nodes(model):
        hf = facts.hosts.get(host.name)
        if hf is None or not hf.reachable:
            out.append(_unreachable("kubelet-endpoint", hf) if hf else
                       VerifyResult("kubelet-endpoint", host.name, "error", L_("not checked")))
            continue
        sec = hf.kubelet_server
        if sec is None or not sec.ok or "server:" not in sec.stdout:
            out.append(VerifyResult("kubelet-endpoint", host.name, "error",
                                    L_("no server line in /etc/kubernetes/kubelet.conf"),
                                    L_("kk did not set this node up: see the install log")))
            continue
        server = sec.stdout.split("server:", 1)[1].strip()
        parts = urlsplit(server)
        server_host = parts.hostname or ""
        if server_host in masters and ha:
            out.append(VerifyResult(
                "kubelet-endpoint", host.name, "fail",
                L_("kubelet.conf uses {server}: master {master} only — when it stops, this "
                   "node loses the API server", server=server, master=masters[server_host]),
                L_("set server: https://{domain}:{port} in /etc/kubernetes/kubelet.conf and "
                   "restart kubelet", domain=cpe.domain, port=cpe.port)))
            continue
        if server_host != cpe.domain:
            if _is_ip(server_host) and server_host == endpoint_address(model):
                out.append(VerifyResult("kubelet-endpoint", host.name, "pass",
                                        L_("kubelet.conf uses the endpoint address {server}",
                                           server=server)))
            else:
                out.append(VerifyResult(
                    "kubelet-endpoint", host.name, "warn",
                    L_("kubelet.conf uses {server}, not https://{domain}:{port}", server=server,
                       domain=cpe.domain, port=cpe.port),
                    L_("check that this address reaches every API server")))
            continue
        entry = hf.hosts_entry
        ips = [ln.split()[0] for ln in (entry.stdout.splitlines() if entry and entry.ok else [])
               if ln.split()]
        want = _expected_hosts_ip(model, host)
        if not ips:
            out.append(VerifyResult("kubelet-endpoint", host.name, "fail",
                                    L_("{domain} is not in /etc/hosts (kubelet.conf uses it)",
                                       domain=cpe.domain),
                                    L_("add '{ip} {domain}' to /etc/hosts", ip=want,
                                       domain=cpe.domain)))
        elif ips[0] != want:
            values = {"domain": cpe.domain, "ip": ips[0], "want": want,
                      "master": masters.get(ips[0], "")}
            out.append(VerifyResult("kubelet-endpoint", host.name, "fail",
                                    L_("/etc/hosts maps {domain} to {ip} — master {master} only, "
                                       "expected {want}", **values) if ips[0] in masters else
                                    L_("/etc/hosts maps {domain} to {ip}, expected {want}",
                                       **values),
                                    L_("change the /etc/hosts line to '{ip} {domain}'", ip=want,
                                       domain=cpe.domain)))
        else:
            out.append(VerifyResult("kubelet-endpoint", host.name, "pass",
                                    L_("{server} → {ip}", server=server, ip=ips[0]) if ha else
                                    L_("{server} → {ip} (no load balancer: not highly "
                                       "available)", server=server, ip=ips[0])))
    return out


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@check("dns", N_("CoreDNS answers kubernetes.default"), reads=("dns",),
       applies=lambda m: bool(m.control_plane_hosts))
def dns(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.dns is not None
    d = facts.dns
    name = f"kubernetes.default.svc.{model.cluster_name}"
    target = d.server or "coredns"
    if d.error:
        return [VerifyResult("dns", target, "error" if d.server is None else "fail",
                             L_("{name}: {error}", name=name, error=d.error),
                             L_("kubectl -n kube-system get pods -l k8s-app=kube-dns; "
                                "kubectl -n kube-system logs -l k8s-app=kube-dns"))]
    if d.rcode == 0 and d.answers:
        return [VerifyResult("dns", target, "pass",
                             L_("{name} → {answers} (asked from {via})", name=name,
                                answers=", ".join(d.answers), via=d.via))]
    return [VerifyResult("dns", target, "fail",
                         L_("{name}: rcode {rcode}, no address", name=name, rcode=d.rcode),
                         L_("kubectl -n kube-system logs -l k8s-app=kube-dns"))]


@check("certs", N_("certificate expiry (kubeadm, kk's etcd, the CAs)"), reads=("hosts",),
       applies=lambda m: bool(m.control_plane_hosts or m.etcd_hosts))
def certs(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.hosts is not None
    out = []
    for host in model.hosts:
        if not {ROLE_CONTROL_PLANE, "etcd"} & set(model.roles_of(host.name)):
            continue
        hf = facts.hosts.get(host.name)
        if hf is None or not hf.reachable:
            out.append(_unreachable("certs", hf) if hf else
                       VerifyResult("certs", host.name, "error", L_("not checked")))
            continue
        if not hf.certs:
            out.append(VerifyResult("certs", host.name, "error",
                                    L_("no certificates found in /etc/kubernetes/pki or "
                                       "/etc/ssl/etcd/ssl"), L_("kk did not set this node up")))
            continue
        rows = sorted(((c.days_left(facts.now), c) for c in hf.certs),
                      key=lambda t: float("inf") if t[0] is None else t[0])
        unreadable = [c.path for d, c in rows if d is None]
        failing = [(d, c) for d, c in rows if d is not None and d < CERT_FAIL_DAYS]
        warning = [(d, c) for d, c in rows
                   if d is not None and CERT_FAIL_DAYS <= d < CERT_WARN_DAYS]
        soonest = next(((d, c) for d, c in rows if d is not None), None)

        def fmt(items: Sequence[tuple[float | None, Any]]) -> str:
            return joined(", ", [L_("{path} EXPIRED", path=c.path) if (d or 0) < 0 else
                                 L_("{path} {days:.0f} days", path=c.path, days=d)
                                 for d, c in items[:5]])

        fix = L_("kkui certs -f CONFIG --renew renews kubeadm's certificates (kk certs renew); "
                 "kk's etcd certificates and the CAs are not renewed by kk")
        if failing:
            out.append(VerifyResult("certs", host.name, "fail",
                                    L_("expiring: {certs}", certs=fmt(failing)), fix))
        elif warning:
            out.append(VerifyResult("certs", host.name, "warn",
                                    L_("expiring: {certs}", certs=fmt(warning)), fix))
        elif unreadable:
            out.append(VerifyResult("certs", host.name, "warn",
                                    L_("not readable as certificates: {paths}",
                                       paths=", ".join(unreadable[:5])),
                                    L_("check these files")))
        else:
            assert soonest is not None
            out.append(VerifyResult("certs", host.name, "pass",
                                    L_("{count} certificates; soonest {path} in {days:.0f} days",
                                       count=len(rows), path=soonest[1].path,
                                       days=soonest[0])))
    return out


@check("time", N_("clock skew between nodes"), reads=("hosts",))
def time_skew(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.hosts is not None
    offsets = {n: hf.clock_offset for n, hf in facts.hosts.items()
               if hf.reachable and hf.clock_offset is not None}
    if len(offsets) < 1:
        return [VerifyResult("time", "cluster", "error", L_("no clock could be read"),
                             L_("make the hosts reachable over SSH"))]
    fastest = max(offsets, key=lambda n: offsets[n])
    slowest = min(offsets, key=lambda n: offsets[n])
    skew = offsets[fastest] - offsets[slowest]
    detail = L_("{skew:.2f} s between {fastest} and {slowest} ({count} clocks read)", skew=skew,
                fastest=fastest, slowest=slowest, count=len(offsets))
    fix = L_("run chrony or systemd-timesyncd on every node (kk: spec.system.ntpServers)")
    if skew >= SKEW_FAIL_S:
        return [VerifyResult("time", "cluster", "fail", detail, fix)]
    if skew >= SKEW_WARN_S:
        return [VerifyResult("time", "cluster", "warn", detail, fix)]
    return [VerifyResult("time", "cluster", "pass", detail)]


# -- kkui's HAProxy + Keepalived pair ----------------------------------------------------------

@check("lb-vip", N_("exactly one LB holds the VIP"), reads=("lb",), applies=_has_lb_pair)
def lb_vip(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    status = facts.lb
    vip = model.kkui.load_balancer.vip
    if isinstance(status, Exception):
        return [VerifyResult("lb-vip", vip, "error", L_("not checked: {why}", why=str(status)),
                             "kkui lb status -f CONFIG")]
    verdict = status.verdict
    if verdict == "ok":
        return [VerifyResult("lb-vip", vip, "pass", L_("held by {host}", host=status.holders[0]))]
    if verdict == "split-brain":
        return [VerifyResult("lb-vip", vip, "fail",
                             L_("held by {hosts} at once (split brain)",
                                hosts=", ".join(status.holders)),
                             L_("VRRP adverts do not reach the peer: check the interface and "
                                "that protocol 112 (VRRP) is allowed between the LBs"))]
    if verdict == "no-holder":
        return [VerifyResult("lb-vip", vip, "fail", L_("no LB holds the VIP"),
                             L_("kkui lb status -f CONFIG; systemctl status keepalived on the "
                                "LBs"))]
    unreachable = [h.name for h in status.hosts if h.holds_vip is None]
    return [VerifyResult("lb-vip", vip, "error",
                         L_("cannot tell: {hosts} could not be read", hosts=", ".join(unreachable)),
                         L_("make the LB hosts reachable over SSH"))]


@check("lb-backends", N_("every API server is UP in each HAProxy"), reads=("lb",),
       applies=_has_lb_pair)
def lb_backends(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    status = facts.lb
    if isinstance(status, Exception):
        return [VerifyResult("lb-backends", "lb", "error",
                             L_("not checked: {why}", why=str(status)),
                             "kkui lb status -f CONFIG")]
    expected = {h.name for h in model.control_plane_hosts}
    out = []
    for host in status.hosts:
        if host.haproxy != "active":
            out.append(VerifyResult("lb-backends", host.name,
                                    "error" if host.error else "fail",
                                    L_("haproxy is {state} ({error})", state=host.haproxy,
                                       error=host.error) if host.error else
                                    L_("haproxy is {state}", state=host.haproxy),
                                    "systemctl status haproxy; kkui lb deploy -f CONFIG"))
            continue
        down = [f"{b.name} ({b.status})" for b in host.backends if not b.up]
        listed = {b.name for b in host.backends}
        missing = sorted(expected - listed)
        if down or missing:
            parts = ([L_("DOWN: {names}", names=", ".join(down))] if down else []) + (
                [L_("not a backend: {names}", names=", ".join(missing))] if missing else [])
            out.append(VerifyResult("lb-backends", host.name, "fail", joined("; ", parts),
                                    L_("kkui verify --only apiserver; after adding masters: "
                                       "kkui lb deploy -f CONFIG")))
        else:
            out.append(VerifyResult("lb-backends", host.name, "pass",
                                    L_("{count} API servers UP", count=len(listed))))
    return out


CHECK_IDS: tuple[str, ...] = tuple(REGISTRY)
