"""Read-only shell scripts that collect what the verify checks need, and their parsers.

One script per host (clock, the kubelet's API server, the ``/etc/hosts`` line of the
control-plane domain, certificates, the local apiserver's ``/readyz``), one per cluster (nodes,
kube-system pods and services, ``/readyz`` through the endpoint, from a control-plane node with
kk's admin kubeconfig) and one for etcd (``etcdctl`` API v3 with kk's certificates, from an etcd
node).  Everything runs as root (sudo, as kk does) and only reads.

Paths are kk v3.1.12's: ``/usr/local/bin/{kubectl,etcdctl}``, ``/root/.kube/config`` (kk:
cmd/kk/pkg/kubernetes/tasks.go copies admin.conf there), ``/etc/kubernetes/kubelet.conf``,
``/etc/kubernetes/pki/*.crt``, ``/etc/ssl/etcd/ssl/{ca,admin-<name>}.pem`` (kk:
cmd/kk/pkg/etcd/certs.go).  ``KKUI_PRECHECK_ROOT`` prefixes the files read, as for precheck
(the test lab's hosts share one machine).

Output sections: ``@@kkui-begin NAME`` … stdout … ``@@kkui-stderr NAME`` … stderr tail …
``@@kkui-end NAME RC``.  Each section's stdout is capped (a hostile or broken host cannot make
kkui hold unbounded output).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from kkui.i18n import L_

SECTION_LIMIT = 2 * 1024 * 1024
CERT_LIMIT = 64 * 1024
KUBECONFIG = "/root/.kube/config"
ETCD_SSL = "/etc/ssl/etcd/ssl"

PRELUDE = f"""\
export LC_ALL=C
export PATH="$PATH:/usr/local/bin:/usr/bin:/bin"
export R="${{KKUI_PRECHECK_ROOT:-}}"
KKUI_ERR=$(mktemp 2>/dev/null || echo /tmp/kkui-verify.$$)
trap 'rm -f "$KKUI_ERR"' EXIT
kc() {{ if [ -r "$R{KUBECONFIG}" ]; then echo "$R{KUBECONFIG}"; \
else echo "$R/etc/kubernetes/admin.conf"; fi; }}
export -f kc
sec() {{
  local name=$1; shift
  printf '\\n@@kkui-begin %s\\n' "$name"
  "$@" 2>"$KKUI_ERR" | head -c {SECTION_LIMIT}
  local rc=${{PIPESTATUS[0]}}
  printf '\\n@@kkui-stderr %s\\n' "$name"
  tail -c 2000 "$KKUI_ERR"
  printf '\\n@@kkui-end %s %s\\n' "$name" "$rc"
}}
"""


def section(name: str, command: str) -> str:
    return f"sec {name} /bin/bash -c {shlex.quote(command)}\n"


def kubectl(args: str, server: str | None = None) -> str:
    srv = f" --server {shlex.quote(server)}" if server else ""
    return f'kubectl --kubeconfig "$(kc)"{srv} --request-timeout=5s {args}'


def host_script(*, domain: str, own_api: str | None, certs: bool) -> str:
    """Per host: clock, kubelet's server, /etc/hosts entry, certificates, local /readyz."""
    parts = [PRELUDE, section("clock", "date +%s.%N")]
    parts.append(section("kubelet-server",
                      "grep -m1 -E '^[[:space:]]*server:' \"$R/etc/kubernetes/kubelet.conf\""))
    parts.append(section("hosts-entry",
                      f"grep -v '^[[:space:]]*#' \"$R/etc/hosts\" | grep -F -w -- "
                      f"{shlex.quote(domain)}"))
    if certs:
        parts.append(section("certs", (
            f'for f in "$R"/etc/kubernetes/pki/*.crt "$R"{ETCD_SSL}/*.pem; do '
            '[ -f "$f" ] || continue; case "$f" in *-key.pem) continue;; esac; '
            'printf "@@cert %s\\n" "${f#"$R"}"; '
            f'head -c {CERT_LIMIT} "$f"; echo; done')))
    if own_api:
        parts.append(section("readyz", kubectl("get --raw /readyz", server=own_api)))
    return "".join(parts)


def cluster_script(*, endpoint: str | None) -> str:
    """From one control-plane node: nodes, kube-system pods and services, /readyz via endpoint."""
    parts = [PRELUDE,
             section("nodes", kubectl("get --raw /api/v1/nodes")),
             section("pods", kubectl("get --raw /api/v1/namespaces/kube-system/pods")),
             section("services", kubectl("get --raw /api/v1/namespaces/kube-system/services"))]
    if endpoint:
        parts.append(section("endpoint-readyz", kubectl("get --raw /readyz", server=endpoint)))
    return "".join(parts)


def etcd_script(*, node_name: str, endpoints: list[str]) -> str:
    """From one etcd node, with its admin certificate (kk's health check uses the same files)."""
    ssl = f'"$R"{ETCD_SSL}'
    base = (f"ETCDCTL_API=3 etcdctl --endpoints={shlex.quote(','.join(endpoints))} "
            f"--cacert {ssl}/ca.pem --cert {ssl}/admin-{shlex.quote(node_name)}.pem "
            f"--key {ssl}/admin-{shlex.quote(node_name)}-key.pem "
            "--dial-timeout=2s --command-timeout=3s")
    return "".join([PRELUDE,
                    section("etcd-health", f"{base} endpoint health -w json"),
                    section("etcd-status", f"{base} endpoint status -w json"),
                    section("etcd-members", f"{base} member list -w json")])


def dns_script(server_ip: str, query: bytes) -> str:
    """Send one DNS query over UDP with bash's /dev/udp (no dig/nslookup on kk's nodes)."""
    packed = "".join(f"\\x{b:02x}" for b in query)
    # printf may write in several chunks (several datagrams): stage the query in a file and
    # send it with one write of dd
    cmd = (f"q=$(mktemp) && printf '{packed}' > \"$q\" && "
           f"exec 3<>/dev/udp/{shlex.quote(server_ip)}/53 && "
           "dd if=\"$q\" bs=4096 count=1 >&3 2>/dev/null && rm -f \"$q\" && "
           "timeout 3 dd bs=4096 count=1 <&3 2>/dev/null | od -An -tx1 -v")
    return PRELUDE + section("dns", cmd)


@dataclass(frozen=True)
class Section:
    stdout: str
    stderr: str
    rc: int

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def why(self) -> str:
        """The last line of stderr, else the exit status: for a one-line error detail."""
        lines = [ln for ln in self.stderr.strip().splitlines() if ln.strip()]
        return lines[-1].strip()[:300] if lines else L_("exit status {rc}", rc=self.rc)


@dataclass
class Sections:
    by_name: dict[str, Section] = field(default_factory=dict)

    def get(self, name: str) -> Section | None:
        return self.by_name.get(name)


def parse_sections(text: str) -> Sections:
    """Split a script's output into its sections; a section cut off has no entry."""
    out = Sections()
    name: str | None = None
    part = "stdout"
    buf: dict[str, list[str]] = {"stdout": [], "stderr": []}
    for line in text.split("\n"):
        if line.startswith("@@kkui-begin "):
            name, part, buf = line.split(" ", 1)[1], "stdout", {"stdout": [], "stderr": []}
        elif line.startswith("@@kkui-stderr ") and name:
            part = "stderr"
        elif line.startswith("@@kkui-end ") and name:
            fields = line.split()
            rc = int(fields[2]) if len(fields) > 2 and fields[2].lstrip("-").isdigit() else -1
            out.by_name[name] = Section("\n".join(buf["stdout"]).strip("\n"),
                                        "\n".join(buf["stderr"]).strip("\n"), rc)
            name = None
        elif name:
            buf[part].append(line)
    return out


def parse_certs(text: str) -> list[tuple[str, str]]:
    """``@@cert PATH`` blocks → (path, PEM text)."""
    certs: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        if line.startswith("@@cert "):
            certs.append((line[7:].strip(), []))
        elif certs:
            certs[-1][1].append(line)
    return [(path, "\n".join(lines)) for path, lines in certs]
