"""Evidence from the hosts where kk failed, gathered over SSH, read-only and bounded.

After a failure the kk log often says only "timed out waiting for the condition"; the reason is
on the host (kubelet's journal, a crashed container, a full /var, a port taken, a clock off).
This module runs one read-only script per failed host (one SSH round trip) with every command
under ``timeout`` and every output cut to a few KiB, and turns what it finds into lines the
triage signatures match (``Triage.feed_evidence``).  Nothing here changes a host.

The items are declared once in :data:`EVIDENCE_ITEMS`; the bundle stores the same items.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kkui.i18n import L_

if TYPE_CHECKING:
    from kkui.core.config.model import ClusterModel, Host

ITEM_TIMEOUT_S = 10      # each command on the host
ITEM_MAX_BYTES = 16384   # of output kept per command
CONNECT_TIMEOUT_S = 5.0
MAX_HOSTS = 10           # failed hosts visited (the first ones kk named)
CLOCK_SKEW_S = 30        # more than this between a host and this machine is reported
DISK_FULL_PCT = 95
CLUSTER_PORTS = (2379, 2380, 6443, 10250, 10257, 10259)


@dataclass(frozen=True)
class EvidenceItem:
    name: str
    title: str
    command: str  # POSIX sh; may use {domain}


EVIDENCE_ITEMS: tuple[EvidenceItem, ...] = (
    EvidenceItem("journal", "journal of kubelet, containerd, etcd, docker (last 2 h)",
                 "journalctl -u kubelet -u containerd -u etcd -u docker --since '-2h' "
                 "--no-pager -o short-iso 2>&1 | tail -n 150"),
    EvidenceItem("containers", "crictl ps -a", "crictl ps -a 2>&1 | head -n 60"),
    EvidenceItem("ports", "listeners on the cluster ports",
                 "ss -ltnp 2>&1 | grep -E ':(" + "|".join(map(str, CLUSTER_PORTS)) + r")\b'"
                 " || echo 'no listener on " + " ".join(map(str, CLUSTER_PORTS)) + "'"),
    EvidenceItem("disk", "df -h /var /", "df -h /var / 2>&1"),
    EvidenceItem("clock", "clock (UTC seconds)", "date -u +%s"),
    # KKUI_PRECHECK_ROOT: the same test-lab file root the precheck gather script honours
    EvidenceItem("hosts", "/etc/hosts entry of the control-plane domain",
                 "grep -F -w -- {domain} \"${{KKUI_PRECHECK_ROOT:-}}/etc/hosts\" "
                 "|| echo '{domain} is not in /etc/hosts'"),
    # kk runs kubeadm over SSH and keeps its output only in kk's log; on the host the journal
    # is the one place a kubeadm error may still be (kubelet logs what kubeadm asked for)
    EvidenceItem("kubeadm", "kubeadm's last error (from the journal)",
                 "journalctl --no-pager -n 3000 2>/dev/null | grep -E "
                 "'error execution phase|\\[ERROR |kubeadm.*(error|failed)' | tail -n 5"),
)

HOST_TIMEOUT_S = ITEM_TIMEOUT_S * len(EVIDENCE_ITEMS) + 10.0  # the whole script on one host
# and all of it, login-script noise included: a chatty host cannot fill kkui's memory
HOST_MAX_BYTES = ITEM_MAX_BYTES * len(EVIDENCE_ITEMS) + 65536
_MARK = "===kkui-evidence:"


@dataclass
class HostEvidence:
    host: str
    address: str = ""
    items: dict[str, str] = field(default_factory=dict)
    derived: list[str] = field(default_factory=list)  # lines kkui concluded (clock, disk)
    error: str = ""

    @property
    def text(self) -> str:
        """Everything gathered, as lines the signatures can match."""
        parts = [*self.derived]
        for name, out in self.items.items():
            parts.extend(f"[{name}] {line}" for line in out.splitlines() if line.strip())
        return "\n".join(parts)

    @property
    def notes(self) -> list[str]:
        return [L_("{host}: evidence not collected: {error}", host=self.host,
                   error=self.error)] if self.error else []


def evidence_script(domain: str) -> str:
    quoted = shlex.quote(domain)
    lines = ["export LC_ALL=C"]
    for item in EVIDENCE_ITEMS:
        command = item.command.format(domain=quoted)
        lines.append(f"echo '{_MARK}{item.name}==='")
        lines.append(f"timeout {ITEM_TIMEOUT_S} sh -c {shlex.quote(command)} 2>&1 "
                     f"| head -c {ITEM_MAX_BYTES}")
    return "\n".join(lines) + "\n"


def parse_output(stdout: str) -> dict[str, str]:
    items: dict[str, str] = {}
    name = None
    for line in stdout.splitlines():
        if line.startswith(_MARK) and line.endswith("==="):
            name = line[len(_MARK):-3]
            items[name] = ""
        elif name is not None:
            items[name] += line + "\n"
    return items


_DF_LINE = re.compile(r"^\S+\s+\S+\s+\S+\s+\S+\s+(\d+)%\s+(\S+)\s*$")


def derive(host: str, items: dict[str, str], local_time: float) -> list[str]:
    """Conclusions from raw output, worded so the triage signatures match them."""
    found: list[str] = []
    clock = items.get("clock", "").strip()
    if clock.isdigit():
        skew = int(clock) - int(local_time)
        if abs(skew) > CLOCK_SKEW_S:
            found.append(f"clock skew: {host} differs from this machine by {abs(skew)} s "
                         f"({'ahead' if skew > 0 else 'behind'})")
    for line in items.get("disk", "").splitlines():
        df = _DF_LINE.match(line)
        if df and int(df.group(1)) >= DISK_FULL_PCT:
            found.append(f"disk full: {df.group(2)} on {host} is {df.group(1)}% used")
    return found


def collect_host(host: Host, domain: str, timeout: float = HOST_TIMEOUT_S) -> HostEvidence:
    from kkui.core.errors import KkuiError, message_of
    from kkui.core.ssh.errors import SudoFailed, SudoPasswordRequired
    from kkui.core.ssh.session import connect

    result = HostEvidence(host.name, host.address)
    try:
        with connect(host, connect_timeout=CONNECT_TIMEOUT_S) as session:
            started = time.time()
            try:
                res = session.run(evidence_script(domain), sudo=True, timeout=timeout,
                                  max_output=HOST_MAX_BYTES)
            except (SudoFailed, SudoPasswordRequired):
                # the journal of system units needs root (or the systemd-journal group): say so
                result.derived.append(f"note: no sudo on {host.name}: the journal and crictl "
                                      "output may be empty")
                res = session.run(evidence_script(domain), timeout=timeout,
                                  max_output=HOST_MAX_BYTES)
            local = (started + time.time()) / 2
    except KkuiError as exc:
        message = message_of(exc)  # an L_ message stays one: shown translated
        result.error = message if isinstance(message, L_) and "\n" not in message else \
            (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return result
    except OSError as exc:
        result.error = f"{type(exc).__name__}: {exc.strerror or exc}"
        return result
    result.items = parse_output(res.stdout)
    result.derived += derive(host.name, result.items, local)
    if not result.items:
        result.error = (res.stderr.strip().splitlines() or ["no output"])[0][:200]
    return result


def target_hosts(model: ClusterModel, failed: Sequence[str]) -> tuple[list[Host], list[str]]:
    """Config hosts for the failed names (kk names hosts by name; kk v1 by address)."""
    hosts: list[Host] = []
    notes: list[str] = []
    for name in failed:
        if name.lower() == "localhost":
            continue  # kk's own machine: the log already says what happened there
        host = next((h for h in model.hosts if name in (h.name, h.address,
                                                           h.internal_address)), None)
        if host is None:
            notes.append(L_("{name}: not in the config's spec.hosts; no evidence collected",
                            name=name))
        elif host not in hosts:
            hosts.append(host)
    if len(hosts) > MAX_HOSTS:
        notes.append(L_("evidence collected from the first {count} of {total} failed hosts",
                        count=MAX_HOSTS, total=len(hosts)))
        hosts = hosts[:MAX_HOSTS]
    return hosts, notes


@dataclass
class EvidenceRun:
    hosts: list[HostEvidence]
    notes: list[str]  # hosts not visited or not reachable, one line each


def collect_evidence(model: ClusterModel, failed: Iterable[str], *,
                     budget_s: float | None = None) -> EvidenceRun:
    """Evidence from every failed host, in parallel; connection problems become notes.
    ``budget_s`` bounds the whole run: every host at once, each script cut to what is left
    after the connect (after an install the operator is waiting, kkui/core/install/evidence.py)."""
    hosts, notes = target_hosts(model, list(failed))
    domain = model.control_plane_endpoint.domain or "lb.kubesphere.local"
    timeout = HOST_TIMEOUT_S if budget_s is None else max(1.0, budget_s - CONNECT_TIMEOUT_S)
    results: list[HostEvidence] = []
    if hosts:
        workers = len(hosts) if budget_s is not None else min(8, len(hosts))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda h: collect_host(h, domain, timeout), hosts))
    for item in results:
        notes.extend(item.notes)
    return EvidenceRun(results, notes)
