"""The verify checks as pure functions over facts: thresholds, arithmetic and expectations."""

from __future__ import annotations

import datetime as dt

import pytest

from kkui.core.config import ClusterDocument
from kkui.core.config.model import ClusterModel
from kkui.core.verify.checks import REGISTRY, endpoint_address
from kkui.core.verify.dnswire import build_query, from_od, parse_answer
from kkui.core.verify.facts import CertInfo, Facts, HostFacts, RemoteFacts
from kkui.core.verify.gather import Section, parse_certs, parse_sections

NOW = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)


def model(masters: int = 3, workers: int = 1, *, etcd: int | None = None,
          endpoint: str = "address: 10.0.0.100", ilb: str = "") -> ClusterModel:
    names = [f"m{i}" for i in range(1, masters + 1)] + [f"w{i}" for i in range(1, workers + 1)]
    hosts = "\n".join(f"  - {{name: {n}, address: 10.0.0.{i + 1}, internalAddress: "
                      f"10.0.0.{i + 1}}}" for i, n in enumerate(names))
    etcd_names = names[:etcd if etcd is not None else masters]
    group = lambda ms: "".join(f"\n    - {m}" for m in ms) or " []"  # noqa: E731
    text = f"""apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata: {{name: t}}
spec:
  hosts:
{hosts}
  roleGroups:
    etcd:{group(etcd_names)}
    control-plane:{group(names[:masters])}
    worker:{group(names[masters:])}
  controlPlaneEndpoint:
    domain: lb.kubesphere.local
    {endpoint}
    {"internalLoadbalancer: " + ilb if ilb else ""}
    port: 6443
"""
    return ClusterDocument.from_text(text, source="t.yaml").model()


def run(check_id: str, m: ClusterModel, facts: Facts) -> list[tuple[str, str, str]]:
    return [(r.target, r.status, r.detail) for r in REGISTRY[check_id].run(m, facts)]


def etcd_facts(m: ClusterModel, healthy: list[bool], leaders: list[int] | None = None,
               db: int = 1 << 20) -> Facts:
    hosts = m.etcd_hosts
    health = [{"endpoint": f"https://{h.internal_ipv4}:2379", "health": ok,
               **({} if ok else {"error": "context deadline exceeded"})}
              for h, ok in zip(hosts, healthy, strict=True)]
    status = [{"Endpoint": f"https://{h.internal_ipv4}:2379",
               "Status": {"header": {"member_id": i + 1}, "leader": (leaders or [1] * 9)[i],
                          "dbSize": db, "dbSizeInUse": db}}
              for i, h in enumerate(hosts) if healthy[i]]
    members = {"members": [{"name": h.name} for h in hosts]}
    return Facts(etcd=RemoteFacts("m1", parsed={"etcd-health": health, "etcd-status": status,
                                                 "etcd-members": members}), now=NOW)


@pytest.mark.parametrize(("members", "healthy", "status", "words"), [
    (3, 3, "pass", "can lose 1 member"),
    (3, 2, "warn", "one more loss stops the cluster"),
    (3, 1, "fail", "no quorum"),
    (5, 4, "warn", "1 more loss allowed"),
    (5, 3, "warn", "one more loss"),
    (5, 2, "fail", "no quorum"),
    (1, 1, "warn", "no member can be lost"),
])
def test_quorum_arithmetic(members: int, healthy: int, status: str, words: str) -> None:
    m = model(masters=members)
    flags = [True] * healthy + [False] * (members - healthy)
    [(_, got, detail)] = run("etcd-quorum", m, etcd_facts(m, flags))
    assert got == status and words in detail


def test_leader_agreed_missing_and_disputed() -> None:
    m = model()
    assert run("etcd-leader", m, etcd_facts(m, [True] * 3, [2, 2, 2]))[0][1:] == (
        "pass", "leader: m2")
    assert run("etcd-leader", m, etcd_facts(m, [True] * 3, [0, 0, 0]))[0][1] == "fail"
    assert run("etcd-leader", m, etcd_facts(m, [True] * 3, [1, 2, 2]))[0][1] == "warn"


def test_db_size_thresholds() -> None:
    m = model()
    assert {s for _, s, _ in run("etcd-db-size", m, etcd_facts(m, [True] * 3, db=1 << 30))} \
        == {"pass"}
    assert {s for _, s, _ in run("etcd-db-size", m,
                                 etcd_facts(m, [True] * 3, db=int(1.7 * (1 << 30))))} == {"warn"}
    assert {s for _, s, _ in run("etcd-db-size", m,
                                 etcd_facts(m, [True] * 3, db=int(1.95 * (1 << 30))))} == {"fail"}


def test_members_missing_extra_and_unstarted() -> None:
    m = model()
    facts = etcd_facts(m, [True] * 3)
    assert facts.etcd is not None
    facts.etcd.parsed["etcd-members"] = {"members": [{"name": "m1"}, {"name": "old"}, {}]}
    [(_, status, detail)] = run("etcd-members", m, facts)
    assert status == "fail"
    assert "not members: m2, m3" in detail and "old" in detail and "never started" in detail


def hosts_facts(m: ClusterModel, server: str, entry: str, **per_host: HostFacts) -> Facts:
    out = {}
    for h in m.hosts:
        out[h.name] = per_host.get(h.name) or HostFacts(
            h.name, m.roles_of(h.name),
            kubelet_server=Section(f"    server: {server}", "", 0),
            hosts_entry=Section(entry, "", 0) if entry else Section("", "", 1))
    return Facts(hosts=out, now=NOW)


def test_kubelet_endpoint_for_each_design() -> None:
    ext = model()
    facts = hosts_facts(ext, "https://lb.kubesphere.local:6443", "10.0.0.100 lb.kubesphere.local")
    assert {s for _, s, _ in run("kubelet-endpoint", ext, facts)} == {"pass"}
    facts = hosts_facts(ext, "https://10.0.0.1:6443", "")
    assert {s for _, s, _ in run("kubelet-endpoint", ext, facts)} == {"fail"}
    # internal haproxy: workers go through their local haproxy, masters to themselves
    ilb = model(endpoint="address: \"\"", ilb="haproxy")
    assert endpoint_address(ilb) == "10.0.0.1"
    facts = hosts_facts(ilb, "https://lb.kubesphere.local:6443", "127.0.0.1 lb.kubesphere.local")
    results = {t: s for t, s, _ in run("kubelet-endpoint", ilb, facts)}
    assert results["w1"] == "pass" and results["m2"] == "fail"
    # no load balancer at all: kk's design, passes but says it is not HA
    none = model(endpoint="address: \"\"")
    facts = hosts_facts(none, "https://lb.kubesphere.local:6443", "10.0.0.1 lb.kubesphere.local")
    assert all(s == "pass" and "not highly available" in d
               for _, s, d in run("kubelet-endpoint", none, facts))


def test_unreachable_hosts_are_errors_for_host_checks() -> None:
    m = model()
    facts = hosts_facts(m, "https://lb.kubesphere.local:6443", "10.0.0.100 lb.kubesphere.local",
                        w1=HostFacts("w1", ("worker",), error="connection refused"))
    results = {t: (s, d) for t, s, d in run("kubelet-endpoint", m, facts)}
    assert results["w1"][0] == "error" and "connection refused" in results["w1"][1]


def test_certificate_thresholds_include_cas() -> None:
    m = model(masters=1, workers=0)
    soon = lambda days: NOW + dt.timedelta(days=days)  # noqa: E731
    for days, status in ((400, "pass"), (29, "warn"), (6, "fail"), (-1, "fail")):
        hf = HostFacts("m1", m.roles_of("m1"), certs=(
            CertInfo("/etc/kubernetes/pki/apiserver.crt", "CN=a", soon(300)),
            CertInfo("/etc/ssl/etcd/ssl/ca.pem", "CN=etcd-ca", soon(days), is_ca=True)))
        [(_, got, detail)] = run("certs", m, Facts(hosts={"m1": hf}, now=NOW))
        assert got == status, (days, detail)
        if status != "pass":
            assert "/etc/ssl/etcd/ssl/ca.pem" in detail
    expired = HostFacts("m1", ("control-plane",), certs=(
        CertInfo("/etc/kubernetes/pki/ca.crt", "CN=k", soon(-2)),))
    assert "EXPIRED" in run("certs", m, Facts(hosts={"m1": expired}, now=NOW))[0][2]


def test_time_skew_thresholds() -> None:
    m = model(masters=2, workers=0)
    for offsets, status in (((0.0, 0.3), "pass"), ((0.0, 2.0), "warn"), ((-20.0, 20.0), "fail")):
        facts = Facts(hosts={n: HostFacts(n, (), clock_offset=o)
                             for n, o in zip(("m1", "m2"), offsets, strict=True)}, now=NOW)
        assert run("time", m, facts)[0][1] == status


def test_pods_succeeded_jobs_are_fine_pending_and_unready_are_named() -> None:
    m = model()
    pods = {"items": [
        {"metadata": {"name": "job-x"}, "status": {"phase": "Succeeded"}},
        {"metadata": {"name": "calico-node-a"}, "status": {"phase": "Running",
         "containerStatuses": [{"name": "calico-node", "ready": False}]}},
        {"metadata": {"name": "coredns-1"}, "status": {"phase": "Pending", "containerStatuses": [
            {"name": "coredns", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}]}
    facts = Facts(cluster=RemoteFacts("m1", parsed={"pods": pods}), now=NOW)
    [(_, status, detail)] = run("system-pods", m, facts)
    assert status == "fail" and "2 of 3" in detail
    assert "coredns-1 (ImagePullBackOff)" in detail and "calico-node-a" in detail
    assert "job-x" not in detail


def test_sections_and_certs_parse_and_survive_truncation() -> None:
    text = ("noise\n@@kkui-begin a\nline1\nline2\n@@kkui-stderr a\nwarn\n@@kkui-end a 0\n"
            "@@kkui-begin b\n@@cert /x.pem\n-----BEGIN\n@@cert /y.crt\nZ\n@@kkui-stderr b\n"
            "@@kkui-end b 3\n@@kkui-begin cut\npartial")
    sections = parse_sections(text)
    assert sections.get("a") == Section("line1\nline2", "warn", 0)
    b = sections.get("b")
    assert b is not None and b.rc == 3 and b.why() == "exit status 3"
    assert parse_certs(b.stdout) == [("/x.pem", "-----BEGIN"), ("/y.crt", "Z")]
    assert sections.get("cut") is None


def test_dns_wire_round_trip() -> None:
    query = build_query("kubernetes.default.svc.cluster.local", qid=7)
    reply = (query[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + query[12:]
             + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x1e\x00\x04\x0a\xe9\x00\x01")
    od = " ".join(f"{b:02x}" for b in reply)
    assert parse_answer(from_od(od)) == (0, ["10.233.0.1"])
    with pytest.raises(ValueError):
        parse_answer(query)   # a query is not an answer


def test_every_check_is_declared_once_with_reads_known_to_the_engine() -> None:
    known = {"hosts", "cluster", "etcd", "dns", "lb"}
    for check in REGISTRY.values():
        assert check.id and check.title and set(check.reads) <= known, check.id
    assert len(REGISTRY) == len({c.id for c in REGISTRY.values()})


def test_a_verify_run_records_failures_and_every_hosts_certificate_row() -> None:
    """CLI, TUI, install resume and the day-2 flows record the same findings: failed and
    unrunnable checks, and the `certs` row of each host whatever its status (what the handover
    report's certificate calendar reads)."""
    from kkui.core.verify.report import VerifyReport, VerifyResult

    report = VerifyReport((
        VerifyResult("etcd-health", "cluster", "pass", "3/3 healthy"),
        VerifyResult("nodes-ready", "cluster", "fail", "node3 NotReady"),
        VerifyResult("dns", "cluster", "error", "timed out"),
        VerifyResult("certs", "master1", "pass", "earliest apiserver.crt in 300 days"),
        VerifyResult("certs", "master2", "warn", "etcd admin cert in 20 days"),
    ))
    assert report.findings() == [
        "nodes-ready cluster fail: node3 NotReady", "dns cluster error: timed out",
        "certs master1 pass: earliest apiserver.crt in 300 days",
        "certs master2 warn: etcd admin cert in 20 days"]
