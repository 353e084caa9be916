"""A real 3-member etcd cluster (Debian ``etcd-server``) with TLS, laid out the way kk lays it out.

Every member runs as its own ``etcd`` process on its host's loopback address (``:2379`` client,
``:2380`` peer), with kk's certificate names written into that host's fake root
(``<root>/etc/ssl/etcd/ssl/ca.pem``, ``member-<name>.pem``, ``admin-<name>.pem``,
``node-<name>.pem`` and their ``-key.pem``; kk: cmd/kk/pkg/etcd/certs.go).  Members can be
stopped and started again (same data dir) to test quorum.  Traffic stays on 127.0.0.0/8.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from support.pki import Ca

ETCD = shutil.which("etcd") or "/usr/bin/etcd"
ETCDCTL = shutil.which("etcdctl") or "/usr/bin/etcdctl"


def etcd_unavailable_reason() -> str | None:
    if os.geteuid() != 0:
        return "the etcd lab needs root (sshd lab hosts)"
    for tool in (ETCD, ETCDCTL):
        if not Path(tool).exists():
            return f"{tool} is not installed (Debian etcd-server, etcd-client)"
    return None


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass
class Member:
    name: str
    address: str
    ssl_dir: Path          # <host root>/etc/ssl/etcd/ssl
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def client_url(self) -> str:
        return f"https://{self.address}:2379"

    @property
    def peer_url(self) -> str:
        return f"https://{self.address}:2380"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class EtcdLab:
    members: dict[str, Member] = field(default_factory=dict)
    ca: Ca = field(default_factory=lambda: Ca("etcd-ca"))
    token: str = "kkui-lab"

    def add(self, name: str, address: str, host_root: Path, work: Path,
            *, cert_days: float = 365) -> Member:
        ssl_dir = host_root / "etc" / "ssl" / "etcd" / "ssl"
        ssl_dir.mkdir(parents=True, exist_ok=True)
        for d in (host_root / "etc", host_root / "etc" / "ssl", host_root / "etc/ssl/etcd",
                  ssl_dir):
            os.chmod(d, 0o755)
        (ssl_dir / "ca.pem").write_bytes(self.ca.cert_pem)
        (ssl_dir / "ca-key.pem").write_bytes(self.ca.key_pem)
        for kind in ("member", "admin", "node"):
            issued = self.ca.issue(f"etcd-{kind}-{name}", ips=(address, "127.0.0.1"),
                                   dns=(name, "localhost"), days=cert_days)
            (ssl_dir / f"{kind}-{name}.pem").write_bytes(issued.cert_pem)
            (ssl_dir / f"{kind}-{name}-key.pem").write_bytes(issued.key_pem)
        for path in ssl_dir.iterdir():
            os.chmod(path, 0o644)   # the lab's sudo stub runs as the test user
        # kk's data dir (/var/lib/etcd) and environment file, under the host's fake root
        (host_root / "var" / "lib").mkdir(parents=True, exist_ok=True)
        (host_root / "etc" / "etcd.env").write_text(
            f"ETCD_NAME={name}\nETCD_INITIAL_CLUSTER_TOKEN={self.token}\n")
        member = Member(name, address, ssl_dir, host_root / "var" / "lib" / "etcd",
                        work / f"etcd-{name}.log")
        self.members[name] = member
        return member

    def _argv(self, m: Member, state: str) -> list[str]:
        initial = ",".join(f"{o.name}={o.peer_url}" for o in self.members.values())
        ssl = m.ssl_dir
        return [
            ETCD, "--name", m.name, "--data-dir", str(m.data_dir),
            "--listen-client-urls", m.client_url, "--advertise-client-urls", m.client_url,
            "--listen-peer-urls", m.peer_url, "--initial-advertise-peer-urls", m.peer_url,
            "--initial-cluster", initial, "--initial-cluster-state", state,
            "--initial-cluster-token", self.token,
            "--cert-file", str(ssl / f"member-{m.name}.pem"),
            "--key-file", str(ssl / f"member-{m.name}-key.pem"),
            "--trusted-ca-file", str(ssl / "ca.pem"), "--client-cert-auth",
            "--peer-cert-file", str(ssl / f"member-{m.name}.pem"),
            "--peer-key-file", str(ssl / f"member-{m.name}-key.pem"),
            "--peer-trusted-ca-file", str(ssl / "ca.pem"), "--peer-client-cert-auth",
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            "--logger", "zap", "--log-outputs", "stderr",
        ]

    def start(self, name: str | None = None, *, wait: bool = True) -> None:
        """Start one member (or every stopped member); wait until the cluster answers."""
        targets = [self.members[name]] if name else [m for m in self.members.values()
                                                        if not m.running]
        for m in targets:
            state = "existing" if m.data_dir.exists() else "new"
            log = open(m.log_path, "ab")  # noqa: SIM115 - handed to the child
            m.process = subprocess.Popen(self._argv(m, state), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, preexec_fn=_die_with_parent)
            log.close()
        if wait:
            self.wait_healthy(len([m for m in self.members.values() if m.running]))

    def stop(self, name: str) -> None:
        m = self.members[name]
        if m.process is not None and m.process.poll() is None:
            m.process.send_signal(signal.SIGTERM)
            try:
                m.process.wait(5)
            except subprocess.TimeoutExpired:
                m.process.kill()
                m.process.wait(5)

    def close(self) -> None:
        for name in list(self.members):
            self.stop(name)

    def ctl(self, *args: str, via: str | None = None, timeout: float = 10,
            command_timeout: str = "2s") -> subprocess.CompletedProcess[str]:
        m = self.members[via or next(iter(self.members))]
        endpoints = ",".join(o.client_url for o in self.members.values())
        env = {"ETCDCTL_API": "3", "PATH": os.environ.get("PATH", "")}
        return subprocess.run(
            [ETCDCTL, f"--endpoints={endpoints}", "--cacert", str(m.ssl_dir / "ca.pem"),
             "--cert", str(m.ssl_dir / f"admin-{m.name}.pem"),
             "--key", str(m.ssl_dir / f"admin-{m.name}-key.pem"),
             "--dial-timeout=1s", f"--command-timeout={command_timeout}", *args],
            capture_output=True, text=True, timeout=timeout, env=env, check=False)

    def wait_healthy(self, count: int, timeout: float = 20) -> None:
        """Until ``count`` running members report healthy (a quorum must exist for any)."""
        deadline = time.monotonic() + timeout
        running = [m for m in self.members.values() if m.running]
        while True:
            for m in running:
                if m.process is not None and m.process.poll() is not None:
                    raise RuntimeError(f"etcd {m.name} exited: "
                                       f"{m.log_path.read_text()[-2000:]}")
            ok = 0
            for m in running:
                with socket.socket() as s:
                    s.settimeout(0.2)
                    if s.connect_ex((m.address, 2379)) != 0:
                        break
            else:
                res = self.ctl("endpoint", "health", via=running[0].name) if running else None
                # etcdctl 3.4 prints endpoint health on stderr
                ok = (res.stdout + res.stderr).count("is healthy") if res else 0
            if ok >= count:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"etcd: {ok} of {count} members healthy after {timeout} s")
            time.sleep(0.1)
