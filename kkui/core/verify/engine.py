"""Run the verify checks: gather what the selected checks read over SSH, then evaluate them.

Phases: ``hosts`` (every host in parallel: clock, kubelet's server, /etc/hosts, certificates,
the local /readyz), then ``cluster`` (through the first reachable control-plane node), ``etcd``
(through the first reachable etcd node) and ``lb`` (kkui's pair) in parallel, then ``dns``
(needs the CoreDNS service address from ``cluster``).  A check is evaluated as soon as every
phase it reads is in, and its results go to ``on_result`` at once, so a table fills as the
cluster answers.  An unreachable host becomes an ``error`` for the checks that needed it; no
failure of one host or phase stops the others, and every wait is bounded by ``timeout``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

from cryptography import x509

from kkui.core.config.model import ROLE_CONTROL_PLANE, ClusterModel, Host
from kkui.core.errors import ConfigError, message_of
from kkui.core.sanitize import for_display, is_clean
from kkui.core.ssh import KnownHosts, SshClientPool, SshError, SshSession, connect
from kkui.core.verify import dnswire, gather
from kkui.core.verify.checks import REGISTRY, VerifyCheck, endpoint_url, kube_nodes
from kkui.core.verify.facts import CertInfo, DnsFacts, Facts, HostFacts, RemoteFacts
from kkui.core.verify.report import VerifyReport, VerifyResult
from kkui.i18n import L_, joined

CONNECT_TIMEOUT = 5.0
Connector = Callable[..., SshSession]


def select_checks(model: ClusterModel, only: Sequence[str] | None = None) -> list[VerifyCheck]:
    """The checks that apply to this config, filtered by ``only`` (unknown id → ConfigError)."""
    if only:
        unknown = [i for i in only if i not in REGISTRY]
        if unknown:
            raise ConfigError(L_("--only: unknown check {unknown} (checks: {checks})",
                                 unknown=", ".join(map(repr, unknown)),
                                 checks=", ".join(REGISTRY)))
    return [c for c in REGISTRY.values()
            if c.applies(model) and (not only or c.id in only)]


def run_script(session: SshSession, script: str, timeout: float) -> gather.Sections:
    res = session.run(f"/bin/bash -c {shlex.quote(script)}", sudo=True, timeout=timeout)
    return gather.parse_sections(res.stdout)


def _one_line(exc: BaseException) -> str:
    message = message_of(exc)  # a one-line L_ message (kkui.core.ssh) stays one: translated
    if isinstance(message, L_) and is_clean(message) and "\n" not in message \
            and len(message) <= 300:
        return message
    return for_display(str(exc) or type(exc).__name__, newlines=False)[:300]


def _parse_cert(path: str, pem: str) -> CertInfo:
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return CertInfo(path, "", None)
    try:
        is_ca = bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        is_ca = False
    return CertInfo(path, cert.subject.rfc4514_string(), cert.not_valid_after_utc, is_ca)


def host_facts(model: ClusterModel, host: Host, sessions: SshClientPool,
                timeout: float) -> HostFacts:
    roles = model.roles_of(host.name)
    base = HostFacts(host.name, roles)
    try:
        session = sessions.get(host)
        sent = time.time()
        clock = session.run("date +%s.%N", timeout=timeout)
        received = time.time()
        offset = None
        with contextlib.suppress(ValueError):
            offset = float(clock.stdout.strip()) - (sent + received) / 2
        own_api = (f"https://{host.internal_ipv4}:6443"
                   if ROLE_CONTROL_PLANE in roles else None)
        script = gather.host_script(domain=model.control_plane_endpoint.domain,
                                    own_api=own_api,
                                    certs=bool({ROLE_CONTROL_PLANE, "etcd"} & set(roles)))
        sections = run_script(session, script, timeout)
    except SshError as exc:
        return replace(base, error=_one_line(exc))
    cert_section = sections.get("certs")
    certs = tuple(_parse_cert(p, pem) for p, pem in
                  gather.parse_certs(cert_section.stdout if cert_section else ""))
    return replace(base, clock_offset=offset, kubelet_server=sections.get("kubelet-server"),
                   hosts_entry=sections.get("hosts-entry"), certs=certs,
                   readyz=sections.get("readyz"))


def first_reachable(hosts: Iterable[Host], sessions: SshClientPool,
                     ) -> tuple[Host | None, SshSession | None, list[str]]:
    errors: list[str] = []
    for host in hosts:
        try:
            return host, sessions.get(host), errors
        except SshError as exc:
            errors.append(_one_line(exc))
    return None, None, errors


def _json_sections(sections: gather.Sections, names: Iterable[str]) -> dict[str, object]:
    parsed: dict[str, object] = {}
    for name in names:
        sec = sections.get(name)
        if sec is not None and sec.stdout.strip():
            with contextlib.suppress(ValueError):
                parsed[name] = json.loads(sec.stdout)
    return parsed


def _cluster_facts(model: ClusterModel, sessions: SshClientPool, timeout: float) -> RemoteFacts:
    host, session, errors = first_reachable(model.control_plane_hosts, sessions)
    if session is None or host is None:
        return RemoteFacts(None, L_("no control-plane node reachable: {errors}",
                                    errors=joined("; ", errors)))
    try:
        sections = run_script(session, gather.cluster_script(endpoint=endpoint_url(model)), timeout)
    except SshError as exc:
        return RemoteFacts(host.name, _one_line(exc))
    return RemoteFacts(host.name, None, dict(sections.by_name),
                       _json_sections(sections, ("nodes", "pods", "services")))


def _etcd_facts(model: ClusterModel, sessions: SshClientPool, timeout: float) -> RemoteFacts:
    host, session, errors = first_reachable(model.etcd_hosts, sessions)
    if session is None or host is None:
        return RemoteFacts(None, L_("no etcd node reachable: {errors}",
                                    errors=joined("; ", errors)))
    endpoints = [f"https://{h.internal_ipv4}:2379" for h in model.etcd_hosts]
    try:
        sections = run_script(session, gather.etcd_script(node_name=host.name, endpoints=endpoints),
                        timeout)
    except SshError as exc:
        return RemoteFacts(host.name, _one_line(exc))
    parsed = _json_sections(sections, ("etcd-health", "etcd-status", "etcd-members"))
    error = None
    if not parsed:
        sec = sections.get("etcd-members")
        error = sec.why() if sec is not None else L_("etcdctl gave no answer")
    return RemoteFacts(host.name, error, dict(sections.by_name), parsed)


def coredns_ip(services: object) -> str | None:
    """The ClusterIP of kk's CoreDNS service (``coredns``; kubeadm's name is ``kube-dns``)."""
    if not isinstance(services, dict):
        return None
    for item in services.get("items") or []:
        name = item.get("metadata", {}).get("name")
        if name in ("coredns", "kube-dns"):
            ip = item.get("spec", {}).get("clusterIP")
            if ip and ip != "None":
                return str(ip)
    return None


def _dns_facts(model: ClusterModel, cluster: RemoteFacts, sessions: SshClientPool,
               timeout: float) -> DnsFacts:
    server = coredns_ip(cluster.json("services"))
    if server is None:
        why = cluster.error or L_("no coredns/kube-dns service in kube-system")
        return DnsFacts(cluster.via, None, why)
    host, session, errors = first_reachable(kube_nodes(model), sessions)
    if session is None or host is None:
        return DnsFacts(None, server, L_("no node reachable: {errors}",
                                         errors=joined("; ", errors)))
    query = dnswire.build_query(f"kubernetes.default.svc.{model.cluster_name}")
    try:
        sections = run_script(session, gather.dns_script(server, query), timeout)
    except SshError as exc:
        return DnsFacts(host.name, server, _one_line(exc))
    sec = sections.get("dns")
    if sec is None or not sec.stdout.strip():
        return DnsFacts(host.name, server, L_("no answer from {server}:53 within 3 s",
                                              server=server))
    try:
        rcode, answers = dnswire.parse_answer(dnswire.from_od(sec.stdout))
    except (ValueError, IndexError) as exc:
        return DnsFacts(host.name, server, L_("unreadable answer ({error})", error=str(exc)))
    return DnsFacts(host.name, server, None, tuple(answers), rcode)


def _lb_facts(model: ClusterModel, strict: bool) -> object:
    from kkui.core.lb.remote import lb_ops_tolerant
    from kkui.core.lb.status import backend_addresses, collect_status

    lb = model.kkui.load_balancer
    try:
        with lb_ops_tolerant(lb, strict_host_keys=strict) as ops:
            return collect_status(ops, vip=lb.vip, port=lb.port,
                                  addresses=backend_addresses(model))
    except Exception as exc:  # noqa: BLE001 - an LB failure is a result, never a crash
        return RuntimeError(_one_line(exc))


def run_verify(model: ClusterModel, *, only: Sequence[str] | None = None,
               timeout: float = 30.0, strict_host_keys: bool = False,
               known_hosts: KnownHosts | None = None,
               on_result: Callable[[VerifyResult], None] | None = None,
               connector: Connector = connect,
               now: dt.datetime | None = None) -> VerifyReport:
    checks = select_checks(model, only)
    reads = {r for c in checks for r in c.reads}
    facts = Facts(now=now or dt.datetime.now(dt.UTC))
    # a dead host is tried once per run: the checks reading it get its error at once
    sessions = SshClientPool(known_hosts=known_hosts, strict_host_keys=strict_host_keys,
                             connect_timeout=min(CONNECT_TIMEOUT, timeout),
                             remember_failures=True, connector=connector)
    results: list[VerifyResult] = []
    done: set[str] = set()
    lock = threading.Lock()

    def evaluate() -> None:
        with lock:
            for c in checks:
                if c.id in done or not facts.ready(c.reads):
                    continue
                done.add(c.id)
                try:
                    found = c.run(model, facts)
                except Exception as exc:  # noqa: BLE001 - a check bug must not hide others
                    found = [VerifyResult(c.id, "cluster", "error",
                                          L_("kkui could not evaluate this check: {error}",
                                             error=repr(exc)))]
                for r in found:
                    r = replace(r, detail=for_display(r.detail, newlines=False))
                    results.append(r)
                    if on_result is not None:
                        on_result(r)

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            if reads & {"hosts"}:
                targets = list(model.hosts)
                facts.hosts = dict(zip([h.name for h in targets], pool.map(
                    lambda h: host_facts(model, h, sessions, timeout), targets), strict=True))
                evaluate()
            futures: dict[str, Future[object]] = {}
            if reads & {"cluster", "dns"}:
                futures["cluster"] = pool.submit(_cluster_facts, model, sessions, timeout)
            if "etcd" in reads:
                futures["etcd"] = pool.submit(_etcd_facts, model, sessions, timeout)
            if "lb" in reads:
                futures["lb"] = pool.submit(_lb_facts, model, strict_host_keys)
            for name, future in futures.items():
                setattr(facts, name, future.result())
                evaluate()
            if "dns" in reads and facts.cluster is not None:
                facts.dns = _dns_facts(model, facts.cluster, sessions, timeout)
                evaluate()
    finally:
        sessions.close_all()
    order = {c.id: i for i, c in enumerate(checks)}
    results.sort(key=lambda r: order.get(r.id, len(order)))
    return VerifyReport(tuple(results))
