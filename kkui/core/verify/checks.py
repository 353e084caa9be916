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
from kkui.i18n import N_  # titles are English ids, translated where shown (issue #16)

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
    return VerifyResult(check_id, hf.name, "error", f"not checked: {hf.error}",
                        "make the host reachable over SSH (kkui precheck shows why), then re-run")


def _remote_error(check_id: str, target: str, why: str | None, fix: str) -> VerifyResult:
    return VerifyResult(check_id, target, "error", f"not checked: {why}", fix)


def _addr_to_host(model: ClusterModel) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in model.hosts:
        out[h.internal_ipv4] = h.name
        out.setdefault(h.address, h.name)
    return out


def _endpoint_host(url: str) -> str:
    return urlsplit(url).hostname or url


# -- etcd ----------------------------------------------------------------------------------

ETCD_FIX = ("on that node: systemctl status etcd; journalctl -u etcd --since -1h | tail; "
            "check /etc/etcd.env and /etc/ssl/etcd/ssl/")


def _etcd_health(model: ClusterModel, facts: Facts) -> dict[str, tuple[bool, str]] | None:
    """Host name → (healthy, error) for every etcd host, or None when etcd facts are missing."""
    assert facts.etcd is not None
    data = facts.etcd.json("etcd-health")
    if not isinstance(data, list):
        return None
    by_addr = _addr_to_host(model)
    health: dict[str, tuple[bool, str]] = {h.name: (False, "not in etcdctl's answer")
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
        return [_remote_error("etcd-members", "etcd", facts.etcd.error or "no member list",
                              ETCD_FIX)]
    members = data.get("members") or []
    names = sorted(str(m.get("name") or "") for m in members)
    expected = sorted(h.name for h in model.etcd_hosts)
    unstarted = [m for m in members if not m.get("name")]
    missing = sorted(set(expected) - set(names))
    extra = sorted(set(names) - set(expected) - {""})
    if not (missing or extra or unstarted):
        return [VerifyResult("etcd-members", "etcd", "pass",
                             f"{len(names)} members: {', '.join(names)}")]
    parts = []
    if missing:
        parts.append(f"not members: {', '.join(missing)}")
    if extra:
        parts.append(f"members not in the etcd group: {', '.join(extra)}")
    if unstarted:
        parts.append(f"{len(unstarted)} member(s) added but never started")
    return [VerifyResult(
        "etcd-members", "etcd", "fail", "; ".join(parts),
        "remove a stale member with `etcdctl member remove ID` from a healthy member (kkui "
        "nodes replace does this step by step); a missing one: re-run kk add nodes")]


@check("etcd-health", N_("every etcd endpoint is healthy"), reads=("etcd",), applies=_uses_kk_etcd)
def etcd_health(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    health = _etcd_health(model, facts)
    if health is None:
        return [_remote_error("etcd-health", "etcd", facts.etcd.error or "no health answer",
                              ETCD_FIX)]
    return [VerifyResult("etcd-health", name, "pass" if ok else "fail",
                         "healthy" if ok else f"unhealthy: {why or 'no answer'}",
                         "" if ok else ETCD_FIX)
            for name, (ok, why) in health.items()]


@check("etcd-quorum", N_("enough healthy etcd members for a quorum"), reads=("etcd",),
       applies=_uses_kk_etcd)
def etcd_quorum(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    health = _etcd_health(model, facts)
    if health is None:
        return [_remote_error("etcd-quorum", "etcd", facts.etcd.error or "no health answer",
                              ETCD_FIX)]
    total = len(health)
    healthy = sum(1 for ok, _ in health.values() if ok)
    needed = total // 2 + 1
    down = ", ".join(n for n, (ok, _) in health.items() if not ok)
    if healthy == total:
        spare = total - needed
        note = (f"can lose {spare} member{'s' if spare != 1 else ''}" if spare else
                "no member can be lost: use 3 or 5 etcd members for HA")
        return [VerifyResult("etcd-quorum", "etcd", "pass" if spare else "warn",
                             f"{healthy} of {total} healthy ({needed} needed): {note}",
                             "" if spare else "add etcd members to reach an odd count >= 3")]
    if healthy >= needed:
        left = healthy - needed
        msg = ("one more loss stops the cluster" if left == 0
               else f"{left} more loss{'es' if left != 1 else ''} allowed")
        return [VerifyResult("etcd-quorum", "etcd", "warn",
                             f"{healthy} of {total} healthy ({needed} needed; down: {down}): "
                             f"{msg}", ETCD_FIX)]
    return [VerifyResult("etcd-quorum", "etcd", "fail",
                         f"{healthy} of {total} healthy, {needed} needed (down: {down}): etcd "
                         "has no quorum and the API server cannot write", ETCD_FIX)]


@check("etcd-leader", N_("etcd has one agreed leader"), reads=("etcd",), applies=_uses_kk_etcd)
def etcd_leader(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    data = facts.etcd.json("etcd-status")
    if not isinstance(data, list) or not data:
        return [_remote_error("etcd-leader", "etcd", facts.etcd.error or "no status answer",
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
                             f"leader: {ids.get(leader, format(leader, 'x'))}")]
    if not leaders:
        return [VerifyResult("etcd-leader", "etcd", "fail", "no member reports a leader",
                             ETCD_FIX)]
    return [VerifyResult("etcd-leader", "etcd", "warn",
                         f"members disagree on the leader ({len(leaders)} leaders seen): an "
                         "election was under way", "re-run kkui verify in a few seconds")]


@check("etcd-db-size", N_("etcd database size below its quota"), reads=("etcd",),
       applies=_uses_kk_etcd)
def etcd_db_size(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.etcd is not None
    data = facts.etcd.json("etcd-status")
    if not isinstance(data, list) or not data:
        return [_remote_error("etcd-db-size", "etcd", facts.etcd.error or "no status answer",
                              ETCD_FIX)]
    by_addr = _addr_to_host(model)
    out = []
    for item in data:
        status = item.get("Status") or {}
        size = int(status.get("dbSize") or 0)
        in_use = int(status.get("dbSizeInUse") or size)
        name = by_addr.get(_endpoint_host(str(item.get("Endpoint", ""))), "etcd")
        ratio = size / ETCD_QUOTA_BYTES
        detail = f"{size / 1024 ** 2:.1f} MiB ({ratio:.0%} of the 2 GiB quota)"
        if ratio >= DB_FAIL_RATIO:
            out.append(VerifyResult("etcd-db-size", name, "fail", detail + ": etcd will "
                                    "raise NOSPACE and refuse writes",
                                    "etcdctl compact + defrag, then etcdctl alarm disarm"))
        elif ratio >= DB_WARN_RATIO or (size > 100 * 1024 ** 2 and size > 2 * in_use):
            out.append(VerifyResult("etcd-db-size", name, "warn",
                                    detail + f", {in_use / 1024 ** 2:.1f} MiB in use",
                                    "etcdctl defrag --endpoints=<this member> (one at a time)"))
        else:
            out.append(VerifyResult("etcd-db-size", name, "pass", detail))
    return out


# -- API server and nodes ------------------------------------------------------------------

API_FIX = ("on that node: crictl ps -a | grep kube-apiserver; journalctl -u kubelet --since "
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
                       VerifyResult("apiserver", host.name, "error", "not checked", ""))
            continue
        sec = hf.readyz
        if sec is not None and sec.ok and sec.stdout.strip() == "ok":
            out.append(VerifyResult("apiserver", host.name, "pass",
                                    f"https://{host.internal_ipv4}:6443/readyz: ok"))
        else:
            why = sec.why() if sec is not None else "no answer"
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
        return [_remote_error("apiserver-vip", target, facts.cluster.error or "no answer",
                              "make a control-plane node reachable over SSH")]
    if sec.ok and sec.stdout.strip() == "ok":
        return [VerifyResult("apiserver-vip", target, "pass",
                             f"{endpoint_url(model)}/readyz: ok (from {facts.cluster.via})")]
    fix = ("kkui lb status -f CONFIG (is the VIP held, are the backends UP?)"
           if _has_lb_pair(model) else "check the load balancer in front of the API servers")
    return [VerifyResult("apiserver-vip", target, "fail",
                         f"{endpoint_url(model)}/readyz from {facts.cluster.via}: {sec.why()}",
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
                              "check the API server (kkui verify --only apiserver)")]
    nodes = {str(i.get("metadata", {}).get("name")): i for i in data.get("items") or []}
    out = []
    for host in kube_nodes(model):
        node = nodes.get(host.name)
        if node is None:
            out.append(VerifyResult("nodes-ready", host.name, "fail",
                                    "not a node of the cluster",
                                    "kk did not join it (see the install log), or the node "
                                    "name differs from the host name: kubectl get nodes"))
            continue
        ready: dict[str, Any] = next((c for c in node.get("status", {}).get("conditions") or []
                      if c.get("type") == "Ready"), {})
        if ready.get("status") != "True":
            reason = ready.get("reason") or "no Ready condition"
            out.append(VerifyResult("nodes-ready", host.name, "fail",
                                    f"NotReady ({reason}: {ready.get('message', '')})".strip(),
                                    "on that node: systemctl status kubelet; journalctl -u "
                                    "kubelet | tail; is the network plugin running?"))
            continue
        want = {r for r in model.roles_of(host.name) if r in (ROLE_CONTROL_PLANE, ROLE_WORKER)}
        have = _node_roles(node.get("metadata", {}).get("labels") or {})
        lacking = sorted(want - have)
        if lacking:
            out.append(VerifyResult("nodes-ready", host.name, "warn",
                                    f"Ready, but without the role label(s): {', '.join(lacking)}",
                                    f"kubectl label node {host.name} "
                                    f"node-role.kubernetes.io/{lacking[0]}="))
        else:
            out.append(VerifyResult("nodes-ready", host.name, "pass",
                                    f"Ready ({', '.join(sorted(have)) or 'no role labels'})"))
    return out


def _section_why(facts: Facts, name: str) -> str:
    assert facts.cluster is not None
    sec = facts.cluster.sections.get(name)
    return sec.why() if sec is not None else "no answer"


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
    return f"not ready: {', '.join(map(str, not_ready))}" if not_ready else None


@check("system-pods", N_("kube-system pods Running and Ready"), reads=("cluster",),
       applies=lambda m: bool(m.control_plane_hosts))
def system_pods(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.cluster is not None
    data = facts.cluster.json("pods")
    if not isinstance(data, dict):
        return [_remote_error("system-pods", "kube-system",
                              facts.cluster.error or _section_why(facts, "pods"),
                              "check the API server (kkui verify --only apiserver)")]
    pods = data.get("items") or []
    bad = [(p.get("metadata", {}).get("name"), why) for p in pods
           if (why := _pod_problem(p)) is not None]
    if not pods:
        return [VerifyResult("system-pods", "kube-system", "fail", "no pods in kube-system",
                             "kk's InitKubernetes did not finish: see the install log")]
    if not bad:
        return [VerifyResult("system-pods", "kube-system", "pass",
                             f"{len(pods)} pods Running and Ready")]
    shown = "; ".join(f"{n} ({w})" for n, w in bad[:8])
    more = f" and {len(bad) - 8} more" if len(bad) > 8 else ""
    return [VerifyResult("system-pods", "kube-system", "fail",
                         f"{len(bad)} of {len(pods)} not Running/Ready: {shown}{more}",
                         "kubectl -n kube-system describe pod NAME; kubectl -n kube-system "
                         "logs NAME")]


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
                       VerifyResult("kubelet-endpoint", host.name, "error", "not checked"))
            continue
        sec = hf.kubelet_server
        if sec is None or not sec.ok or "server:" not in sec.stdout:
            out.append(VerifyResult("kubelet-endpoint", host.name, "error",
                                    "no server line in /etc/kubernetes/kubelet.conf",
                                    "kk did not set this node up: see the install log"))
            continue
        server = sec.stdout.split("server:", 1)[1].strip()
        parts = urlsplit(server)
        server_host = parts.hostname or ""
        if server_host in masters and ha:
            out.append(VerifyResult(
                "kubelet-endpoint", host.name, "fail",
                f"kubelet.conf uses {server}: master {masters[server_host]} only — when it "
                "stops, this node loses the API server",
                f"set server: https://{cpe.domain}:{cpe.port} in /etc/kubernetes/kubelet.conf "
                "and restart kubelet"))
            continue
        if server_host != cpe.domain:
            if _is_ip(server_host) and server_host == endpoint_address(model):
                out.append(VerifyResult("kubelet-endpoint", host.name, "pass",
                                        f"kubelet.conf uses the endpoint address {server}"))
            else:
                out.append(VerifyResult(
                    "kubelet-endpoint", host.name, "warn",
                    f"kubelet.conf uses {server}, not https://{cpe.domain}:{cpe.port}",
                    "check that this address reaches every API server"))
            continue
        entry = hf.hosts_entry
        ips = [ln.split()[0] for ln in (entry.stdout.splitlines() if entry and entry.ok else [])
               if ln.split()]
        want = _expected_hosts_ip(model, host)
        if not ips:
            out.append(VerifyResult("kubelet-endpoint", host.name, "fail",
                                    f"{cpe.domain} is not in /etc/hosts (kubelet.conf uses it)",
                                    f"add '{want} {cpe.domain}' to /etc/hosts"))
        elif ips[0] != want:
            single = f" — master {masters[ips[0]]} only" if ips[0] in masters else ""
            out.append(VerifyResult("kubelet-endpoint", host.name, "fail",
                                    f"/etc/hosts maps {cpe.domain} to {ips[0]}{single}, "
                                    f"expected {want}",
                                    f"change the /etc/hosts line to '{want} {cpe.domain}'"))
        else:
            note = "" if ha else " (no load balancer: not highly available)"
            out.append(VerifyResult("kubelet-endpoint", host.name, "pass",
                                    f"{server} → {ips[0]}{note}"))
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
                             f"{name}: {d.error}",
                             "kubectl -n kube-system get pods -l k8s-app=kube-dns; "
                             "kubectl -n kube-system logs -l k8s-app=kube-dns")]
    if d.rcode == 0 and d.answers:
        return [VerifyResult("dns", target, "pass",
                             f"{name} → {', '.join(d.answers)} (asked from {d.via})")]
    return [VerifyResult("dns", target, "fail", f"{name}: rcode {d.rcode}, no address",
                         "kubectl -n kube-system logs -l k8s-app=kube-dns")]


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
                       VerifyResult("certs", host.name, "error", "not checked"))
            continue
        if not hf.certs:
            out.append(VerifyResult("certs", host.name, "error",
                                    "no certificates found in /etc/kubernetes/pki or "
                                    "/etc/ssl/etcd/ssl", "kk did not set this node up"))
            continue
        rows = sorted(((c.days_left(facts.now), c) for c in hf.certs),
                      key=lambda t: float("inf") if t[0] is None else t[0])
        unreadable = [c.path for d, c in rows if d is None]
        failing = [(d, c) for d, c in rows if d is not None and d < CERT_FAIL_DAYS]
        warning = [(d, c) for d, c in rows
                   if d is not None and CERT_FAIL_DAYS <= d < CERT_WARN_DAYS]
        soonest = next(((d, c) for d, c in rows if d is not None), None)

        def fmt(items: Sequence[tuple[float | None, Any]]) -> str:
            return ", ".join(f"{c.path} {'EXPIRED' if (d or 0) < 0 else f'{d:.0f} days'}"
                             for d, c in items[:5])

        fix = ("kkui certs -f CONFIG --renew renews kubeadm's certificates (kk certs renew); "
               "kk's etcd certificates and the CAs are not renewed by kk")
        if failing:
            out.append(VerifyResult("certs", host.name, "fail", f"expiring: {fmt(failing)}", fix))
        elif warning:
            out.append(VerifyResult("certs", host.name, "warn", f"expiring: {fmt(warning)}", fix))
        elif unreadable:
            out.append(VerifyResult("certs", host.name, "warn",
                                    f"not readable as certificates: {', '.join(unreadable[:5])}",
                                    "check these files"))
        else:
            assert soonest is not None
            out.append(VerifyResult("certs", host.name, "pass",
                                    f"{len(rows)} certificates; soonest {soonest[1].path} in "
                                    f"{soonest[0]:.0f} days"))
    return out


@check("time", N_("clock skew between nodes"), reads=("hosts",))
def time_skew(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    assert facts.hosts is not None
    offsets = {n: hf.clock_offset for n, hf in facts.hosts.items()
               if hf.reachable and hf.clock_offset is not None}
    if len(offsets) < 1:
        return [VerifyResult("time", "cluster", "error", "no clock could be read",
                             "make the hosts reachable over SSH")]
    fastest = max(offsets, key=lambda n: offsets[n])
    slowest = min(offsets, key=lambda n: offsets[n])
    skew = offsets[fastest] - offsets[slowest]
    detail = f"{skew:.2f} s between {fastest} and {slowest} ({len(offsets)} clocks read)"
    fix = "run chrony or systemd-timesyncd on every node (kk: spec.system.ntpServers)"
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
        return [VerifyResult("lb-vip", vip, "error", f"not checked: {status}",
                             "kkui lb status -f CONFIG")]
    verdict = status.verdict
    if verdict == "ok":
        return [VerifyResult("lb-vip", vip, "pass", f"held by {status.holders[0]}")]
    if verdict == "split-brain":
        return [VerifyResult("lb-vip", vip, "fail",
                             f"held by {', '.join(status.holders)} at once (split brain)",
                             "VRRP adverts do not reach the peer: check the interface and "
                             "that protocol 112 (VRRP) is allowed between the LBs")]
    if verdict == "no-holder":
        return [VerifyResult("lb-vip", vip, "fail", "no LB holds the VIP",
                             "kkui lb status -f CONFIG; systemctl status keepalived on the LBs")]
    unreachable = [h.name for h in status.hosts if h.holds_vip is None]
    return [VerifyResult("lb-vip", vip, "error",
                         f"cannot tell: {', '.join(unreachable)} could not be read",
                         "make the LB hosts reachable over SSH")]


@check("lb-backends", N_("every API server is UP in each HAProxy"), reads=("lb",),
       applies=_has_lb_pair)
def lb_backends(model: ClusterModel, facts: Facts) -> list[VerifyResult]:
    status = facts.lb
    if isinstance(status, Exception):
        return [VerifyResult("lb-backends", "lb", "error", f"not checked: {status}",
                             "kkui lb status -f CONFIG")]
    expected = {h.name for h in model.control_plane_hosts}
    out = []
    for host in status.hosts:
        if host.haproxy != "active":
            out.append(VerifyResult("lb-backends", host.name,
                                    "error" if host.error else "fail",
                                    f"haproxy is {host.haproxy}"
                                    + (f" ({host.error})" if host.error else ""),
                                    "systemctl status haproxy; kkui lb deploy -f CONFIG"))
            continue
        down = [f"{b.name} ({b.status})" for b in host.backends if not b.up]
        listed = {b.name for b in host.backends}
        missing = sorted(expected - listed)
        if down or missing:
            parts = ([f"DOWN: {', '.join(down)}"] if down else []) + (
                [f"not a backend: {', '.join(missing)}"] if missing else [])
            out.append(VerifyResult("lb-backends", host.name, "fail", "; ".join(parts),
                                    "kkui verify --only apiserver; after adding masters: "
                                    "kkui lb deploy -f CONFIG"))
        else:
            out.append(VerifyResult("lb-backends", host.name, "pass",
                                    f"{len(listed)} API servers UP"))
    return out


CHECK_IDS: tuple[str, ...] = tuple(REGISTRY)
