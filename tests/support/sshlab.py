"""Real OpenSSH hosts on loopback for tests: one ``sshd`` per simulated host.

Usage (pytest has ``pythonpath = tests``)::

    from support.sshlab import SshLab, sshlab   # `sshlab`: a session-scoped fixture

    def test_something(sshlab):
        host = sshlab.add_host("node1", tools_missing=("socat",))
        cfg = sshlab.write_config(tmp_path / "config.yaml", [host])

Each host gets its own ``sshd`` (own config, host key, ``ListenAddress 127.B.C.N``; all hosts of
a lab share one port) and a per-host ``SetEnv PATH=<host>/bin:<lab>/common``: ``<host>/bin``
holds tiny stub tools (sudo, socat, conntrack, uname, systemctl, getenforce, ...), ``common``
holds symlinks to the real basic tools, so results never depend on what the CI machine has
installed.  ``KKUI_PRECHECK_ROOT`` points kkui's gather script at a per-host fake root
(``etc/os-release``, ``proc/meminfo``, ``proc/net/tcp`` ...), ``KKUI_PRECHECK_SBIN_DIRS`` at the
host's own ``sbin`` directory.

Two labs (e.g. two test sessions of different helpers at once) never collide: each picks a
random ``127.B.C.0/24`` block and a free port, and its own authorized-keys file.  All sshd
processes die with the lab (``stop()``, a finalizer, and ``PR_SET_PDEATHSIG`` for crashes).
Nothing here sends a packet outside 127.0.0.0/8: every host's ``ping`` is a stub.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import pwd
import random
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

SSHD = "/usr/sbin/sshd"
# Every lab makes its own throw-away account (``kkuit-<lab id>``) with a random password drawn
# per run, and removes it (userdel -r) when the lab stops or the interpreter exits: no password
# of a login account is ever written into the repository, and nothing outlives the run.
LAB_USER_PREFIX = "kkuit-"
COMMON_TOOLS = (
    "bash", "sh", "cat", "grep", "date", "id", "head", "tail", "tr", "cut", "sed", "sleep",
    "timeout", "env", "ls", "mkdir", "mktemp", "chmod", "mv", "rm", "cp", "tee", "wc", "sort",
    "true", "false", "echo", "printf", "test", "readlink", "dirname", "basename", "stat",
    "ip", "install", "base64", "awk", "xargs", "find", "touch", "ln",
)
DEFAULT_TOOLS = ("socat", "conntrack", "ebtables", "ipset", "curl", "openssl")

OS_RELEASE_DEBIAN12 = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""

OS_RELEASE_ROCKY9 = """\
NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ANSI_COLOR="0;32"
"""

_PR_SET_PDEATHSIG = 1


def lab_unavailable_reason() -> str | None:
    """Why real-sshd tests cannot run here (None when they can)."""
    if os.geteuid() != 0:
        return "sshlab needs root (it starts sshd and creates a test user)"
    if not os.path.exists(SSHD):
        return f"{SSHD} is missing (Debian package openssh-server)"
    return None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ed25519_pair() -> tuple[bytes, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return private, public


def _write(path: Path, text: str | bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(data)
    os.chmod(path, mode)


def random_password() -> str:
    """A per-run password (never committed, never reused by another run)."""
    return secrets.token_urlsafe(18)


def ensure_user(user: str, password: str) -> pwd.struct_passwd:
    """Create the unprivileged test user (idempotent, safe across concurrent labs).

    The account needs a shell: sshd runs every command of a session through the user's shell
    (``nologin`` would refuse them all); it gets ``/bin/sh`` (the precheck script is run with
    an explicit ``bash``).  The password is the lab's random per-run one.
    """
    with open("/tmp/.kkui-sshlab-user.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "-m", "-s", "/bin/sh", user], check=True,
                           capture_output=True)
            entry = pwd.getpwnam(user)
        subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True,
                       capture_output=True)
        ssh_dir = Path(entry.pw_dir) / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        os.chown(ssh_dir, entry.pw_uid, entry.pw_gid)
        os.chmod(entry.pw_dir, 0o755)
        return entry


# -- stubs ---------------------------------------------------------------------------------

def stub_tool(name: str, version: str = "1.0") -> str:
    return f'#!/bin/sh\necho "{name} version {version} (kkui sshlab stub)"\n'


def stub_sudo(mode: str, secure_path: str, password: str) -> str:
    """A stand-in for sudo that applies ``secure_path`` the way real sudo does.

    mode: ``nopasswd`` | ``password`` (asks; accepts ``password`` via -S) | ``denied``.
    It cannot make anyone root: commands run as the test user.
    """
    return f"""#!/bin/sh
# kkui sshlab stub sudo (mode {mode})
nonint=0; stdin_pw=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) nonint=1 ;; -S) stdin_pw=1 ;; -p|-u|-g) shift ;; --) shift; break ;;
    -*) ;; *) break ;;
  esac
  shift
done
if [ "{mode}" = password ] || [ "{mode}" = denied ]; then
  if [ $stdin_pw = 1 ]; then
    IFS= read -r pw || pw=
    if [ "$pw" != '{password}' ]; then echo "sudo: 1 incorrect password attempt" >&2; exit 1; fi
  else
    echo "sudo: a password is required" >&2; exit 1
  fi
  if [ "{mode}" = denied ]; then echo "$(id -un) is not in the sudoers file." >&2; exit 1; fi
fi
PATH='{secure_path}'; export PATH
[ $# -eq 0 ] && exit 0
exec "$@"
"""


def stub_systemctl(active: Iterable[str]) -> str:
    names = " ".join(sorted(active))
    return f"""#!/bin/sh
# kkui sshlab stub systemctl: active units: {names or '(none)'}
if [ "$1" = is-active ]; then
  shift; rc=3
  for unit in "$@"; do
    state=inactive
    for u in {names}; do [ "$unit" = "$u" ] && state=active; done
    echo $state; [ $state = active ] && rc=0
  done
  exit $rc
fi
exit 0
"""


def stub_uname(machine: str, release: str) -> str:
    """Answers like uname: fields in the kernel's order (s n r v m) whatever the flag order."""
    return f"""#!/bin/sh
flags=$(printf '%s' "$*" | tr -d ' -')
[ -z "$flags" ] && flags=s
out=""
case $flags in *s*|*a*) out="$out Linux" ;; esac
case $flags in *n*|*a*) out="$out $(hostname)" ;; esac
case $flags in *r*|*a*) out="$out {release}" ;; esac
case $flags in *m*|*a*) out="$out {machine}" ;; esac
echo ${{out# }}
"""


def stub_df(free_kib: int) -> str:
    total = max(free_kib * 2, 1024)
    used = total - free_kib
    return f"""#!/bin/sh
echo "Filesystem     1024-blocks      Used Available Capacity Mounted on"
for m in "$@"; do
  case "$m" in -*) continue ;; esac
  echo "/dev/vda1      {total} {used} {free_kib}      50% /"
done
"""


def stub_apt_get(bin_dir: Path) -> str:
    """``apt-get install -y PKG...`` that 'installs' by dropping a stub tool in the host's bin."""
    return f"""#!/bin/sh
# kkui sshlab stub apt-get
cmd=""
for a in "$@"; do
  case "$a" in
    -*) ;;
    install|update) cmd=$a ;;
    *) if [ "$cmd" = install ]; then
         t=$a; [ "$a" = conntrack-tools ] && t=conntrack
         printf '#!/bin/sh\\necho "%s (installed by stub apt-get)"\\n' "$t" > '{bin_dir}'/"$t"
         chmod 755 '{bin_dir}'/"$t"
         echo "Setting up $a (1.0) ..."
       fi ;;
  esac
done
exit 0
"""


def proc_net_tcp(ports: Iterable[int], address: str = "0.0.0.0") -> str:
    """``/proc/net/tcp`` with a LISTEN (0A) row per port."""
    octets = [int(x) for x in address.split(".")]
    hex_addr = "".join(f"{o:02X}" for o in reversed(octets))
    rows = ["  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
            "uid  timeout inode"]
    for i, port in enumerate(ports):
        rows.append(f"   {i}: {hex_addr}:{port:04X} 00000000:0000 0A 00000000:00000000 "
                    f"00:00000000 00000000     0        0 {20000 + i} 1 0000000000000000 100 0 0 "
                    "10 0")
    return "\n".join(rows) + "\n"


def meminfo(mem_kib: int) -> str:
    return (f"MemTotal:       {mem_kib} kB\nMemFree:        {mem_kib // 2} kB\n"
            f"MemAvailable:   {mem_kib * 3 // 4} kB\n")


def proc_swaps(swap_kib: int) -> str:
    text = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
    if swap_kib:
        text += f"/dev/vda2                               partition\t{swap_kib}\t\t0\t\t-2\n"
    return text


# -- hosts ---------------------------------------------------------------------------------

@dataclass
class LabHost:
    """One simulated machine. Edit its stubs/files at any time; restart only for sshd changes."""

    name: str
    address: str
    port: int
    dir: Path
    lab: SshLab = field(repr=False)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def bin_dir(self) -> Path:
        return self.dir / "bin"

    @property
    def sbin_dir(self) -> Path:
        return self.dir / "sbin"

    @property
    def root_dir(self) -> Path:
        return self.dir / "root"

    @property
    def host_key_path(self) -> Path:
        return self.dir / "ssh_host_ed25519_key"

    @property
    def log_path(self) -> Path:
        return self.dir / "sshd.log"

    def set_stub(self, tool: str, script: str | None, *, sbin: bool = False) -> None:
        """Install (or with ``None`` remove) a stub tool on this host."""
        path = (self.sbin_dir if sbin else self.bin_dir) / tool
        if script is None:
            path.unlink(missing_ok=True)
        else:
            _write(path, script, 0o755)

    def set_file(self, relpath: str, text: str) -> None:
        """A file under the host's fake root, e.g. ``etc/os-release``."""
        _write(self.root_dir / relpath, text, 0o644)

    def regenerate_host_key(self) -> None:
        """A reinstalled machine: new host key, sshd restarted on the same address."""
        private, _ = _ed25519_pair()
        _write(self.host_key_path, private, 0o600)
        self.restart()

    def start(self) -> None:
        self.lab._start(self)
        self.lab._wait_ready([self])

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


class LabUnavailable(RuntimeError):
    pass


class SshLab:
    """A set of loopback sshd hosts sharing a test user, a client key and a port."""

    def __init__(self, base_dir: str | os.PathLike[str] | None = None, *,
                 user: str | None = None, password: str | None = None) -> None:
        reason = lab_unavailable_reason()
        if reason:
            raise LabUnavailable(reason)
        install_run_sshd()
        self.lab_id = secrets.token_hex(4)
        self.user = user or f"{LAB_USER_PREFIX}{self.lab_id}"
        self.password = password or random_password()
        self.dir = Path(tempfile.mkdtemp(prefix="kkui-sshlab-", dir=base_dir))
        os.chmod(self.dir, 0o755)
        rng = random.SystemRandom()
        self.block = f"127.{rng.randint(100, 250)}.{rng.randint(0, 255)}"
        self.port = _free_port()
        self.hosts: dict[str, LabHost] = {}
        self._next = 1
        entry = ensure_user(self.user, self.password)
        private, public = _ed25519_pair()
        self.key_path = self.dir / "id_ed25519"
        _write(self.key_path, private, 0o600)
        self.private_key_text = private.decode()
        self.authorized_keys = Path(entry.pw_dir) / ".ssh" / f"kkui-lab-{self.lab_id}.keys"
        _write(self.authorized_keys, public + "\n", 0o600)
        os.chown(self.authorized_keys, entry.pw_uid, entry.pw_gid)
        self.common_dir = self.dir / "common"
        self.common_dir.mkdir(mode=0o755)
        std_path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for tool in COMMON_TOOLS:
            real = shutil.which(tool, path=std_path)
            if real:
                os.symlink(real, self.common_dir / tool)
        self._procs: list[subprocess.Popen[bytes]] = []
        self._finalizer = weakref.finalize(self, _cleanup, self._procs, self.dir,
                                           self.authorized_keys, self.user)

    # -- addresses ------------------------------------------------------------------------
    def unused_endpoint(self) -> tuple[str, int]:
        """A loopback address and port where nothing listens (connection refused)."""
        return f"{self.block}.254", self.port

    # -- hosts ----------------------------------------------------------------------------
    def add_host(self, name: str, *, sudo: str = "nopasswd", arch: str = "x86_64",
                 kernel: str = "6.1.0-17-amd64", hostname: str | None = None,
                 os_release: str = OS_RELEASE_DEBIAN12, cpus: int = 4,
                 mem_kib: int = 8 * 1024 * 1024, disk_free_kib: int = 50 * 1024 * 1024,
                 swap_kib: int = 0, listening: Iterable[int] = (22,),
                 tools: Iterable[str] = DEFAULT_TOOLS, tools_missing: Iterable[str] = (),
                 sbin_tools: Iterable[str] = (), selinux: str | None = None,
                 active_services: Iterable[str] = (), ip_forward: int = 1,
                 br_netfilter: bool = True, ping_answers: bool = False,
                 pkg_manager: str | None = None,
                 stubs: Mapping[str, str | None] | None = None,
                 files: Mapping[str, str] | None = None, start: bool = True) -> LabHost:
        """Create (and by default start) a simulated host.

        ``sbin_tools`` go to the host's sbin dir, which sudo's secure_path does not include
        (kubekey#1167).  ``selinux``: text ``getenforce`` prints, None = no SELinux tools.
        ``stubs`` override/remove (None) any stub; ``files`` write files under the fake root.
        """
        if name in self.hosts:
            raise ValueError(f"lab host {name!r} exists")
        if self._next > 250:
            raise ValueError("a lab holds at most 250 hosts")
        address = f"{self.block}.{self._next}"
        self._next += 1
        hdir = self.dir / "hosts" / name
        host = LabHost(name=name, address=address, port=self.port, dir=hdir, lab=self)
        for d in (hdir, host.bin_dir, host.sbin_dir, host.root_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o755)
            os.chmod(d, 0o755)
        secure_path = f"{host.bin_dir}:{self.common_dir}"
        missing = set(tools_missing)
        default_stubs: dict[str, str | None] = {
            "uname": stub_uname(arch, kernel),
            "hostname": f"#!/bin/sh\necho {hostname or name}\n",
            "nproc": f"#!/bin/sh\necho {cpus}\n",
            "df": stub_df(disk_free_kib),
            "systemctl": stub_systemctl(active_services),
            "ping": "#!/bin/sh\nexit 0\n" if ping_answers else "#!/bin/sh\nexit 1\n",
        }
        if sudo != "missing":
            default_stubs["sudo"] = stub_sudo(sudo, secure_path, self.password)
        if selinux is not None:
            default_stubs["getenforce"] = f"#!/bin/sh\necho {selinux}\n"
        for tool in tools:
            if tool not in missing:
                default_stubs[tool] = stub_tool(tool)
        if pkg_manager == "apt":
            default_stubs["apt-get"] = stub_apt_get(host.bin_dir)
            # the stub package manager runs as the test user and 'installs' into bin/
            entry = pwd.getpwnam(self.user)
            os.chown(host.bin_dir, entry.pw_uid, entry.pw_gid)
        default_stubs.update(stubs or {})
        for tool, script in default_stubs.items():
            host.set_stub(tool, script)
        for tool in sbin_tools:
            host.set_stub(tool, stub_tool(tool), sbin=True)
        default_files = {
            "etc/os-release": os_release,
            "proc/meminfo": meminfo(mem_kib),
            "proc/swaps": proc_swaps(swap_kib),
            "proc/net/tcp": proc_net_tcp(listening),
            "proc/net/tcp6": proc_net_tcp(()),
            "proc/modules": "br_netfilter 32768 0 - Live 0x0000000000000000\n"
                            if br_netfilter else "overlay 151552 0 - Live 0x0\n",
            "proc/sys/net/ipv4/ip_forward": f"{ip_forward}\n",
        }
        if selinux is not None:
            default_files["etc/selinux/config"] = f"SELINUX={selinux.lower()}\n"
        default_files.update(files or {})
        for rel, text in default_files.items():
            host.set_file(rel, text)
        private, _ = _ed25519_pair()
        _write(host.host_key_path, private, 0o600)
        _write(hdir / "sshd_config", self._sshd_config(host), 0o644)
        self.hosts[name] = host
        if start:
            host.start()
        return host

    def add_hosts(self, names: Iterable[str], **kwargs: object) -> list[LabHost]:
        """Several hosts, started together (faster than one by one)."""
        hosts = [self.add_host(n, start=False, **kwargs) for n in names]  # type: ignore[arg-type]
        for h in hosts:
            self._start(h)
        self._wait_ready(hosts)
        return hosts

    def host(self, name: str) -> LabHost:
        return self.hosts[name]

    def _sshd_config(self, host: LabHost) -> str:
        env = (f"PATH={host.bin_dir}:{self.common_dir} KKUI_PRECHECK_ROOT={host.root_dir} "
               f"KKUI_PRECHECK_SBIN_DIRS={host.sbin_dir}")
        return f"""# kkui sshlab host {host.name}
Port {host.port}
ListenAddress {host.address}
HostKey {host.host_key_path}
PidFile none
AuthorizedKeysFile {self.authorized_keys}
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers {self.user}
StrictModes yes
MaxStartups 200
MaxSessions 64
UseDNS no
PrintMotd no
PrintLastLog no
SetEnv {env}
Subsystem sftp internal-sftp
LogLevel INFO
"""

    def _start(self, host: LabHost) -> None:
        host.stop()
        proc = subprocess.Popen(
            [SSHD, "-D", "-f", str(host.dir / "sshd_config"), "-E", str(host.log_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent)
        host.process = proc
        self._procs.append(proc)

    def _wait_ready(self, hosts: list[LabHost], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(hosts)
        while pending:
            for host in list(pending):
                assert host.process is not None
                if host.process.poll() is not None:
                    err = host.process.stderr.read().decode() if host.process.stderr else ""
                    log = host.log_path.read_text() if host.log_path.exists() else ""
                    raise RuntimeError(f"sshd for {host.name} exited: {err}{log}")
                with socket.socket() as s:
                    s.settimeout(0.2)
                    if s.connect_ex((host.address, host.port)) == 0:
                        pending.remove(host)
            if pending:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"sshd not ready: {[h.name for h in pending]}")
                time.sleep(0.01)

    def start(self) -> None:
        """Start every host that is not running."""
        stopped = [h for h in self.hosts.values()
                   if h.process is None or h.process.poll() is not None]
        for h in stopped:
            self._start(h)
        self._wait_ready(stopped)

    def stop(self) -> None:
        """Stop every sshd and remove the lab's files (also runs at interpreter exit)."""
        self._finalizer()

    # -- configs --------------------------------------------------------------------------
    def host_row(self, host: LabHost, *, auth: str = "key", **extra: object) -> dict[str, object]:
        row: dict[str, object] = {"name": host.name, "address": host.address,
                                  "internalAddress": host.address, "port": host.port,
                                  "user": self.user}
        if auth == "key":
            row["privateKeyPath"] = str(self.key_path)
        elif auth == "password":
            row["password"] = self.password
        elif auth == "inline-key":
            row["privateKey"] = self.private_key_text
        elif auth != "none":
            raise ValueError(f"auth must be key, password, inline-key or none, not {auth!r}")
        row.update(extra)
        return row

    def write_config(self, path: str | os.PathLike[str], hosts: Iterable[LabHost | Mapping],
                     *, auth: str = "key", roles: Mapping[str, Iterable[str]] | None = None,
                     lb_hosts: Iterable[LabHost | Mapping] = (),
                     lb: Mapping[str, object] | None = None, name: str = "sshlab",
                     kubernetes_version: str = "v1.28.15",
                     container_manager: str = "containerd") -> Path:
        """A real kk v1alpha2 config (plus a KkuiSettings document when ``lb_hosts``/``lb``)
        whose hosts are lab hosts; rows may also be given as ready-made dicts."""
        rows = [h if isinstance(h, Mapping) else self.host_row(h, auth=auth) for h in hosts]
        names = [str(r["name"]) for r in rows]
        groups = {k: list(v) for k, v in (roles or {
            "etcd": names[:1], "control-plane": names[:1], "worker": names}).items()}
        lines = ["apiVersion: kubekey.kubesphere.io/v1alpha2", "kind: Cluster", "metadata:",
                 f"  name: {name}", "spec:", "  hosts:"]
        lines += [f"  - {json.dumps(r)}" for r in rows]
        lines.append("  roleGroups:")
        for group, members in groups.items():
            lines.append(f"    {group}:" + ("" if members else " []"))
            lines += [f"    - {m}" for m in members]
        lines += ["  controlPlaneEndpoint:", "    domain: lb.kubesphere.local",
                  f"    address: {json.dumps(str((lb or {}).get('vip', '')))}",
                  f"    port: {int(str((lb or {}).get('port', 6443)))}",
                  "  kubernetes:", f"    version: {kubernetes_version}",
                  "    clusterName: cluster.local", f"    containerManager: {container_manager}",
                  "  etcd:", "    type: kubekey", "  network:", "    plugin: calico",
                  "    kubePodsCIDR: 10.233.64.0/18", "    kubeServiceCIDR: 10.233.0.0/18"]
        lb_rows = [h if isinstance(h, Mapping) else self.host_row(h, auth=auth)
                   for h in lb_hosts]
        if lb_rows or lb:
            settings = dict(lb or {})
            lines += ["---", "apiVersion: kkui/v1alpha1", "kind: KkuiSettings", "metadata:",
                      f"  name: {name}", "spec:", "  kk: {version: v3.1.12, zone: global}",
                      "  loadBalancer:"]
            lines += [f"    {k}: {json.dumps(v)}" for k, v in settings.items()]
            lines.append("    hosts:" + ("" if lb_rows else " []"))
            lines += [f"    - {json.dumps(r)}" for r in lb_rows]
        target = Path(path)
        _write(target, "\n".join(lines) + "\n", 0o600)
        return target


def install_run_sshd() -> None:
    """Debian's package does not create sshd's privilege-separation directory."""
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)


def remove_user(user: str) -> None:
    """userdel -r (home included).  userdel refuses while a process of the user runs, and a
    test can leave one behind (a stub's ``sleep`` when a precheck is cancelled): those —
    processes of this lab's own throw-away account, found by uid — are killed first."""
    import psutil

    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return
    leftovers = [p for p in psutil.process_iter(["uids"])
                 if p.info["uids"] is not None and uid in (p.info["uids"].real,
                                                           p.info["uids"].effective)]
    for proc in leftovers:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(leftovers, timeout=5)
    with open("/tmp/.kkui-sshlab-user.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(["userdel", "-r", user], capture_output=True, check=False)


def _cleanup(procs: list[subprocess.Popen[bytes]], lab_dir: Path, auth_keys: Path,
             user: str) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
    auth_keys.unlink(missing_ok=True)
    shutil.rmtree(lab_dir, ignore_errors=True)
    remove_user(user)


try:  # the fixture is optional so that the module imports without pytest
    import pytest

    @pytest.fixture(scope="session")
    def sshlab() -> Iterator[SshLab]:
        """A session-wide lab; tests add the hosts they need (names unique per session)."""
        reason = lab_unavailable_reason()
        if reason:
            pytest.skip(reason)
        lab = SshLab()
        try:
            yield lab
        finally:
            lab.stop()
except ImportError:  # pragma: no cover
    pass
