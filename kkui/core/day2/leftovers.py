"""What ``kk delete cluster`` leaves behind, found read-only over SSH, with the commands that
clean it up (issue #15).

kk's delete (kk v3.1.12 cmd/kk/pkg/pipelines/delete_cluster.go:35-42) runs ``kubeadm reset``,
removes its own files and resets iptables, but without ``--all`` it keeps the container runtime
and its containers (delete_cluster.go:39, ``UninstallContainerModule{Skip: !DeleteCRI}``), and a
host that kk could not reach keeps everything.  The next ``kk create cluster`` then fails on a
non-empty ``/var/lib/etcd``, a running kubelet's ports, a stale CNI interface with the old pod
CIDR, or — on this machine — kk's own ``./kubekey/pki``: kk reuses the etcd certificates it
generated there, whose IP SANs no longer match after an address change (kubekey#2112).

Each leftover kind is declared once (:data:`PROBES`): the read-only probe, what it means and the
cleanup command for the items it found.  ``KKUI_PRECHECK_ROOT`` prefixes the paths read, as for
precheck and verify (the test lab's hosts share one machine).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kkui.core.config.model import ClusterModel
from kkui.core.sanitize import for_display
from kkui.core.ssh import KnownHosts, SshClientPool, SshError, SshSession, connect
from kkui.core.verify import gather
from kkui.core.verify.engine import _one_line, run_script
from kkui.i18n import L_, N_

DIRS = ("/var/lib/etcd", "/etc/kubernetes", "/var/lib/kubelet", "/etc/cni/net.d",
        "/var/lib/calico", "/etc/ssl/etcd")
INTERFACES = ("cali*", "flannel*", "cni0", "tunl0", "vxlan.calico", "kube-ipvs0")
MAX_ITEMS = 50  # a host with thousands of iptables rules reports a count, not every rule


@dataclass(frozen=True)
class Probe:
    id: str
    what: str  # what a finding means, for the operator (N_: shown with _())
    script: str  # prints one item per line; nothing when clean (a missing tool is clean)
    cleanup: Callable[[Sequence[str]], str]  # the command for the items found


def _interfaces_pattern() -> str:
    return "|".join(p.replace(".", r"\.").replace("*", ".*") for p in INTERFACES)


PROBES: tuple[Probe, ...] = (
    Probe("containers", N_("containers still exist (kk delete keeps the runtime without "
                           "--all)"),
          'if command -v crictl >/dev/null; then crictl ps -a -q 2>/dev/null; '
          'elif command -v docker >/dev/null; then docker ps -a -q 2>/dev/null; fi | '
          f'head -n {MAX_ITEMS}',
          lambda _items: "crictl rm -af 2>/dev/null || docker rm -f $(docker ps -aq)"),
    Probe("directories", N_("cluster data left on disk (a non-empty /var/lib/etcd stops the "
                            "next install's etcd)"),
          "for d in " + " ".join(DIRS) + '; do [ -e "$R$d" ] && echo "$d"; done; true',
          lambda items: "rm -rf " + " ".join(shlex.quote(i) for i in items)),
    Probe("interfaces", N_("CNI network interfaces (they keep the old pod network's routes)"),
          "command -v ip >/dev/null || exit 0; ip -o link show | "
          "awk -F': ' '{print $2}' | sed 's/@.*//' | "
          f"grep -E '^({_interfaces_pattern()})$' | head -n {MAX_ITEMS}; true",
          lambda items: "; ".join(f"ip link delete {shlex.quote(i)}" for i in items)),
    Probe("iptables", N_("iptables rules of kube-proxy/CNI (KUBE-* chains)"),
          "command -v iptables-save >/dev/null || exit 0; "
          "n=$(iptables-save 2>/dev/null | grep -c -E '^:KUBE-|-j KUBE-'); "
          '[ "${n:-0}" -gt 0 ] && echo "$n KUBE-* rules/chains"; true',
          lambda _items: "iptables -F && iptables -t nat -F && iptables -t mangle -F && "
          "iptables -X && iptables -t nat -X && iptables -t mangle -X"),
    Probe("ipvs", N_("IPVS virtual servers of kube-proxy"),
          "command -v ipvsadm >/dev/null || exit 0; "
          "n=$(ipvsadm -Ln 2>/dev/null | grep -c -E '^(TCP|UDP)'); "
          '[ "${n:-0}" -gt 0 ] && echo "$n virtual servers"; true',
          lambda _items: "ipvsadm --clear"),
)


@dataclass(frozen=True)
class Finding:
    id: str
    what: str
    items: tuple[str, ...]
    cleanup: str

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "what": self.what, "items": list(self.items),
                "cleanup": self.cleanup}


@dataclass(frozen=True)
class HostLeftovers:
    host: str
    address: str
    findings: tuple[Finding, ...] = ()
    error: str | None = None  # not scanned: why

    def as_dict(self) -> dict[str, object]:
        return {"host": self.host, "address": self.address,
                "findings": [f.as_dict() for f in self.findings], "error": self.error}


@dataclass(frozen=True)
class LeftoverReport:
    hosts: tuple[HostLeftovers, ...]
    local: tuple[Finding, ...] = field(default=())  # on this machine: the workdir

    @property
    def clean(self) -> bool:
        return not self.local and all(not h.findings and not h.error for h in self.hosts)

    def as_dict(self) -> dict[str, object]:
        return {"clean": self.clean, "hosts": [h.as_dict() for h in self.hosts],
                "local": [f.as_dict() for f in self.local]}


def scan_script() -> str:
    return gather.PRELUDE + "".join(gather.section(p.id, p.script) for p in PROBES)


def parse_scan(sections: gather.Sections) -> tuple[list[Finding], list[str]]:
    """(findings; probes whose section is missing, i.e. output cut off)."""
    findings, missing = [], []
    for probe in PROBES:
        sec = sections.get(probe.id)
        if sec is None:
            missing.append(probe.id)
            continue
        items = tuple(for_display(ln.strip(), newlines=False)[:200]
                      for ln in sec.stdout.splitlines() if ln.strip())
        if items:
            findings.append(Finding(probe.id, probe.what, items, probe.cleanup(items)))
    return findings, missing


def local_leftovers(workdir: Path) -> list[Finding]:
    """kk's generated certificates in WORKDIR/kubekey/pki: reused by the next install even when
    the hosts' addresses changed (kubekey#2112)."""
    pki = workdir / "kubekey" / "pki"
    if not pki.exists():
        return []
    return [Finding("kk-pki", N_("kk's generated certificates in the workdir: the next "
                                 "install reuses them, with the old IP addresses "
                                 "(kubekey#2112)"), (str(pki),),
                    f"rm -rf {shlex.quote(str(pki))}")]


def scan_leftovers(model: ClusterModel, workdir: Path | None = None, *, timeout: float = 30.0,
                   strict_host_keys: bool = False, known_hosts: KnownHosts | None = None,
                   connector: Callable[..., SshSession] = connect) -> LeftoverReport:
    """Every host of the config, in parallel, read-only; an unreachable host is an error row
    (it is the host most likely to keep everything)."""
    sessions = SshClientPool(known_hosts=known_hosts, strict_host_keys=strict_host_keys,
                             connect_timeout=min(5.0, timeout), remember_failures=True,
                             connector=connector)
    script = scan_script()

    def one(host: object) -> HostLeftovers:
        from kkui.core.config.model import Host

        assert isinstance(host, Host)
        try:
            sections = run_script(sessions.get(host), script, timeout)
        except SshError as exc:
            return HostLeftovers(host.name, host.address, error=_one_line(exc))
        findings, missing = parse_scan(sections)
        error = L_("scan cut off before: {sections}", sections=", ".join(missing)) \
            if missing else None
        return HostLeftovers(host.name, host.address, tuple(findings), error)

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            hosts = tuple(pool.map(one, model.hosts))
    finally:
        sessions.close_all()
    local = tuple(local_leftovers(workdir)) if workdir is not None else ()
    return LeftoverReport(hosts, local)
