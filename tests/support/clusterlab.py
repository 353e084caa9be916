"""An installed-looking HA cluster on loopback, for ``kkui verify`` and ``kkui drill``.

What is real: every host is a real sshd (tests/support/sshlab.py) that kkui logs into; etcd is
a real 3-member TLS cluster (support/etcdlab.py) with kk's certificate layout; ``kubectl`` and
``etcdctl`` on the hosts are the machine's real binaries; the control-plane endpoint is a real
HAProxy (TCP, health-checked) on a loopback "VIP"; CoreDNS is a small real DNS server on UDP.
What stands in: each kube-apiserver is support/apiserver_standin.py (HTTPS, answers from a JSON
state file the test edits), and the hosts' ``systemctl``/``crictl`` are scripts writing files
that the lab's reconciler (a thread of the test process) turns into real process stops and
starts, as systemd and the kubelet would.  Each host's files at kk's paths live under its fake
root (``KKUI_PRECHECK_ROOT``): ``/etc/kubernetes/{kubelet.conf,pki/*.crt}``, ``/etc/hosts``,
``/root/.kube/config``, ``/etc/ssl/etcd/ssl/``.  Every address is in the sshlab's 127.B.C.0/24.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from support.etcdlab import EtcdLab
from support.pki import Ca
from support.sshlab import DEFAULT_TOOLS, LabHost, SshLab

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
STANDIN = Path(__file__).with_name("apiserver_standin.py")
DOMAIN = "lb.kubesphere.local"
NOT_READY_AFTER = 2.0   # the node controller's grace period (40 s), shortened for tests

SYSTEMCTL = r"""#!/bin/sh
# kkui cluster lab: systemctl stand-in (a unit's state is a file the lab reconciles)
S="$(dirname "$0")/../services"
cmd=$1; shift
unit=""; quiet=0
for a in "$@"; do
  case $a in --quiet|-q) quiet=1 ;; -*) ;; *) unit=${a%.service} ;; esac
done
settle() {  # like systemctl: return once the unit really is $1 (the lab reports it)
  n=0
  while [ $n -lt 150 ]; do
    [ "$(cat "$S/$unit.actual" 2>/dev/null || echo "$1")" = "$1" ] && return 0
    sleep 0.1; n=$((n + 1))
  done
  echo "systemctl stand-in: $unit did not become $1" >&2; return 1
}
case $cmd in
  stop) echo inactive > "$S/$unit"; settle inactive ;;
  start|restart) echo active > "$S/$unit"; settle active ;;
  is-active)
    st=$(cat "$S/$unit" 2>/dev/null || echo inactive)
    [ $quiet = 1 ] || echo "$st"
    [ "$st" = active ] ;;
  *) exit 0 ;;
esac
"""

CRICTL = r"""#!/bin/sh
# kkui cluster lab: crictl stand-in (only the kube-apiserver container exists)
S="$(dirname "$0")/../services"
case $1 in
  ps) [ "$(cat "$S/apiserver" 2>/dev/null)" = active ] && echo 3f1c0ffee0a1 ;;
  stop) echo inactive > "$S/apiserver" ;;
esac
exit 0
"""


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def _wrapper(real: str) -> str:
    return f'#!/bin/sh\nexec {real} "$@"\n'


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _kubeconfig(server: str, ca_pem: bytes, cert_pem: bytes, key_pem: bytes) -> str:
    return f"""apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {_b64(ca_pem)}
    server: {server}
  name: cluster.local
contexts:
- context:
    cluster: cluster.local
    user: kubernetes-admin
  name: kubernetes-admin@cluster.local
current-context: kubernetes-admin@cluster.local
kind: Config
preferences: {{}}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: {_b64(cert_pem)}
    client-key-data: {_b64(key_pem)}
"""


def _kubelet_conf(server: str, ca_pem: bytes) -> str:
    return f"""apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {_b64(ca_pem)}
    server: {server}
  name: cluster.local
contexts:
- context:
    cluster: cluster.local
    user: system:node
  name: system:node@cluster.local
current-context: system:node@cluster.local
kind: Config
users:
- name: system:node
  user:
    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem
    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem
"""


def _node(name: str, roles: list[str], ready: bool = True) -> dict[str, Any]:
    labels = {"kubernetes.io/hostname": name}
    for role in roles:
        labels[f"node-role.kubernetes.io/{role}"] = ""
    cond = {"type": "Ready", "status": "True" if ready else "Unknown",
            "reason": "KubeletReady" if ready else "NodeStatusUnknown",
            "message": "kubelet is posting ready status" if ready else
            "Kubelet stopped posting node status."}
    return {"metadata": {"name": name, "labels": labels}, "status": {"conditions": [cond]}}


def _pod(name: str, node: str, ready: bool = True, waiting: str = "") -> dict[str, Any]:
    status: dict[str, Any] = {"phase": "Running", "containerStatuses": [
        {"name": name.split("-")[0], "ready": ready,
         "state": {"waiting": {"reason": waiting}} if waiting else {"running": {}}}]}
    return {"metadata": {"name": name, "namespace": "kube-system"},
            "spec": {"nodeName": node}, "status": status}


class DnsServer:
    """Answers A queries for one name on UDP ``address:53`` (NXDOMAIN otherwise)."""

    def __init__(self, address: str, name: str, answer: str) -> None:
        self.address, self.name, self.answer = address, name, answer
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((self.address, 53))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except OSError:
                continue
            try:
                reply = self._reply(data)
            except (IndexError, UnicodeDecodeError):
                continue   # not a query this stand-in understands: no answer, as a server
            self._sock.sendto(reply, peer)

    def _reply(self, query: bytes) -> bytes:
        labels, pos = [], 12
        while query[pos]:
            labels.append(query[pos + 1:pos + 1 + query[pos]].decode())
            pos += 1 + query[pos]
        question = query[12:pos + 5]
        qid = query[:2]
        if ".".join(labels) != self.name:
            return qid + b"\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00" + question
        answer = (b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x1e\x00\x04"
                  + bytes(int(p) for p in self.answer.split(".")))
        return qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question + answer

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(2)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class ClusterLab:
    def __init__(self, sshlab: SshLab, work: Path, *, masters: int = 3, workers: int = 1,
                 prefix: str = "") -> None:
        self.ssh = sshlab
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        os.chmod(work, 0o755)
        self.master_names = [f"{prefix}master{i}" for i in range(1, masters + 1)]
        self.worker_names = [f"{prefix}worker{i}" for i in range(1, workers + 1)]
        stubs = {"kubectl": _wrapper(shutil.which("kubectl") or "/usr/bin/kubectl"),
                 "etcdctl": _wrapper(shutil.which("etcdctl") or "/usr/bin/etcdctl"),
                 "od": _wrapper(shutil.which("od") or "/usr/bin/od"),
                 "dd": _wrapper(shutil.which("dd") or "/bin/dd"),
                 "setsid": _wrapper(shutil.which("setsid") or "/usr/bin/setsid"),
                 "kill": _wrapper("/bin/kill"),
                 "systemctl": SYSTEMCTL, "crictl": CRICTL}
        self.hosts: dict[str, LabHost] = {
            h.name: h for h in sshlab.add_hosts(self.master_names + self.worker_names,
                                                tools=DEFAULT_TOOLS, stubs=stubs)}
        block = self.hosts[self.master_names[0]].address.rsplit(".", 1)[0]
        self.vip = f"{block}.{200 + len(sshlab.hosts) % 20}"
        self.dns_ip = f"{block}.{230 + len(sshlab.hosts) % 20}"
        self.state_path = work / "apiserver-state.json"
        self.state_lock = threading.RLock()   # the reconciler and the tests both edit it
        self.etcd = EtcdLab()
        self.k8s_ca = Ca("kubernetes")
        self.front_proxy_ca = Ca("front-proxy-ca")
        self.standins: dict[str, subprocess.Popen[bytes]] = {}
        self.haproxy: subprocess.Popen[bytes] | None = None
        self.dns = DnsServer(self.dns_ip, "kubernetes.default.svc.cluster.local", "10.233.0.1")
        self._reconciler: threading.Thread | None = None
        self._stop_reconciler = threading.Event()
        self._kubelet_down_since: dict[str, float] = {}
        self._kubelet_was: dict[str, str] = {}
        entry = pwd.getpwnam(sshlab.user)   # the sudo stand-in runs as the test user
        for name, host in self.hosts.items():
            services = host.dir / "services"
            services.mkdir(exist_ok=True)
            units = ["kubelet"] + (["etcd", "apiserver"] if name in self.master_names else [])
            for unit in units:
                (services / unit).write_text("active\n")
            run = host.root_dir / "run"   # /run: where the drill registers its restore
            run.mkdir(exist_ok=True)
            for path in [services, *services.iterdir(), run]:
                os.chown(path, entry.pw_uid, entry.pw_gid)

    # -- addresses and files ----------------------------------------------------------------
    def address(self, name: str) -> str:
        return self.hosts[name].address

    def _set(self, host: str, rel: str, text: str | bytes) -> None:
        root = self.hosts[host].root_dir
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in list(path.relative_to(root).parents)[:-1]:
            os.chmod(root / parent, 0o755)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        os.chmod(path, 0o644)

    def set_kubelet_server(self, host: str, server: str) -> None:
        self._set(host, "etc/kubernetes/kubelet.conf",
                  _kubelet_conf(server, self.k8s_ca.cert_pem))

    def set_hosts_entry(self, host: str, ip: str) -> None:
        self._set(host, "etc/hosts", f"127.0.0.1 localhost\n{ip} {DOMAIN}\n")

    def set_cert(self, host: str, rel: str, days: float) -> None:
        issued = self.k8s_ca.issue(rel.rsplit("/", 1)[-1], days=days)
        self._set(host, rel, issued.cert_pem)

    # -- state of the stand-ins -------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return json.loads(self.state_path.read_text())

    def write_state(self, state: dict[str, Any]) -> None:
        with self.state_lock:
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            os.replace(tmp, self.state_path)

    def node_ready(self, name: str) -> bool:
        node = next(n for n in self.state()["nodes"] if n["metadata"]["name"] == name)
        return bool(node["status"]["conditions"][0]["status"] == "True")

    def set_node_ready(self, name: str, ready: bool) -> None:
        with self.state_lock:
            state = self.state()
            for node in state["nodes"]:
                if node["metadata"]["name"] == name:
                    node.update(_node(name, self._roles(name), ready))
            self.write_state(state)

    def set_pod(self, name: str, ready: bool, waiting: str = "") -> None:
        with self.state_lock:
            state = self.state()
            state["pods"] = [_pod(name, p["spec"]["nodeName"], ready, waiting)
                             if p["metadata"]["name"] == name else p for p in state["pods"]]
            self.write_state(state)

    def set_apiserver_ready(self, name: str, ready: bool) -> None:
        with self.state_lock:
            state = self.state()
            state["apiservers"][name]["ready"] = ready
            self.write_state(state)

    def _roles(self, name: str) -> list[str]:
        return ["control-plane", "master"] if name in self.master_names else ["worker"]

    def _initial_state(self) -> dict[str, Any]:
        names = self.master_names + self.worker_names
        pods = [_pod(f"kube-apiserver-{m}", m) for m in self.master_names]
        pods += [_pod(f"kube-proxy-{n}", n) for n in names]
        pods += [_pod("coredns-5495dd7c88-7xk2p", self.master_names[0]),
                 _pod("coredns-5495dd7c88-q9z8m", self.master_names[-1])]
        return {"apiservers": {m: {"ready": True} for m in self.master_names},
                "nodes": [_node(n, self._roles(n)) for n in names],
                "pods": pods,
                "services": [
                    {"metadata": {"name": "coredns", "namespace": "kube-system"},
                     "spec": {"clusterIP": self.dns_ip, "ports": [{"port": 53}]}}],
                "configmaps": {}}

    # -- processes --------------------------------------------------------------------------
    def start(self) -> None:
        ips = tuple(self.address(m) for m in self.master_names) + (self.vip, "127.0.0.1")
        self.apiserver_cert = self.k8s_ca.issue("kube-apiserver", ips=ips,
                                                dns=(DOMAIN, "kubernetes", "localhost"))
        (self.work / "apiserver.pem").write_bytes(self.apiserver_cert.cert_pem)
        key = self.work / "apiserver-key.pem"
        key.write_bytes(self.apiserver_cert.key_pem)
        os.chmod(key, 0o600)
        admin = self.k8s_ca.issue("kubernetes-admin")
        self.write_state(self._initial_state())
        for name in self.master_names + self.worker_names:
            self.set_kubelet_server(name, f"https://{DOMAIN}:6443")
            self.set_hosts_entry(name, self.vip)
        for name in self.master_names:
            self._set(name, "root/.kube/config",
                      _kubeconfig(f"https://{self.vip}:6443", self.k8s_ca.cert_pem,
                                  admin.cert_pem, admin.key_pem))
            self._set(name, "etc/kubernetes/pki/ca.crt", self.k8s_ca.cert_pem)
            self._set(name, "etc/kubernetes/pki/front-proxy-ca.crt",
                      self.front_proxy_ca.cert_pem)
            self._set(name, "etc/kubernetes/pki/apiserver.crt", self.apiserver_cert.cert_pem)
            self.set_cert(name, "etc/kubernetes/pki/apiserver-kubelet-client.crt", 365)
            self.set_cert(name, "etc/kubernetes/pki/front-proxy-client.crt", 365)
            self.etcd.add(name, self.address(name), self.hosts[name].root_dir, self.work)
            entry = pwd.getpwnam(self.ssh.user)   # kkui's etcd restore runs as the test user
            for rel in ("var", "var/lib"):
                os.chmod(self.hosts[name].root_dir / rel, 0o755)
            os.chown(self.hosts[name].root_dir / "var" / "lib", entry.pw_uid, entry.pw_gid)
        self.etcd.start()
        for name in self.master_names:
            self.start_apiserver(name)
        self._start_haproxy()
        self.dns.start()
        self._reconciler = threading.Thread(target=self._reconcile, daemon=True)
        self._reconciler.start()

    def start_apiserver(self, name: str) -> None:
        proc = subprocess.Popen(
            [sys.executable, str(STANDIN), name, self.address(name), "6443",
             str(self.work / "apiserver.pem"), str(self.work / "apiserver-key.pem"),
             str(self.state_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent)
        assert proc.stdout is not None
        if b"ready" not in proc.stdout.readline():
            raise RuntimeError(f"apiserver stand-in {name} did not start")
        self.standins[name] = proc

    def stop_apiserver(self, name: str) -> None:
        proc = self.standins.pop(name, None)
        if proc is not None:
            proc.terminate()
            proc.wait(5)

    def _start_haproxy(self) -> None:
        servers = "\n".join(
            f"  server {m} {self.address(m)}:6443 check inter 300 fall 2 rise 1"
            for m in self.master_names)
        cfg = self.work / "haproxy.cfg"
        cfg.write_text(f"""global
  maxconn 256
  stats socket {self.work}/haproxy.sock mode 600 level admin
defaults
  mode tcp
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 2
  option redispatch
frontend kube-apiserver
  bind {self.vip}:6443
  default_backend kube-apiserver
backend kube-apiserver
  balance roundrobin
{servers}
""")
        self.haproxy = subprocess.Popen([HAPROXY, "-f", str(cfg), "-db"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 5
        while True:
            with socket.socket() as s:
                s.settimeout(0.2)
                if s.connect_ex((self.vip, 6443)) == 0:
                    return
            if time.monotonic() > deadline or self.haproxy.poll() is not None:
                raise RuntimeError("haproxy did not start")
            time.sleep(0.05)

    # -- the hosts' services ----------------------------------------------------------------
    def service(self, host: str, unit: str) -> str:
        path = self.hosts[host].dir / "services" / unit
        return path.read_text().strip() if path.exists() else "inactive"

    def _reconcile(self) -> None:
        while not self._stop_reconciler.wait(0.1):
            for name in self.master_names + self.worker_names:
                with contextlib.suppress(Exception):   # keep reconciling; tests see the state
                    self._reconcile_host(name)

    def _actual(self, host: str, unit: str, running: bool) -> None:
        path = self.hosts[host].dir / "services" / f"{unit}.actual"
        state = "active" if running else "inactive"
        if not path.exists() or path.read_text().strip() != state:
            path.write_text(state + "\n")

    def _reconcile_host(self, name: str) -> None:
        kubelet = self.service(name, "kubelet")
        was = self._kubelet_was.get(name, "active")
        self._kubelet_was[name] = kubelet
        if name in self.master_names:
            services = self.hosts[name].dir / "services"
            if kubelet == "active" and was != "active":
                (services / "apiserver").write_text("active\n")   # kubelet restarts static pods
            member = self.etcd.members[name]
            if self.service(name, "etcd") == "active" and not member.running:
                self.etcd.start(name, wait=False)
            elif self.service(name, "etcd") != "active" and member.running:
                self.etcd.stop(name)
            running = name in self.standins
            if self.service(name, "apiserver") == "active" and not running:
                self.start_apiserver(name)
            elif self.service(name, "apiserver") != "active" and running:
                self.stop_apiserver(name)
            self._actual(name, "etcd", member.running)
            self._actual(name, "apiserver", name in self.standins)
        # edge-triggered, so that a test may also set readiness by hand
        if kubelet == "active":
            self._kubelet_down_since.pop(name, None)
            if was != "active":
                self.set_node_ready(name, True)
        else:
            since = self._kubelet_down_since.setdefault(name, time.monotonic())
            if since > 0 and time.monotonic() - since >= NOT_READY_AFTER:
                self.set_node_ready(name, False)
                self._kubelet_down_since[name] = -1.0   # marked once

    def stop(self) -> None:
        self._stop_reconciler.set()
        if self._reconciler is not None:
            self._reconciler.join(5)
        self.dns.stop()
        if self.haproxy is not None and self.haproxy.poll() is None:
            self.haproxy.terminate()
            self.haproxy.wait(5)
        for name in list(self.standins):
            self.stop_apiserver(name)
        self.etcd.close()

    # -- the config -------------------------------------------------------------------------
    def write_config(self, path: Path, *, auth: str = "key", **endpoint: object) -> Path:
        rows = [self.ssh.host_row(self.hosts[n], auth=auth)
                for n in self.master_names + self.worker_names]
        groups = {"etcd": self.master_names, "control-plane": self.master_names,
                  "worker": self.worker_names}
        lines = ["apiVersion: kubekey.kubesphere.io/v1alpha2", "kind: Cluster", "metadata:",
                 "  name: verifylab", "spec:", "  hosts:"]
        lines += [f"  - {json.dumps(r)}" for r in rows]
        lines.append("  roleGroups:")
        for group, members in groups.items():
            lines.append(f"    {group}:")
            lines += [f"    - {m}" for m in members]
        lines += ["  controlPlaneEndpoint:", f"    domain: {DOMAIN}",
                  f"    address: \"{endpoint.get('address', self.vip)}\"",
                  f"    port: {endpoint.get('port', 6443)}",
                  "  kubernetes:", "    version: v1.28.15", "    clusterName: cluster.local",
                  "    containerManager: containerd", "  etcd:", "    type: kubekey",
                  "  network:", "    plugin: calico", "    kubePodsCIDR: 10.233.64.0/18",
                  "    kubeServiceCIDR: 10.233.0.0/18"]
        path.write_text("\n".join(lines) + "\n")
        os.chmod(path, 0o600)
        return path
