"""A real HAProxy + Keepalived pair inside network namespaces, for the LB tests.

Topology (one /24 in 10.213.X.0/24, X chosen so it collides with nothing here):

    lb1 (.10)   lb2 (.11)   api (.12 .13 .14: three TCP servers)   client (.50)
        \\__________\\___________ bridge namespace (br0) ___________/

Network safety: the root namespace gets an ``unreachable`` route for the lab subnet while the
lab exists, and every connection into the lab is made from a thread that has ``setns()``-ed
into the client namespace (or from inside an LB namespace).  Each LB's haproxy and
keepalived live in their own PID namespace (``unshare --pid --fork --mount-proc``) so that
keepalived's ``killall -0 haproxy`` only sees its own haproxy.

With ``ssh=True`` each LB also runs a real OpenSSH sshd inside those namespaces (root, key
auth), whose PATH starts with a stand-in ``systemctl`` that starts/stops/queries that LB's
haproxy and keepalived with the lab's own command lines: the real ``kkui lb status|drill``
commands then work against the lab from inside the client namespace (``run_kkui``).

With ``deploy=True`` (needs ``ssh=True``) the pair starts fresh: no haproxy or keepalived
runs, and each LB's mount namespace has its own ``/etc/haproxy``, ``/etc/keepalived``,
``/var/lib/haproxy`` and ``/run`` (bind mounts of directories under ``workdir/<lb>/fs``,
propagation private, so the root namespace never sees them).  The ``systemctl`` stand-in
then starts the daemons like Debian's units do, from ``/etc/haproxy/haproxy.cfg`` and
``/etc/keepalived/keepalived.conf``: the real ``kkui lb deploy`` can install the pair.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import json
import os
import queue
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psutil
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from lb.keepalived_conf import Block
from lb.keepalived_conf import parse as parse_keepalived
from support import netguard
from support.sshlab import SSHD, install_run_sshd

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

# `systemctl` for one lab LB (there is no systemd here).  It runs under that LB's sshd, so it
# is already inside the LB's network and PID namespaces: killall sees only this LB's processes.
# Exit codes and messages follow systemctl: is-active prints one state per unit and exits 0
# when at least one is active, else 3; an unknown unit exits 5.
SYSTEMCTL = """#!/bin/sh
# kkui netns lab: systemctl stand-in for {name}
dir={dir}
running() {{ killall -q -0 "$1" 2>/dev/null; }}
condition() {{  # the unit's Condition*=: when false, start succeeds but nothing runs
  {condition}
}}
launch() {{
  case $1 in
    haproxy) setsid {haproxy} >>"$dir/haproxy.log" 2>&1 </dev/null & ;;
    keepalived) setsid {keepalived} >>"$dir/keepalived.log" 2>&1 </dev/null & ;;
  esac
}}
known() {{
  case $1 in haproxy|keepalived) return 0 ;; esac
  echo "Failed to $verb $1.service: Unit $1.service not found." >&2
  exit 5
}}
wait_until() {{  # wait_until up|down UNIT, at most 10 s
  i=0
  while [ $i -lt 100 ]; do
    if running "$2"; then [ "$1" = up ] && return 0; else [ "$1" = down ] && return 0; fi
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}}
start() {{
  rm -f "$dir/$1.failed"
  running "$1" && return 0
  condition "$1" || return 0
  launch "$1"
  # like a start job: fail when the daemon does not come up or dies at once
  if wait_until up "$1" && sleep 0.2 && running "$1"; then return 0; fi
  touch "$dir/$1.failed"
  echo "Job for $1.service failed because the control process exited with error code." >&2
  echo "See \\"systemctl status $1.service\\" and \\"journalctl -xeu $1.service\\" for details." >&2
  exit 1
}}
reload() {{  # the units' ExecReload=; systemd refuses to reload a unit that is not running
  if ! running "$1"; then
    echo "Job for $1.service failed because the unit is not active, cannot reload." >&2
    exit 1
  fi
  case $1 in
    haproxy) {reload_haproxy} ;;
    keepalived) kill -HUP "$(pgrep -o -x keepalived)" ;;
  esac
}}
stop() {{
  rm -f "$dir/$1.failed"
  running "$1" || return 0
  killall -q -TERM "$1"
  wait_until down "$1" && return 0
  killall -q -KILL "$1"
  wait_until down "$1"
}}
quiet=0
verb=
units=
for arg in "$@"; do
  case $arg in
    -q|--quiet) quiet=1 ;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb=$arg; else units="$units ${{arg%.service}}"; fi ;;
  esac
done
case $verb in
  is-active)
    rc=3
    for u in $units; do
      if {{ [ "$u" = haproxy ] || [ "$u" = keepalived ]; }} && running "$u"; then
        state=active; rc=0
      elif [ -e "$dir/$u.failed" ]; then state=failed
      else state=inactive
      fi
      [ $quiet = 1 ] || echo $state
    done
    exit $rc ;;
  start) for u in $units; do known "$u"; start "$u"; done ;;
  stop) for u in $units; do known "$u"; stop "$u"; done ;;
  restart) for u in $units; do known "$u"; stop "$u"; start "$u"; done ;;
  reload) for u in $units; do known "$u"; reload "$u"; done ;;
  reload-or-restart)  # reloads a running unit, starts a stopped one
    for u in $units; do known "$u"; if running "$u"; then reload "$u"; else start "$u"; fi
    done ;;
  enable|disable|daemon-reload) for u in $units; do known "$u"; done ;;
  *) echo "Unknown command verb $verb." >&2; exit 1 ;;
esac
exit 0
"""


def lab_yaml(net: str, lb_login: str = "") -> str:
    """The lab's config: kk's Cluster plus kkui's LB document, addresses in ``net``.0/24.

    ``lb_login`` is appended to each LB host's row (e.g. ``, user: root, port: 22``).
    """
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
    - {{name: lb1, address: {net}.10, internalAddress: {net}.10{lb_login}}}
    - {{name: lb2, address: {net}.11, internalAddress: {net}.11{lb_login}}}
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


# What Debian's haproxy.service and keepalived.service run (ExecStart=, default variables).
UNIT_HAPROXY = ["/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg",
                "-p", "/run/haproxy.pid", "-S", "/run/haproxy-master.sock"]
# --log-console: the LB's keepalived.log stands in for the journal (no /dev/log here)
UNIT_KEEPALIVED = ["/usr/sbin/keepalived", "--dont-fork", "--log-console"]
# Debian's haproxy.service: ExecReload= checks the file, then `kill -USR2 $MAINPID`: the -Ws
# master re-executes itself, starts new workers on the new file (the listening sockets are
# handed over, so the frontend never stops accepting) and soft-stops the old ones, which
# finish their connections first.  A bad file leaves the running haproxy alone.
UNIT_HAPROXY_RELOAD = ('/usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg -c -q '
                       '&& kill -USR2 "$(cat /run/haproxy.pid)"')
UNIT_CONDITION = ('case $1 in keepalived) [ -s /etc/keepalived/keepalived.conf ] ;; '
                  '*) return 0 ;; esac')
# Each deploy-lab LB gets its own copy of these (bind mounts inside its mount namespace).
PRIVATE_DIRS = ("/etc/haproxy", "/etc/keepalived", "/var/lib/haproxy", "/run")


class Lab:
    """The lab; ``name`` keeps two labs of one test process apart, ``ssh`` adds an sshd per LB,
    ``deploy`` leaves the pair to ``kkui lb deploy`` (see the module's docstring)."""

    def __init__(self, workdir: Path, *, name: str = "", ssh: bool = False,
                 deploy: bool = False) -> None:
        if deploy and not ssh:
            raise ValueError("deploy=True needs ssh=True: kkui deploys over SSH")
        self.workdir = workdir
        self.tag = f"{PREFIX}-{os.getpid()}" + (f"-{name}" if name else "")
        self.ssh = ssh
        self.deploy = deploy
        self.key_path = workdir / "id_ed25519"  # the client's key for root on every LB
        self.auth_dir = Path("/run") / f"{self.tag}-auth"  # StrictModes: no /tmp in the path
        self.netns: list[str] = []
        self.route: str | None = None
        self.net = ""
        self.procs: list[subprocess.Popen[bytes]] = []
        self.backends: dict[str, subprocess.Popen[bytes]] = {}
        self.reapers: dict[str, int] = {}
        self._reaper_births: dict[int, float] = {}  # pid -> create_time, against pid reuse
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
        if self.ssh and not Path(SSHD).exists():
            raise LabUnavailable(f"{SSHD} is missing (Debian package openssh-server)")
        if self.deploy:
            for path in (*PRIVATE_DIRS, UNIT_HAPROXY[0], UNIT_KEEPALIVED[0]):
                if not Path(path).exists():  # never created here: a mount point must exist
                    raise LabUnavailable(f"{path} is missing (Debian packages haproxy, "
                                         "keepalived)")
        remove_stale_labs()
        try:
            self._add_netns(self.ns("br"))
        except RuntimeError as exc:
            raise LabUnavailable(f"cannot create a network namespace: {exc}") from exc
        self._reserve_subnet()
        login = ""
        if self.ssh:
            self._prepare_ssh()
            login = f", user: root, port: 22, privateKeyPath: {json.dumps(str(self.key_path))}"
        self.doc = ClusterDocument.from_text(lab_yaml(self.net, login), source="<lab>")
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
        if self.deploy:  # a fresh pair: `kkui lb deploy` writes the configs and starts it
            for host in self.model.kkui.load_balancer.hosts:
                self._start_lb(host.name)
            return
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
            netguard.allow_network(self.route)  # the tests may connect into the lab, only
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

    def add_apiserver(self, name: str, last: int) -> str:
        """One more "apiserver" (a new control plane) at ``net.last`` in the api namespace."""
        address = f"{self.net}.{last}"
        _ip("-n", self.ns("api"), "addr", "add", f"{address}/24", "dev", "eth0")
        self.start_backend(name, address)
        return address

    def stop_backend(self, name: str) -> None:
        proc = self.backends.pop(name)
        proc.kill()
        proc.wait()

    def _start_lb(self, name: str) -> None:
        (self.workdir / name).mkdir(parents=True, exist_ok=True)
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
        self._reaper_births[children[0].pid] = children[0].create_time()
        d = self.workdir / name
        if self.deploy:
            self._mount_private_dirs(name)
        else:
            self._in_lb(name, self.keepalived_argv(name), d / "keepalived.log")
            self.start_haproxy(name)
        if self.ssh:
            self._start_sshd(name)

    def fs_dir(self, name: str) -> Path:
        """Where LB ``name``'s private /etc/haproxy, /etc/keepalived ... live on disk."""
        return self.workdir / name / "fs"

    def _mount_private_dirs(self, name: str) -> None:
        """Bind per-LB directories over ``PRIVATE_DIRS`` inside the LB's mount namespace.

        Seeded like a fresh package install (a copy of this machine's /etc/haproxy and
        /etc/keepalived), plus what sshd needs in /run.  Propagation is made private first,
        so none of the mounts can appear in the root namespace.
        """
        fs = self.fs_dir(name)
        for path in PRIVATE_DIRS:
            if path.startswith("/etc/"):
                shutil.copytree(path, fs / path[1:], symlinks=True)
            else:
                (fs / path[1:]).mkdir(parents=True)
            (fs / path[1:]).chmod(0o755)
        (fs / "var/lib/haproxy/dev").mkdir(mode=0o755, exist_ok=True)
        (fs / "run/sshd").mkdir(mode=0o755)
        if self.ssh:  # sshd reads authorized_keys at the same /run path inside the LB
            shutil.copytree(self.auth_dir, fs / "run" / self.auth_dir.name)
        script = "set -e; mount --make-rprivate /; " + "; ".join(
            f"mount --bind {shlex.quote(str(fs / path[1:]))} {path}" for path in PRIVATE_DIRS)
        proc = subprocess.run(["nsenter", "-t", str(self.reapers[name]), "--mount", "sh", "-c",
                               script], capture_output=True, text=True, timeout=10, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{name}: cannot bind-mount its private directories: "
                               f"{proc.stderr.strip()}")

    def lb_path(self, name: str, path: str) -> Path:
        """``path`` as LB ``name`` sees it (through its reaper's root, in its mount namespace)."""
        return Path(f"/proc/{self.reapers[name]}/root") / path.lstrip("/")

    def lb_mounts(self, name: str) -> list[str]:
        """LB ``name``'s mount table (``/proc/PID/mountinfo`` lines)."""
        return Path(f"/proc/{self.reapers[name]}/mountinfo").read_text().splitlines()

    def haproxy_argv(self, name: str) -> list[str]:
        return ["haproxy", "-db", "-f", str(self.workdir / name / "haproxy.cfg")]

    def keepalived_argv(self, name: str) -> list[str]:
        d = self.workdir / name
        return ["keepalived", "-n", "-l", "-D", "-f", str(d / "keepalived.conf"),
                "-p", str(d / "keepalived.pid"), "-r", str(d / "vrrp.pid"),
                "-c", str(d / "checkers.pid")]

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
        self._in_lb(name, self.haproxy_argv(name), d / "haproxy.log")
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

    # --------------------------------------------------------------------- ssh
    def _prepare_ssh(self) -> None:
        """The client's key pair; its public half where root's sshd accepts it."""
        install_run_sshd()
        key = ed25519.Ed25519PrivateKey.generate()
        self.key_path.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption()))
        os.chmod(self.key_path, 0o600)
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH)
        self.auth_dir.mkdir(mode=0o700)
        (self.auth_dir / "authorized_keys").write_bytes(public + b"\n")
        os.chmod(self.auth_dir / "authorized_keys", 0o600)

    def _start_sshd(self, name: str) -> None:
        """sshd on the LB's address, inside its namespaces; systemctl there is the stand-in."""
        d = self.workdir / name
        address = next(h.internal_ipv4 for h in self.model.kkui.load_balancer.hosts
                       if h.name == name)
        (d / "bin").mkdir(mode=0o755)
        systemctl = d / "bin" / "systemctl"
        haproxy, keepalived, condition = (UNIT_HAPROXY, UNIT_KEEPALIVED, UNIT_CONDITION) \
            if self.deploy else (self.haproxy_argv(name), self.keepalived_argv(name), "return 0")
        # without a master process: haproxy's classic soft reload, a new haproxy that takes
        # over and tells the old ones to finish (-sf)
        reload_haproxy = UNIT_HAPROXY_RELOAD if self.deploy else (
            f'setsid {shlex.join(haproxy)} -sf $(pgrep -d " " -x haproxy) '
            '>>"$dir/haproxy.log" 2>&1 </dev/null &')
        systemctl.write_text(SYSTEMCTL.format(
            name=name, dir=shlex.quote(str(d)), haproxy=shlex.join(haproxy),
            keepalived=shlex.join(keepalived), condition=condition,
            reload_haproxy=reload_haproxy))
        systemctl.chmod(0o755)
        host_key = d / "ssh_host_ed25519_key"
        host_key.write_bytes(ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption()))
        host_key.chmod(0o600)
        config = d / f"sshd_config.{self.tag}"  # the tag names the process in `ps`
        # SHLVL=1 keeps bash from sourcing this machine's /root/.bashrc for ssh commands
        # (Debian's SSH_SOURCE_BASHRC), PermitUserRC from running /root/.ssh/rc: the lab
        # must not depend on (or be slowed down by) the test machine's root account.
        config.write_text(f"""\
Port 22
ListenAddress {address}
HostKey {host_key}
PidFile none
AuthorizedKeysFile {self.auth_dir / "authorized_keys"}
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers root
StrictModes yes
MaxStartups 200
UseDNS no
PrintMotd no
PrintLastLog no
PermitUserRC no
SetEnv SHLVL=1 PATH={d / "bin"}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LogLevel INFO
""")
        log = d / "sshd.log"
        self._in_lb(name, [SSHD, "-D", "-f", str(config), "-E", str(log)], d / "sshd.out")
        deadline = time.monotonic() + 10
        while "Server listening on" not in (log.read_text() if log.exists() else ""):
            if time.monotonic() > deadline:
                out = (d / "sshd.out").read_text() if (d / "sshd.out").exists() else ""
                raise RuntimeError(f"{name}: sshd did not start: {out}"
                                   + (log.read_text() if log.exists() else ""))
            time.sleep(0.02)

    def systemctl(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run LB ``name``'s systemctl stand-in inside its namespaces, as its sshd would."""
        return subprocess.run(
            ["nsenter", "-t", str(self.reapers[name]), "--pid", "--mount", "--net",
             str(self.workdir / name / "bin" / "systemctl"), *args],
            capture_output=True, text=True, timeout=30, check=False)

    def write_config(self, path: Path) -> Path:
        """The lab's config (with its secrets) as a private file for the real commands."""
        assert self.doc is not None
        path.write_text(self.doc.to_text())
        path.chmod(0o600)
        return path

    def kkui_argv(self, *args: str) -> list[str]:
        """The real ``kkui`` command inside the client namespace: all its traffic stays in
        the lab.  ``ip netns exec`` execs, so the process is kkui's python itself."""
        return ["ip", "netns", "exec", self.ns("client"), sys.executable, "-m", "kkui", *args]

    @staticmethod
    def kkui_env(home: Path) -> dict[str, str]:
        """kkui's config dir and known_hosts under ``home``; no agent, no colours."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("SSH_AUTH_SOCK", "LINES", "COLUMNS")}
        env.update(XDG_CONFIG_HOME=str(home / "config"),
                   KKUI_KNOWN_HOSTS=str(home / "kkui_known_hosts"),
                   KKUI_USER_KNOWN_HOSTS=str(home / "user_known_hosts"), NO_COLOR="1")
        return env

    def run_kkui(self, *args: str, home: Path,
                 timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.kkui_argv(*args), capture_output=True, text=True,
                              env=self.kkui_env(home), timeout=timeout, check=False)

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
            netguard.forbid_network(self.route)
            subprocess.run(["ip", "route", "del", "unreachable", self.route],
                           capture_output=True, check=False)
        if self.ssh:
            shutil.rmtree(self.auth_dir, ignore_errors=True)

    def leftovers(self) -> list[str]:
        """What is left of this lab after ``close()``: namespaces, route, processes, files."""
        left = []
        listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                                 check=False).stdout
        left += [f"namespace {line.split()[0]}" for line in listing.splitlines()
                 if line.split() and line.split()[0] in self.netns]
        routes = subprocess.run(["ip", "route", "show", "table", "all"], capture_output=True,
                                text=True, check=False).stdout
        if self.route and f"unreachable {self.route}" in routes:
            left.append(f"route unreachable {self.route}")
        # A dead reaper means an empty PID namespace: the kernel kills the rest with it.
        for pid, born in self._reaper_births.items():
            with contextlib.suppress(psutil.Error):
                reaper = psutil.Process(pid)
                if reaper.create_time() == born and reaper.status() != psutil.STATUS_ZOMBIE:
                    left.append(f"reaper {pid} (PID 1 of an LB)")
        left += [f"process {p.pid}: {p.args!s:.160}"
                 for p in self.procs if p.poll() is None]
        marks = (str(self.workdir), *self.netns)
        for proc in psutil.process_iter(["cmdline", "status"]):
            cmdline = proc.info["cmdline"] or []
            if proc.info["status"] != psutil.STATUS_ZOMBIE and \
                    any(m in arg for arg in cmdline for m in marks):
                left.append(f"process {proc.pid}: {' '.join(cmdline)}")
        if self.ssh and self.auth_dir.exists():
            left.append(f"directory {self.auth_dir}")
        mounts = Path("/proc/self/mountinfo").read_text().splitlines()
        left += [f"mount {line}" for line in mounts if str(self.workdir) in line]
        return left


def remove_stale_labs() -> None:
    """Delete namespaces (and key directories) left by a lab whose test process died
    without tearing down."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             check=False).stdout
    for line in listing.splitlines():
        m = re.match(rf"^({PREFIX}-(\d+)-\S+)", line)
        if m and not psutil.pid_exists(int(m.group(2))):
            subprocess.run(["ip", "netns", "del", m.group(1)], capture_output=True, check=False)
    for path in Path("/run").glob(f"{PREFIX}-*-auth"):
        m = re.match(rf"^{PREFIX}-(\d+)-", path.name)
        if m and not psutil.pid_exists(int(m.group(1))):
            shutil.rmtree(path, ignore_errors=True)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def keepalived_of(lab: Lab, name: str) -> Block:
    """The parsed keepalived.conf the lab's LB ``name`` runs (what kkui renders)."""
    rendered = {h.name: h for h in render_all(lab.model)}
    return parse_keepalived(rendered[name].keepalived_conf)


def preempting_lb(lab: Lab) -> str:
    """The LB with the highest VRRP priority: without ``nopreempt`` it takes the VIP back."""
    names = [h.name for h in lab.model.kkui.load_balancer.hosts]
    return max(names, key=lambda n: int(
        keepalived_of(lab, n).block("vrrp_instance").value("priority")[0]))


def preempt_window(lab: Lab, name: str) -> float:
    """How long after its haproxy runs again LB ``name`` would need to take the VIP back if it
    were allowed to preempt, from its own rendered settings: the track script must pass
    ``rise`` times ``interval`` apart (FAULT -> BACKUP), then — at worst, when it hears no
    advert it could preempt on — keepalived's master-down interval, 3 x advert_int + skew
    (skew = (256 - priority) / 256 x advert_int: RFC 3768 section 6.1, as in keepalived's
    vrrp.c), plus 2 s for scheduling on a loaded 2-core machine: ~7.6 s with kkui's values.
    Measured with nopreempt deleted from the template: the old holder took the VIP back
    5.1-5.5 s after the drill ended."""
    conf = keepalived_of(lab, name)
    script, instance = conf.block("vrrp_script"), conf.block("vrrp_instance")
    rise = int(script.value("rise")[0]) * float(script.value("interval")[0])
    advert = float(instance.value("advert_int")[0])
    skew = (256 - int(instance.value("priority")[0])) / 256 * advert
    return rise + 3 * advert + skew + 2.0


def assert_vip_stays(lab: Lab, holder: str, seconds: float,
                     holders: Callable[[], list[str]]) -> None:
    """nopreempt: the VIP stays on ``holder`` for the whole window (polled, not one look at
    the end: a preemption followed by a move back would otherwise pass)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = holders()
        assert now == [holder], (
            f"the VIP left {holder} for {now} {seconds - (deadline - time.monotonic()):.1f} s "
            "after haproxy came back on the old holder: it was preempted (nopreempt missing?)")
        time.sleep(0.2)


def close_and_check(lab: Lab) -> None:
    """Tear the lab down and fail loudly if anything of it survived."""
    lab.close()
    deadline = time.monotonic() + 5  # processes of a killed PID namespace die asynchronously
    while (left := lab.leftovers()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"the lab left things behind: {left}"


@contextlib.contextmanager
def running(lab: Lab, teardown: Callable[[Lab], None] = Lab.close) -> Iterator[Lab]:
    """Start the lab (skipping the test where this machine cannot make one) and always tear it
    down with ``teardown``, also when starting it failed half-way."""
    import pytest

    try:
        lab.start()
    except LabUnavailable as exc:
        teardown(lab)
        pytest.skip(f"namespace lab unavailable: {exc}")
    except BaseException:
        teardown(lab)
        raise
    try:
        yield lab
    finally:
        teardown(lab)


def ensure_preempting_holder(lab: Lab, timeout: float = 20.0) -> str:
    """Make the LB that would preempt hold the VIP before a drill (else a missing nopreempt
    could not show).  Which LB wins at start-up is a race between the two keepalived (with
    nopreempt the first MASTER keeps the VIP), so when the other one won, its haproxy is
    stopped (its track script puts it in FAULT, the VIP moves) and started again (with
    nopreempt it stays BACKUP)."""
    from kkui.core.lb.drill import find_holders

    wanted = preempting_lb(lab)
    wait_for(lambda: len(find_holders(lab.ops())) == 1, timeout, "exactly one VIP holder")
    holder = find_holders(lab.ops())[0]
    if holder != wanted:
        ops = next(o for o in lab.ops() if o.name == holder)
        ops.stop_haproxy()
        try:
            wait_for(lambda: find_holders(lab.ops()) == [wanted], timeout,
                     f"the VIP to move to {wanted}")
        finally:
            ops.start_haproxy()
        wait_for(lambda: all(o.service_state("haproxy") == "active" for o in lab.ops()),
                 timeout, "haproxy on both LBs")
        time.sleep(preempt_window(lab, holder))  # the peer must be BACKUP again, not FAULT
    assert find_holders(lab.ops()) == [wanted]
    return wanted
