"""A real HAProxy + Keepalived pair inside network namespaces, for the LB tests.

Topology (one /24 in 10.213.X.0/24, X chosen so it collides with nothing here):

    lb1 (.10)   lb2 (.11)   api (.12 .13 .14: three TCP servers)   client (.50)
        \\__________\\___________ bridge namespace (br0) ___________/

Network safety: the root namespace gets an ``unreachable`` route for the lab subnet while the
lab exists, and every connection into the lab is made from a thread that has ``setns()``-ed
into the client namespace (or from inside an LB namespace).  Each LB's haproxy and
keepalived live in their own PID namespace (``unshare --pid --fork --mount-proc``) so that
keepalived's ``killall -0 haproxy`` only sees its own haproxy.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import os
import queue
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psutil

from kkui.core.config import ClusterDocument
from kkui.core.lb.ops import ShellLbHostOps
from kkui.core.lb.render import RenderOptions, render_all
from kkui.core.lb.secrets import ensure_secrets

CLONE_NEWNET = 0x40000000
PREFIX = "kkuilb"
T = TypeVar("T")

# A reaper as PID 1 of each LB's PID namespace: orphans (and dead haproxies) are reaped, so
# `killall -0 haproxy` never mistakes a zombie for a live haproxy.
REAPER = """
import os, time
while True:
    try:
        os.wait()
    except ChildProcessError:
        time.sleep(0.05)
"""

# An "apiserver": answers every connection with its own name, so round-robin is visible.
BACKEND = """
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 6443))
srv.listen(64)
print("ready", flush=True)
while True:
    conn, _ = srv.accept()
    try:
        conn.sendall(sys.argv[2].encode() + b"\\n")
    except OSError:
        pass
    conn.close()
"""


def lab_yaml(net: str) -> str:
    """The lab's config: kk's Cluster plus kkui's LB document, addresses in ``net``.0/24."""
    return f"""\
apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: lab
spec:
  hosts:
  - {{name: master1, address: {net}.12, internalAddress: {net}.12}}
  - {{name: master2, address: {net}.13, internalAddress: {net}.13}}
  - {{name: master3, address: {net}.14, internalAddress: {net}.14}}
  roleGroups:
    etcd: [master1, master2, master3]
    control-plane: [master1, master2, master3]
    worker: [master1, master2, master3]
  controlPlaneEndpoint:
    domain: lb.kubesphere.local
    address: {net}.18
    port: 6443
  kubernetes:
    version: v1.23.17
---
apiVersion: kkui/v1alpha1
kind: KkuiSettings
metadata: {{name: lab}}
spec:
  loadBalancer:
    vip: {net}.18
    prefix: 24
    port: 6443
    interface: eth0
    virtualRouterId: 51
    hosts:
    - {{name: lb1, address: {net}.10, internalAddress: {net}.10}}
    - {{name: lb2, address: {net}.11, internalAddress: {net}.11}}
"""


class LabUnavailable(Exception):
    """Namespaces (or the LB binaries) are not available: the tests skip with this reason."""


def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {proc.stderr.strip()}")


class NetnsThread:
    """A worker thread living in one network namespace; callables submitted run there."""

    def __init__(self, netns: str) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], queue.Queue[Any]] | None] = \
            queue.Queue()
        ready: queue.Queue[BaseException | None] = queue.Queue()
        self._thread = threading.Thread(target=self._main, args=(netns, ready), daemon=True)
        self._thread.start()
        error = ready.get()
        if error is not None:
            raise error

    def _main(self, netns: str, ready: queue.Queue[BaseException | None]) -> None:
        path = f"/run/netns/{netns}"
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(path, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns({path})")
            finally:
                os.close(fd)
            # Refuse to work unless this thread really is inside the lab namespace.
            if os.stat("/proc/thread-self/ns/net").st_ino != os.stat(path).st_ino:
                raise RuntimeError(f"thread is not in {netns}")
        except BaseException as exc:  # reported to the creator, never run jobs
            ready.put(exc)
            return
        ready.put(None)
        while (job := self._jobs.get()) is not None:
            func, reply = job
            try:
                reply.put((True, func()))
            except BaseException as exc:
                reply.put((False, exc))

    def call(self, func: Callable[[], T]) -> T:
        reply: queue.Queue[Any] = queue.Queue()
        self._jobs.put((func, reply))
        ok, value = reply.get()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=5)


@dataclass
class _Result:
    exit_status: int
    stdout: str
    stderr: str


class LabLbHostOps(ShellLbHostOps):
    """``LbHostOps`` for one lab LB: shell commands run in its namespaces, no systemd."""

    def __init__(self, lab: Lab, name: str) -> None:
        self.lab = lab
        netns = lab.ns(name)

        def run(command: str) -> _Result:
            proc = subprocess.run(["ip", "netns", "exec", netns, "sh", "-c", command],
                                  capture_output=True, text=True, timeout=20, check=False)
            return _Result(proc.returncode, proc.stdout, proc.stderr)

        lb = lab.model.kkui.load_balancer
        super().__init__(name, run, vip=lb.vip, interface=lb.interface)

    def service_state(self, service: str) -> str:
        return "active" if self.lab.lb_pids(self.name, service) else "inactive"

    def stop_haproxy(self) -> None:
        self.lab.stop_haproxy(self.name)

    def start_haproxy(self) -> None:
        self.lab.start_haproxy(self.name)


class Lab:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.tag = f"{PREFIX}-{os.getpid()}"
        self.netns: list[str] = []
        self.route: str | None = None
        self.net = ""
        self.procs: list[subprocess.Popen[bytes]] = []
        self.backends: dict[str, subprocess.Popen[bytes]] = {}
        self.reapers: dict[str, int] = {}
        self.client: NetnsThread | None = None
        self.doc: ClusterDocument | None = None

    # ------------------------------------------------------------------ set-up
    def ns(self, role: str) -> str:
        return f"{self.tag}-{role}"

    @property
    def model(self) -> Any:
        assert self.doc is not None
        return self.doc.model()

    def start(self) -> None:
        for tool in ("ip", "unshare", "nsenter", "haproxy", "keepalived", "killall"):
            if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
                raise LabUnavailable(f"{tool} is not installed")
        if os.geteuid() != 0:
            raise LabUnavailable("network namespaces need root")
        remove_stale_labs()
        try:
            self._add_netns(self.ns("br"))
        except RuntimeError as exc:
            raise LabUnavailable(f"cannot create a network namespace: {exc}") from exc
        self._reserve_subnet()
        self.doc = ClusterDocument.from_text(lab_yaml(self.net), source="<lab>")
        ensure_secrets(self.doc)
        _ip("-n", self.ns("br"), "link", "add", "br0", "type", "bridge", "forward_delay", "0")
        _ip("-n", self.ns("br"), "link", "set", "br0", "up")
        self._member("lb1", [10])
        self._member("lb2", [11])
        self._member("api", [12, 13, 14])
        self._member("client", [50])
        for i, name in enumerate(("master1", "master2", "master3")):
            self.start_backend(name, f"{self.net}.{12 + i}")
        self.client = NetnsThread(self.ns("client"))
        rendered = render_all(self.model, RenderOptions(stats_socket="<per-lb>"))
        for host in rendered:
            d = self.workdir / host.name
            d.mkdir(parents=True, exist_ok=True)
            sock = d / "admin.sock"
            (d / "haproxy.cfg").write_text(host.haproxy_cfg.replace("<per-lb>", str(sock)))
            (d / "keepalived.conf").write_text(host.keepalived_conf)
            self._start_lb(host.name)

    def _add_netns(self, name: str) -> None:
        _ip("netns", "add", name)
        self.netns.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def _reserve_subnet(self) -> None:
        """Pick 10.213.X.0/24 unused here and make it unreachable from the root namespace."""
        used = subprocess.run(["ip", "-4", "route", "show", "table", "all"], capture_output=True,
                              text=True, check=False).stdout
        used += subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True,
                               check=False).stdout
        nets = [ipaddress.ip_network(m, strict=False)
                for m in re.findall(r"\b(\d+\.\d+\.\d+\.\d+(?:/\d+)?)\b", used)]
        for x in random.sample(range(1, 255), 40):
            candidate = ipaddress.ip_network(f"10.213.{x}.0/24")
            if any(candidate.overlaps(n) for n in nets if n.prefixlen > 0):
                continue
            try:
                _ip("route", "add", "unreachable", str(candidate))
            except RuntimeError:
                continue  # another lab took it a moment ago
            self.route = str(candidate)
            self.net = f"10.213.{x}"
            return
        raise LabUnavailable("no free 10.213.X.0/24 subnet for the lab")

    def _member(self, role: str, hosts: list[int]) -> None:
        name = self.ns(role)
        self._add_netns(name)
        _ip("link", "add", "eth0", "netns", name, "type", "veth", "peer", "name", f"p-{role}",
            "netns", self.ns("br"))
        _ip("-n", self.ns("br"), "link", "set", f"p-{role}", "master", "br0", "up")
        for h in hosts:
            _ip("-n", name, "addr", "add", f"{self.net}.{h}/24", "dev", "eth0")
        _ip("-n", name, "link", "set", "eth0", "up")

    def start_backend(self, name: str, address: str) -> None:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns("api"), sys.executable, "-c", BACKEND, address, name],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != b"ready":
            raise RuntimeError(f"backend {name} did not start")
        self.backends[name] = proc

    def stop_backend(self, name: str) -> None:
        proc = self.backends.pop(name)
        proc.kill()
        proc.wait()

    def _start_lb(self, name: str) -> None:
        log = open(self.workdir / name / "reaper.log", "wb")  # noqa: SIM115 - lives with lab
        reaper = subprocess.Popen(
            ["ip", "netns", "exec", self.ns(name), "unshare", "--pid", "--fork", "--mount-proc",
             sys.executable, "-c", REAPER], stdout=log, stderr=log)
        self.procs.append(reaper)
        deadline = time.monotonic() + 5
        while not (children := psutil.Process(reaper.pid).children()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: PID namespace did not start")
            time.sleep(0.01)
        self.reapers[name] = children[0].pid
        d = self.workdir / name
        self._in_lb(name, ["keepalived", "-n", "-l", "-D", "-f", str(d / "keepalived.conf"),
                           "-p", str(d / "keepalived.pid"), "-r", str(d / "vrrp.pid"),
                           "-c", str(d / "checkers.pid")], d / "keepalived.log")
        self.start_haproxy(name)

    def _in_lb(self, name: str, argv: list[str], log_path: Path) -> None:
        log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            ["nsenter", "-t", str(self.reapers[name]), "--pid", "--mount", "--net", *argv],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        self.procs.append(proc)

    def lb_pids(self, name: str, program: str) -> list[int]:
        """Live (not zombie) processes named ``program`` in LB ``name``'s PID namespace.

        Processes started with nsenter are not the reaper's descendants, so match on the
        PID namespace itself.
        """
        target = os.stat(f"/proc/{self.reapers[name]}/ns/pid").st_ino
        pids = []
        for proc in psutil.process_iter(["name", "status"]):
            with contextlib.suppress(OSError, psutil.Error):
                if (proc.info["name"] == program and proc.info["status"] != psutil.STATUS_ZOMBIE
                        and os.stat(f"/proc/{proc.pid}/ns/pid").st_ino == target):
                    pids.append(proc.pid)
        return pids

    def start_haproxy(self, name: str) -> None:
        d = self.workdir / name
        self._in_lb(name, ["haproxy", "-db", "-f", str(d / "haproxy.cfg")], d / "haproxy.log")
        deadline = time.monotonic() + 5
        while not self.lb_pids(name, "haproxy"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: haproxy did not start, see {d / 'haproxy.log'}")
            time.sleep(0.02)

    def stop_haproxy(self, name: str) -> None:
        for pid in self.lb_pids(name, "haproxy"):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).terminate()
        deadline = time.monotonic() + 5
        while self.lb_pids(name, "haproxy") and time.monotonic() < deadline:
            time.sleep(0.02)

    # ------------------------------------------------------------- from client
    def fetch(self, address: str, port: int = 6443, timeout: float = 2.0) -> str:
        """Connect from the client namespace and return what the server says."""
        def talk() -> str:
            with socket.create_connection((address, port), timeout=timeout) as conn:
                return conn.makefile().readline().strip()
        assert self.client is not None
        return self.client.call(talk)

    def tcp_answers(self, address: str, port: int = 6443, timeout: float = 0.5) -> bool:
        def connect() -> bool:
            try:
                with socket.create_connection((address, port), timeout=timeout):
                    return True
            except OSError:
                return False
        assert self.client is not None
        return self.client.call(connect)

    def ops(self) -> list[LabLbHostOps]:
        return [LabLbHostOps(self, h.name) for h in self.model.kkui.load_balancer.hosts]

    # ---------------------------------------------------------------- tear-down
    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        for pid in self.reapers.values():  # killing PID 1 kills its whole PID namespace
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        for name in reversed(self.netns):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        if self.route:
            subprocess.run(["ip", "route", "del", "unreachable", self.route],
                           capture_output=True, check=False)


def remove_stale_labs() -> None:
    """Delete namespaces left by a lab whose test process died without tearing down."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             check=False).stdout
    for line in listing.splitlines():
        m = re.match(rf"^({PREFIX}-(\d+)-\S+)", line)
        if m and not psutil.pid_exists(int(m.group(2))):
            subprocess.run(["ip", "netns", "del", m.group(1)], capture_output=True, check=False)
