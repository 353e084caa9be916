"""Pure check functions: ``(Facts, CheckContext) -> CheckResult``, one per stable check id.

Each one reads only the gathered facts and the host's settings, so saved outputs (recorded in
Debian roots or reconstructed from public sources: tests/precheck/recorded/PROVENANCE.md) test
them table-driven.

Details and fixes are :class:`kkui.i18n.L_` messages (issue #16): English ``str`` for
``--json`` and the run records, shown in the user's language by the CLI and the TUI. Commands,
paths, package names and the host's own words are values inside them and stay as they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kkui.core.config.roles import ROLE_CONTROL_PLANE, ROLE_ETCD, ROLE_WORKER
from kkui.core.precheck.distro import (
    OsInfo,
    family_of,
    install_command,
    package_for,
    parse_os_release,
)
from kkui.core.precheck.gather import Facts
from kkui.core.precheck.registry import BOTH, LB, Check, Registry
from kkui.core.precheck.report import CheckResult, Status
from kkui.i18n import L_, N_, joined, listed

if TYPE_CHECKING:  # the model is not needed to list the checks (`precheck --help`)
    from kkui.core.config.model import Host

GIB = 1024 * 1024  # in KiB
ARCH_ALIASES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
                "armv8": "arm64", "armv8l": "arm64"}
CLUSTER_PORTS = "6443/tcp, 2379-2380/tcp, 10250/tcp, 10257/tcp, 10259/tcp, 30000-32767/tcp"
_CLUSTER_TCP = ("6443", "2379-2380", "10250", "10257", "10259", "30000-32767")


@dataclass(frozen=True)
class CniTraffic:
    """What a network plugin needs through a host firewall: shown in the detail AND opened by
    the fix (issue #11: the fix used to open only the cluster ports)."""

    described: str
    ports: tuple[str, ...] = ()  # "179/tcp", "6641-6642/tcp"
    protocols: tuple[str, ...] = ()  # /etc/protocols names: "ipencap" is IP-in-IP (4)


CNI_PORTS = {
    "calico": CniTraffic("179/tcp (BGP), IP-in-IP (IP protocol 4), 4789/udp (VXLAN)",
                         ("179/tcp", "4789/udp"), ("ipencap",)),
    "flannel": CniTraffic("8472/udp (VXLAN)", ("8472/udp",)),
    "cilium": CniTraffic("8472/udp (VXLAN), 4240/tcp (health)", ("8472/udp", "4240/tcp")),
    "kubeovn": CniTraffic("6081/udp (Geneve), 6641-6642/tcp (OVN)",
                          ("6081/udp", "6641-6642/tcp")),
    "hybridnet": CniTraffic("4789/udp (VXLAN)", ("4789/udp",)),
}
ROLE_PORTS: dict[str, tuple[tuple[int, str], ...]] = {
    ROLE_CONTROL_PLANE: ((6443, "kube-apiserver"), (10250, "kubelet"),
                         (10257, "kube-controller-manager"), (10259, "kube-scheduler")),
    ROLE_ETCD: ((2379, "etcd client"), (2380, "etcd peer")),
    ROLE_WORKER: ((10250, "kubelet"),),
}


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides the facts: the host row and cluster-wide settings."""

    host: Host
    roles: tuple[str, ...] = ()
    container_manager: str = "containerd"
    network_plugin: str = "calico"
    skip_configure_os: bool = False
    sent_at: float = 0.0       # local clock just before the gather script was started
    received_at: float = 0.0   # local clock when its output had arrived
    # Hostnames reported by the other hosts of this run: host name -> hostname.
    peer_hostnames: Mapping[str, str] = field(default_factory=dict)
    lb_vip: str = ""
    lb_prefix: int = 24
    lb_port: int = 6443
    lb_interface: str = ""


# -- shared helpers ------------------------------------------------------------------------

def os_info(f: Facts) -> OsInfo:
    return parse_os_release(f.text("os"))


def family(f: Facts) -> str:
    pkgmgr = f.kv("pkgmgr") if f.has("pkgmgr") else {}
    return family_of(os_info(f), pkgmgr)


def is_root(f: Facts, ctx: CheckContext) -> bool:
    ident = f.lines("id") if f.has("id") else []
    return (ident[1].strip() == "0") if len(ident) > 1 else ctx.host.user == "root"


def sudo_prefix(f: Facts, ctx: CheckContext) -> str:
    return "" if is_root(f, ctx) else "sudo "


def install_fix(f: Facts, ctx: CheckContext, tools: list[str]) -> tuple[str, tuple[str, ...]]:
    fam = family(f)
    packages = tuple(package_for(t, fam) for t in tools)
    return install_command(fam, packages, sudo_prefix(f, ctx)), packages if fam else ()


def sudo_usable(f: Facts) -> bool:
    return f.kv("sudo").get("mode") in ("root", "nopasswd", "password")


def _gib(kib: float) -> str:
    return f"{kib / GIB:.1f} GiB"


# -- access ----------------------------------------------------------------------------------

def check_sudo(f: Facts, ctx: CheckContext) -> CheckResult:
    info = f.kv("sudo")
    mode = info.get("mode", "")
    user = ctx.host.user
    name = ctx.host.name
    msg = info.get("msg", "")
    if mode == "missing":
        cmd, pkgs = install_fix(f, ctx, ["sudo"])
        root = is_root(f, ctx)
        return CheckResult(
            "sudo", "fail",
            L_("sudo is not installed: kk runs every remote command as `sudo -E /bin/bash -c "
               "...`, even when it logs in as root (kubekey#1196)"),
            cmd if root else L_("log in as root and run: {command}",
                                command=cmd.removeprefix("sudo ")),
            pkgs if root else ())
    if mode == "root":
        return CheckResult("sudo", "pass", L_("logged in as root; sudo works"))
    if mode == "nopasswd":
        return CheckResult("sudo", "pass", L_("{user} can sudo without a password", user=user))
    if mode == "password":
        return CheckResult("sudo", "pass",
                           L_("sudo asks {user} for a password; kk types the host row's "
                              "password", user=user))
    if mode == "wrong-password":
        return CheckResult("sudo", "fail",
                           L_("sudo rejected the `password:` of host {host} ({why})", host=name,
                              why=msg or L_("incorrect password")),
                           L_("put {user}'s login/sudo password in `password:` of host {host}",
                              user=user, host=name))
    if mode == "needs-password":
        return CheckResult(
            "sudo", "fail",
            L_("sudo asks {user} for a password but host {host} has no `password:`; kk would "
               "hang at that prompt (kubekey#2343)", user=user, host=name),
            L_("add `password:` to host {host}, or allow passwordless sudo: {command}", host=name,
               command=f"echo '{user} ALL=(ALL) NOPASSWD: ALL' | sudo tee /etc/sudoers.d/{user}"))
    if mode == "denied":
        group = "sudo" if family(f) == "apt" else "wheel"
        return CheckResult("sudo", "fail",
                           L_("{user} is not allowed to use sudo ({why})", user=user, why=msg),
                           L_("as root: {command}", command=f"usermod -aG {group} {user}"))
    if mode == "requiretty":
        return CheckResult("sudo", "fail",
                           L_("sudo refuses to run without a terminal ({why})", why=msg),
                           L_("remove `Defaults requiretty` with visudo"))
    return CheckResult("sudo", "fail",
                       L_("sudo does not work for {user}: {why}", user=user, why=msg or mode),
                       L_("run `sudo -n true` on the host to see why"))


# -- tools kk looks for ----------------------------------------------------------------------

_REQUIRED_WHY = {
    "socat": N_("kk stops with `socat is required`"),
    "conntrack": N_("kk stops with `conntrack is required`"),
    "ebtables": N_("kube-proxy and the CNI need it"),
    "ipset": N_("kube-proxy (ipvs) and the CNI need it"),
}


def _where(f: Facts, tool: str) -> tuple[str, str]:
    """(path kk sees via sudo, path found elsewhere) — each may be empty."""
    login, sbin = (f.table("tools").get(tool, []) + ["", ""])[:2]
    kk_path = f.table("kktools").get(tool, [""])[0] if sudo_usable(f) else ""
    return kk_path, login or sbin


def check_required_tool(tool: str) -> Callable[[Facts, CheckContext], CheckResult]:
    def check(f: Facts, ctx: CheckContext) -> CheckResult:
        kk_path, elsewhere = _where(f, tool)
        if kk_path:
            return CheckResult(tool, "pass",
                               L_("{path} (found the way kk looks for it)", path=kk_path))
        if elsewhere and not sudo_usable(f):
            return CheckResult(tool, "error",
                               L_("found at {path}, but kkui cannot check what kk sees "
                                  "without working sudo", path=elsewhere),
                               L_("fix the sudo check first"))
        if elsewhere:
            directory = elsewhere.rsplit("/", 1)[0] or "/"
            return CheckResult(
                tool, "fail",
                L_("installed at {path}, but kk will not find it: kk runs "
                   "`sudo -E /bin/bash -c \"command -v {tool}\"` and sudo's secure_path does "
                   "not include {directory} (kubekey#1167)",
                   path=elsewhere, tool=tool, directory=directory),
                L_("{command}   (or add {directory} to secure_path with visudo)",
                   command=f"{sudo_prefix(f, ctx)}ln -s {elsewhere} /usr/bin/{tool}",
                   directory=directory))
        cmd, pkgs = install_fix(f, ctx, [tool])
        return CheckResult(tool, "fail", L_("not installed: {why}", why=L_(_REQUIRED_WHY[tool])),
                           cmd, pkgs)

    check.__name__ = f"check_{tool}"
    return check


def check_optional_tool(check_id: str, tool: str) -> Callable[[Facts, CheckContext],
                                                               CheckResult]:
    def check(f: Facts, ctx: CheckContext) -> CheckResult:
        kk_path, elsewhere = _where(f, tool)
        if kk_path or elsewhere:
            return CheckResult(check_id, "pass", kk_path or elsewhere)
        cmd, _pkgs = install_fix(f, ctx, [tool])
        return CheckResult(check_id, "pass",
                           L_("not installed (optional; `kk init os` installs it)"), cmd)

    check.__name__ = f"check_{check_id}"
    return check


def _version(f: Facts, tool: str) -> str:
    line = f.kv("versions").get(tool, "") if f.has("versions") else ""
    for word in line.replace(",", " ").split():
        w = word.lstrip("v")
        if w[:1].isdigit() and "." in w:
            return w
    return line


def check_runtime(tool: str) -> Callable[[Facts, CheckContext], CheckResult]:
    def check(f: Facts, ctx: CheckContext) -> CheckResult:
        kk_path, elsewhere = _where(f, tool)
        path = kk_path or elsewhere
        wanted = ctx.container_manager == tool
        if not path:
            if wanted:
                return CheckResult(tool, "pass",
                                   L_("not installed; kk installs {tool} (containerManager)",
                                      tool=tool))
            return CheckResult(tool, "pass", L_("not installed"))
        version = _version(f, tool) or L_("unknown version")
        if wanted:
            return CheckResult(
                tool, "warn",
                L_("{tool} {version} is already installed ({path}): kk keeps it instead of "
                   "installing the version it ships", tool=tool, version=version, path=path),
                L_("keep it if that version suits your Kubernetes version, or remove it before "
                   "`kk create cluster`"))
        return CheckResult(tool, "pass",
                           L_("{tool} {version} installed ({path}); containerManager is "
                              "{manager}", tool=tool, version=version, path=path,
                              manager=ctx.container_manager))

    check.__name__ = f"check_{tool}"
    return check


# -- the machine -----------------------------------------------------------------------------

def check_os(f: Facts, ctx: CheckContext) -> CheckResult:
    info = os_info(f)
    if not info.id:
        return CheckResult("os", "warn",
                           L_("no /etc/os-release: kk cannot tell the distribution"),
                           L_("kk v3 supports CentOS/RHEL/Rocky, Ubuntu, Debian, Kylin, "
                              "openEuler, SUSE"))
    fam = family(f)
    name = info.pretty_name or f"{info.id} {info.version_id}"
    if not fam:
        return CheckResult("os", "warn",
                           L_("{name}: unknown distribution family; `kk init os` and "
                              "`kkui precheck --fix` cannot install packages here", name=name),
                           L_("install socat conntrack ebtables ipset by hand"))
    old = (info.id in {"centos", "rhel"} and info.version_id.split(".")[0] in {"5", "6"}) or \
        (info.id == "ubuntu" and info.version_id < "16.04")
    if old:
        return CheckResult("os", "warn",
                           L_("{name}: older than anything kk v3 supports", name=name),
                           L_("use CentOS/RHEL 7+, Ubuntu 16.04+ or Debian 9+"))
    return CheckResult("os", "pass", f"{name} ({fam})")


def check_arch(f: Facts, ctx: CheckContext) -> CheckResult:
    machine = f.lines("uname")[0].strip() if f.lines("uname") else ""
    actual = ARCH_ALIASES.get(machine)
    configured = ARCH_ALIASES.get(ctx.host.arch, ctx.host.arch)
    if actual is None:
        return CheckResult("arch", "fail",
                           L_("machine is {machine}: kk v3 ships only amd64 and arm64",
                              machine=machine or L_("unknown")),
                           L_("use an amd64 or arm64 machine"))
    if actual != configured:
        default = L_(" (the default)") if ctx.host.arch == "amd64" else ""
        return CheckResult(
            "arch", "fail",
            L_("machine is {actual} ({machine}) but the config says arch {arch}{default}: "
               "kk never detects the architecture and would install {configured} binaries "
               "(kubekey#2615)", actual=actual, machine=machine, arch=ctx.host.arch,
               default=default, configured=configured),
            L_("set `arch: {actual}` on host {host}", actual=actual, host=ctx.host.name))
    return CheckResult("arch", "pass", f"{actual} ({machine})")


def check_hostname(f: Facts, ctx: CheckContext) -> CheckResult:
    lines = f.lines("hostname")
    hostname = lines[0].strip() if lines else ""
    if not hostname:
        return CheckResult("hostname", "warn", L_("the host did not report a hostname"))
    same = sorted(n for n, h in ctx.peer_hostnames.items()
                  if h == hostname and n != ctx.host.name)
    rename = f"hostnamectl set-hostname {ctx.host.name}"
    if same:
        if ctx.skip_configure_os:
            return CheckResult(
                "hostname", "fail",
                L_("hostname {hostname} is also the hostname of {others}, and with "
                   "skipConfigureOS kk will not rename the hosts: nodes would collide",
                   hostname=repr(hostname), others=", ".join(same)),
                rename)
        return CheckResult(
            "hostname", "warn",
            L_("hostname {hostname} is also the hostname of {others}; kk's ConfigureOS renames "
               "every host to its name in the config, so this only matters if that step is "
               "skipped — or if two rows point at the same machine",
               hostname=repr(hostname), others=", ".join(same)),
            L_("check the addresses; or: {command}", command=rename))
    if hostname == ctx.host.name:
        return CheckResult("hostname", "pass", hostname)
    return CheckResult("hostname", "pass", L_("{hostname} (kk renames it to {name})",
                                              hostname=hostname, name=ctx.host.name))


def check_time(f: Facts, ctx: CheckContext) -> CheckResult:
    lines = f.lines("time")
    try:
        remote = float(lines[0].strip())
    except (IndexError, ValueError):
        return CheckResult("time", "error",
                           L_("the host did not report its clock (date +%s)"))
    lo, hi = ctx.sent_at, ctx.received_at or time.time()
    skew = 0.0 if lo <= remote <= hi else (remote - hi if remote > hi else remote - lo)
    fix = L_("enable NTP, e.g. {install} && {enable}", install=install_fix(f, ctx, ["chronyd"])[0],
             enable=f"{sudo_prefix(f, ctx)}systemctl enable --now chronyd")
    seconds = abs(skew)
    if seconds > 60:
        if skew > 0:
            detail = L_("clock is {seconds:.0f} s ahead of this machine: certificates and etcd "
                        "break with large skew", seconds=seconds)
        else:
            detail = L_("clock is {seconds:.0f} s behind this machine: certificates and etcd "
                        "break with large skew", seconds=seconds)
        return CheckResult("time", "fail", detail, fix)
    if seconds > 5:
        if skew > 0:
            detail = L_("clock is {seconds:.1f} s ahead of this machine", seconds=seconds)
        else:
            detail = L_("clock is {seconds:.1f} s behind this machine", seconds=seconds)
        return CheckResult("time", "warn", detail, fix)
    return CheckResult("time", "pass", L_("clock agrees with this machine (within 5 s)"))


def check_swap(f: Facts, ctx: CheckContext) -> CheckResult:
    total = 0
    for line in f.lines("swaps")[1:]:
        parts = line.split()
        if len(parts) >= 3 and parts[2].isdigit():
            total += int(parts[2])
    if not total:
        return CheckResult("swap", "pass", L_("off"))
    fix = L_("{command} and comment the swap line out of /etc/fstab",
             command=f"{sudo_prefix(f, ctx)}swapoff -a")
    if ctx.skip_configure_os:
        return CheckResult("swap", "fail",
                           L_("{size} of swap is on and skipConfigureOS is set: kubelet "
                              "refuses to start with swap", size=_gib(total)), fix)
    return CheckResult("swap", "warn",
                       L_("{size} of swap is on; kk's ConfigureOS turns it off (swapoff -a) "
                          "and disables it in /etc/fstab", size=_gib(total)), fix)


def check_selinux(f: Facts, ctx: CheckContext) -> CheckResult:
    info = f.kv("selinux")
    mode = info.get("getenforce", "") or info.get("SELINUX", "")
    if mode.lower() != "enforcing":
        return CheckResult("selinux", "pass", mode.capitalize() if mode else L_("not present"))
    if ctx.skip_configure_os:
        detail = L_("Enforcing, and skipConfigureOS is set: kk leaves it enforcing")
    else:
        detail = L_("Enforcing: kk's ConfigureOS will set it to disabled (SELINUX=disabled)")
    return CheckResult("selinux", "warn", detail,
                       L_("let kk do it, or yourself: {command}",
                          command="setenforce 0 && sed -i "
                                  "'s/^SELINUX=enforcing/SELINUX=permissive/' "
                                  "/etc/selinux/config"))


def check_firewall(f: Facts, ctx: CheckContext) -> CheckResult:
    services = f.kv("services")
    if "ufw.conf" in services:  # ufw.service is "active" even when ufw is disabled
        services["ufw"] = "active" if services["ufw.conf"] == "yes" else "inactive"
    active = [s for s in ("firewalld", "ufw") if services.get(s) == "active"]
    if not active:
        return CheckResult("firewalld", "pass", L_("no firewalld or ufw running"))
    ports: str = CLUSTER_PORTS
    cni = CNI_PORTS.get(ctx.network_plugin, CniTraffic(""))
    if cni.described:
        ports = L_("{ports}, and for {plugin}: {traffic}", ports=ports,
                   plugin=ctx.network_plugin, traffic=cni.described)
    who = listed(active)
    action = L_("leaves it running") if ctx.skip_configure_os else \
        L_("will stop and disable it")
    fix: str
    if "firewalld" in active:
        opens = [f"--add-port={{{','.join(_CLUSTER_TCP)}}}/tcp"]
        opens += [f"--add-port={p}" for p in cni.ports]
        opens += [f"--add-protocol={p}" for p in cni.protocols]
        fix = L_("to keep firewalld, open the ports: {command}",
                 command=f"firewall-cmd --permanent {' '.join(opens)} && firewall-cmd --reload")
    else:
        rules = ["ufw allow 6443,2379:2380,10250,10257,10259,30000:32767/tcp"]
        rules += [f"ufw allow {p.replace('-', ':')}" for p in cni.ports]
        fix = L_("to keep ufw: {command}", command=" && ".join(rules))
        if cni.protocols:  # ufw rules take tcp/udp/esp/ah/gre/ipv6 only
            fix = L_("{fix}; ufw cannot allow IP protocol {protocols} (IP-in-IP): use calico's "
                     "VXLAN mode", fix=fix, protocols=", ".join(cni.protocols))
    return CheckResult("firewalld", "warn",
                       L_("{who} is active; kk's ConfigureOS {action}. The cluster needs: "
                          "{ports}", who=who, action=action, ports=ports),
                       fix)


def _min_resources(roles: tuple[str, ...]) -> tuple[int, int, str]:
    """(CPUs, MemTotal KiB, wording). kubeadm itself refuses a control plane below 2 CPUs and
    1700 MiB; a machine sold as N GiB reports a little less MemTotal, hence the slack."""
    if ROLE_CONTROL_PLANE in roles or ROLE_ETCD in roles:
        return 2, 1700 * 1024, L_("≥ 2 CPU and 2 GiB for control-plane/etcd")
    return 1, 900 * 1024, L_("≥ 1 CPU and 1 GiB")


def check_resources(f: Facts, ctx: CheckContext) -> CheckResult:
    cpu_lines = f.lines("cpu")
    cpus = int(cpu_lines[0]) if cpu_lines and cpu_lines[0].strip().isdigit() else 0
    mem = {k.strip(): v.split() for k, _, v in (line.partition(":") for line in f.lines("mem"))}
    total = mem.get("MemTotal", [])
    mem_kib = int(total[0]) if total and total[0].isdigit() else 0
    want_cpu, want_kib, wording = _min_resources(ctx.roles)
    problems: list[tuple[str, str]] = []
    if cpus and cpus < want_cpu:
        problems.append(("fail", L_("{cpus} CPU (needs {wording})", cpus=cpus, wording=wording)))
    if mem_kib and mem_kib < want_kib:
        problems.append(("fail", L_("{memory} memory (needs {wording})", memory=_gib(mem_kib),
                                    wording=wording)))
    disks: list[str] = []
    seen: set[str] = set()
    for line in f.lines("df")[1:]:
        parts = line.split()
        if len(parts) < 6 or not parts[3].isdigit():
            continue
        free = int(parts[3])
        mount = parts[5]
        if mount in seen:
            continue
        seen.add(mount)
        disks.append(L_("{size} free on {mount}", size=_gib(free), mount=mount))
        if free < 2 * GIB:
            problems.append(("fail", L_("only {size} free on {mount} (images and etcd need "
                                        "space)", size=_gib(free), mount=mount)))
        elif free < 10 * GIB:
            problems.append(("warn", L_("{size} free on {mount} (≥ 10 GiB recommended)",
                                        size=_gib(free), mount=mount)))
    summary = L_("{cpus} CPU, {memory} memory, {disks}", cpus=cpus or "?",
                 memory=_gib(mem_kib) if mem_kib else "? GiB",
                 disks=joined(", ", disks) or L_("disk unknown"))
    if not problems:
        return CheckResult("resources", "pass", summary)
    status: Status = "fail" if any(s == "fail" for s, _ in problems) else "warn"
    return CheckResult("resources", status, joined("; ", [p for _, p in problems]),
                       L_("give the machine more CPU, memory or disk, or a lighter role"))


def listening_ports(f: Facts) -> dict[int, list[str]]:
    """Port -> local addresses in LISTEN state, from /proc/net/tcp{,6} rows."""
    ports: dict[int, list[str]] = {}
    for line in f.lines("listen"):
        parts = line.split()
        if len(parts) < 4 or parts[3] != "0A" or ":" not in parts[1]:
            continue
        addr_hex, port_hex = parts[1].rsplit(":", 1)
        try:
            port = int(port_hex, 16)
        except ValueError:
            continue
        ports.setdefault(port, []).append(_hex_addr(addr_hex))
    return ports


def _hex_addr(h: str) -> str:
    if len(h) == 8:
        return ".".join(str(int(h[i:i + 2], 16)) for i in (6, 4, 2, 0))
    if h.strip("0") == "":
        return "::"
    return "ipv6"


def check_ports(f: Facts, ctx: CheckContext) -> CheckResult:
    wanted: dict[int, str] = {}
    for role in ctx.roles or (ROLE_WORKER,):
        for port, what in ROLE_PORTS.get(role, ()):
            wanted[port] = what
    busy = listening_ports(f)
    taken = [f"{p} ({what})" for p, what in sorted(wanted.items()) if p in busy]
    if taken:
        return CheckResult(
            "ports", "fail",
            L_("already in use: {ports} — a previous install or another service",
               ports=", ".join(taken)),
            L_("see who listens: {command}; after an old install: kk delete cluster -f CONFIG",
               command=f"{sudo_prefix(f, ctx)}ss -ltnp"))
    return CheckResult("ports", "pass",
                       L_("free: {ports}", ports=", ".join(str(p) for p in sorted(wanted))))


def check_kernel(f: Facts, ctx: CheckContext) -> CheckResult:
    k = f.kv("kernel")
    release = f.lines("uname")[1].strip() if len(f.lines("uname")) > 1 else "?"
    br = k.get("br_netfilter", "")
    fwd = k.get("ip_forward", "")
    if br == "missing":
        return CheckResult(
            "kernel", "fail",
            L_("kernel {release} has no br_netfilter module: bridged pod traffic would bypass "
               "iptables (kube-proxy, network policies)", release=release),
            L_("install the kernel's extra modules (e.g. linux-modules-extra-$(uname -r)) or "
               "use a distribution kernel"))
    notes: list[str] = [L_("kernel {release}", release=release),
                        L_("br_netfilter {state}", state=br or L_("unknown"))]
    if fwd == "0":
        if ctx.skip_configure_os:
            return CheckResult("kernel", "fail",
                               L_("net.ipv4.ip_forward is 0 and skipConfigureOS is set: pods "
                                  "cannot reach other nodes"),
                               L_("{command} and set it in /etc/sysctl.conf",
                                  command=f"{sudo_prefix(f, ctx)}sysctl -w "
                                          "net.ipv4.ip_forward=1"))
        # Not a problem: kk's ConfigureOS writes net.ipv4.ip_forward = 1 to /etc/sysctl.conf
        # and applies it (kk v3.1.12 cmd/kk/pkg/bootstrap/os/templates/init_script.go:64,118,235)
        return CheckResult("kernel", "pass",
                           L_("{notes}; net.ipv4.ip_forward is 0 now: kk's ConfigureOS sets it "
                              "to 1", notes=joined(", ", notes)))
    notes.append(L_("ip_forward on") if fwd == "1" else L_("ip_forward unknown"))
    return CheckResult("kernel", "pass", joined(", ", notes))


# -- load-balancer hosts -----------------------------------------------------------------

def check_lb_package(tool: str) -> Callable[[Facts, CheckContext], CheckResult]:
    def check(f: Facts, ctx: CheckContext) -> CheckResult:
        login, sbin = (f.table("tools").get(tool, []) + ["", ""])[:2]
        path = login or sbin
        if path:
            version = _version(f, tool)
            if version:
                return CheckResult(tool, "pass", L_("{tool} {version} at {path}", tool=tool,
                                                    version=version, path=path))
            return CheckResult(tool, "pass", L_("{tool} at {path}", tool=tool, path=path))
        fam = family(f)
        cmd, pkgs = install_fix(f, ctx, [tool])
        if not fam or {"apt": "apt-get"}.get(fam, fam) not in f.kv("pkgmgr"):
            return CheckResult(tool, "fail",
                               L_("{tool} is not installed and no known package manager is "
                                  "here", tool=tool),
                               L_("install {tool} by hand", tool=tool))
        avail = f.kv("lbpkg").get(tool, "unknown") if f.has("lbpkg") else "unknown"
        if avail == "available":
            return CheckResult(tool, "pass",
                               L_("not installed; available from {manager} — `kkui lb deploy` "
                                  "installs it", manager=fam), cmd)
        refresh = "apt-get update" if fam == "apt" else f"{fam} makecache"
        return CheckResult(tool, "warn",
                           L_("not installed, and the {manager} package index does not list "
                              "it (stale index, or a missing repository)", manager=fam),
                           f"{sudo_prefix(f, ctx)}{refresh} && {cmd}", pkgs)

    check.__name__ = f"check_{tool}"
    return check


def _iface_addrs(f: Facts) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in f.lines("addrs"):
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "inet":
            out.setdefault(parts[0], []).append(parts[2])
    return out


def check_interface(f: Facts, ctx: CheckContext) -> CheckResult:
    import ipaddress

    links = [x.strip() for x in f.lines("links") if x.strip()]
    iface = ctx.lb_interface
    if iface not in links:
        return CheckResult("interface", "fail",
                           L_("no interface {iface} on this host (it has: {links})",
                              iface=repr(iface), links=", ".join(links)),
                           L_("set loadBalancer.interface in kkui's document to the NIC that "
                              "carries the VIP's subnet"))
    addrs = _iface_addrs(f).get(iface, [])
    if ctx.lb_vip and addrs:
        vip = ipaddress.ip_address(ctx.lb_vip)
        nets = [ipaddress.ip_interface(a).network for a in addrs]
        if not any(vip in n for n in nets):
            return CheckResult("interface", "warn",
                               L_("{iface} ({addresses}) is not in the VIP's subnet: {vip} "
                                  "would not be reachable through it", iface=iface,
                                  addresses=", ".join(addrs), vip=ctx.lb_vip),
                               L_("pick a VIP in the subnet of that interface, or another "
                                  "interface"))
    if not addrs:
        return CheckResult("interface", "pass", L_("{iface} (no IPv4 address)", iface=iface))
    return CheckResult("interface", "pass", f"{iface} ({', '.join(addrs)})")


def check_vip(f: Facts, ctx: CheckContext) -> CheckResult:
    v = f.kv("vip")
    services = f.kv("services")
    vip, name = ctx.lb_vip, ctx.host.name
    if v.get("local") == "yes":
        if services.get("keepalived") == "active":
            return CheckResult("vip", "pass",
                               L_("{vip} is held by this host's keepalived (earlier deploy)",
                                  vip=vip))
        return CheckResult("vip", "fail",
                           L_("{vip} is configured on this host outside keepalived", vip=vip),
                           L_("remove it: {command}",
                              command=f"{sudo_prefix(f, ctx)}ip addr del {vip}/"
                                      f"{ctx.lb_prefix} dev <interface>"))
    probe = v.get("probe", "unknown")
    neigh = v.get("neigh", "")
    answered = probe == "answered" or "lladdr" in neigh
    if answered:
        return CheckResult("vip", "fail",
                           L_("something already answers at {vip} (seen from {host}): the VIP "
                              "must be a free address", vip=vip, host=name),
                           L_("choose a free address for loadBalancer.vip (and "
                              "controlPlaneEndpoint.address)"))
    if probe == "silent":
        return CheckResult("vip", "pass", L_("nothing answers at {vip} (free)", vip=vip))
    return CheckResult("vip", "warn", L_("could not tell whether {vip} is free", vip=vip),
                       L_("check by hand from {host}: {command}", host=name,
                          command=f"ping -c1 {vip}"))


def check_frontend_port(f: Facts, ctx: CheckContext) -> CheckResult:
    port = ctx.lb_port
    busy = listening_ports(f).get(port)
    if not busy:
        return CheckResult("frontend", "pass", L_("{port}/tcp is free", port=port))
    if f.kv("services").get("haproxy") == "active":
        return CheckResult("frontend", "pass",
                           L_("haproxy already listens on {port} (earlier deploy)", port=port))
    return CheckResult("frontend", "fail",
                       L_("{port}/tcp is already in use on {addresses}: haproxy could not bind "
                          "it", port=port, addresses=", ".join(sorted(set(busy)))),
                       L_("see who listens: {command}",
                          command=f"{sudo_prefix(f, ctx)}ss -ltnp 'sport = :{port}'"))


CheckFn = Callable[[Facts, CheckContext], CheckResult]
_TOOL_FACTS = ("id", "os", "pkgmgr", "sudo", "tools", "kktools")

# Every check, once. Order = grid columns and JSON order; ``facts`` = the gather sections the
# function reads (tests/precheck/test_registry.py verifies them by recording what it reads).
# Titles and help are translated where shown (Registry.title/help_text); a title that is the
# name of the program checked (ssh, sudo, socat, ...) stays as it is in every language.
REGISTRY = Registry(
    Check("ssh", "ssh", N_("reachable and logged in (key or password), host key known"),
          (), None, BOTH),
    Check("sudo", "sudo", N_("sudo usable the way kk uses it (sudo -E /bin/bash -c ...)"),
          ("id", "os", "pkgmgr", "sudo"), check_sudo, BOTH),
    Check("os", N_("os"), N_("a distribution kk v3 supports"), ("os", "pkgmgr"), check_os, BOTH),
    Check("arch", N_("arch"), N_("arch matches the host row's `arch` (kk never detects it)"),
          ("uname",), check_arch),
    Check("hostname", N_("name"),
          N_("valid and unique hostnames (kk renames hosts to their names)"),
          ("hostname",), check_hostname),
    Check("time", N_("time"), N_("clock close to this machine's (etcd and TLS need it)"),
          ("id", "os", "pkgmgr", "time"), check_time, BOTH),
    Check("swap", N_("swap"), N_("swap off, or kk turns it off"), ("id", "swaps"), check_swap),
    Check("selinux", N_("selnx"), N_("SELinux state (kk's ConfigureOS disables it)"),
          ("selinux",), check_selinux),
    Check("firewalld", N_("fw"),
          N_("firewalld/ufw (kk stops them) and the ports the cluster needs"),
          ("services",), check_firewall),
    Check("resources", N_("res"), N_("CPU, memory, free disk for the host's roles"),
          ("cpu", "mem", "df"), check_resources),
    Check("ports", N_("ports"), N_("the role's ports are free (6443, 2379-2380, 10250, ...)"),
          ("id", "listen"), check_ports),
    Check("kernel", N_("kern"), N_("br_netfilter, ip_forward (kk's ConfigureOS sets it)"),
          ("id", "kernel", "uname"), check_kernel),
    Check("socat", "socat", N_("kk stops without it; looked up the way kk does (sudo)"),
          _TOOL_FACTS, check_required_tool("socat")),
    Check("conntrack", "ctrack", N_("kk stops without it; looked up the way kk does"),
          _TOOL_FACTS, check_required_tool("conntrack")),
    Check("ebtables", "ebtab", N_("kube-proxy and the CNI need it"), _TOOL_FACTS,
          check_required_tool("ebtables")),
    Check("ipset", "ipset", N_("kube-proxy (ipvs) and the CNI need it"), _TOOL_FACTS,
          check_required_tool("ipset")),
    Check("curl", "curl", N_("kk's optional column"), _TOOL_FACTS,
          check_optional_tool("curl", "curl")),
    Check("openssl", "ossl", N_("kk's optional column"), _TOOL_FACTS,
          check_optional_tool("openssl", "openssl")),
    Check("ipvsadm", "ipvs", N_("kk's optional column"), _TOOL_FACTS,
          check_optional_tool("ipvsadm", "ipvsadm")),
    Check("chrony", "chrony", N_("kk's optional column (time sync)"), _TOOL_FACTS,
          check_optional_tool("chrony", "chronyd")),
    Check("docker", "docker", N_("an existing docker and its version"),
          ("sudo", "tools", "kktools", "versions"), check_runtime("docker")),
    Check("containerd", "ctrd", N_("an existing containerd and its version"),
          ("sudo", "tools", "kktools", "versions"), check_runtime("containerd")),
    Check("haproxy", "haprxy", N_("haproxy for kkui's LB pair"),
          ("id", "os", "pkgmgr", "tools", "versions", "lbpkg"), check_lb_package("haproxy"),
          LB),
    Check("keepalived", "keepal", N_("keepalived for kkui's LB pair"),
          ("id", "os", "pkgmgr", "tools", "versions", "lbpkg"), check_lb_package("keepalived"),
          LB),
    Check("interface", N_("iface"), N_("the VRRP interface exists and is up"), ("links", "addrs"),
          check_interface, LB),
    Check("vip", N_("vip"), N_("the VIP is not already held by something else"),
          ("id", "services", "vip"), check_vip, LB),
    Check("frontend", N_("front"), N_("the apiserver frontend port is free on the LB host"),
          ("id", "listen", "services"), check_frontend_port, LB),
    Check("gather", N_("gather"), N_("the fact-gathering script ran to its end"), (), None,
          frozenset()),
)

# The engine's lists, derived (kept as names: engine and tests import them).
K8S_CHECKS: tuple[CheckFn, ...] = REGISTRY.functions("k8s")
LB_CHECKS: tuple[CheckFn, ...] = REGISTRY.functions("lb")
K8S_CHECK_IDS: tuple[str, ...] = REGISTRY.ids("k8s")
LB_CHECK_IDS: tuple[str, ...] = REGISTRY.ids("lb")
