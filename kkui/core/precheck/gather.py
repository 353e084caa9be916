"""The remote gather script (one round trip per host) and the parser of its output.

The script prints sections ``@@kkui <name>`` followed by raw facts; every check is a pure
function over the parsed :class:`Facts`, so saved outputs test them: recorded in Debian roots
or reconstructed from public sources (``tests/precheck/recorded/PROVENANCE.md`` says which).

Two environment variables exist for the test lab only (set there with sshd's ``SetEnv``):
``KKUI_PRECHECK_ROOT`` prefixes the files read (``/etc/os-release``, ``/proc/...``) and
``KKUI_PRECHECK_SBIN_DIRS`` replaces the sbin directories searched for tools.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

SECTION_MARK = "@@kkui "
# What kk's precheck table looks for, plus what the load balancer needs.
TOOLS = ("socat", "conntrack", "ebtables", "ipset", "curl", "openssl", "ipvsadm", "chronyd",
         "docker", "containerd", "haproxy", "keepalived")

_IFACE_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,15}$")

_SCRIPT = r"""export LC_ALL=C
R="${KKUI_PRECHECK_ROOT:-}"
SBIN_DIRS="${KKUI_PRECHECK_SBIN_DIRS:-/usr/sbin /sbin /usr/local/sbin}"
TOOLS="@TOOLS@"
PW=
if [ "@HAVE_PW@" = 1 ]; then IFS= read -r PW || true; fi
# Builtins wherever possible: every fork costs the host CPU time.
sec() { printf '@@kkui %s\n' "$1"; }
show() {
  [ -r "$1" ] || return 1
  while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$1"
}
where() { W=; if hash "$1" 2>/dev/null; then W=${BASH_CMDS[$1]}; fi; }
sec time
if [ -n "${EPOCHREALTIME:-}" ]; then echo "$EPOCHREALTIME"; else date +%s.%N 2>/dev/null; fi
sec id
echo "${USER:-$(id -un 2>/dev/null)}"; echo "$EUID"
sec os
show "$R/etc/os-release" || show "$R/usr/lib/os-release"
sec uname
set -- $(uname -rm); echo "$2"; echo "$1"; KREL=$1
sec hostname
hostname 2>/dev/null || show "$R/etc/hostname"
sec cpu
nproc 2>/dev/null || grep -c '^processor' "$R/proc/cpuinfo" 2>/dev/null
sec mem
while read -r k v _; do
  case $k in MemTotal:|MemAvailable:) echo "$k $v kB" ;; esac
done < "$R/proc/meminfo"
sec swaps
show "$R/proc/swaps"
sec df
df -Pk / /var 2>/dev/null
sec selinux
where getenforce; [ -n "$W" ] && echo "getenforce=$(getenforce 2>/dev/null)"
if [ -r "$R/etc/selinux/config" ]; then
  while IFS= read -r l; do case $l in SELINUX=*) echo "$l" ;; esac; done < "$R/etc/selinux/config"
fi
sec services
UNITS="firewalld ufw haproxy keepalived docker containerd"
where systemctl
if [ -n "$W" ]; then
  STATES=$(systemctl is-active $UNITS 2>/dev/null)
  set -- $STATES
  for u in $UNITS; do echo "$u=${1:-unknown}"; [ $# -gt 0 ] && shift; done
else
  echo "systemctl=missing"
fi
# ufw.service is "active" on Ubuntu even when the firewall is disabled: read its switch.
if [ -r "$R/etc/ufw/ufw.conf" ]; then
  while IFS= read -r l; do
    case $l in ENABLED=*) l=${l#ENABLED=}; l=${l//\"/}; echo "ufw.conf=$l" ;; esac
  done < "$R/etc/ufw/ufw.conf"
fi
sec kernel
IPF=; [ -r "$R/proc/sys/net/ipv4/ip_forward" ] && read -r IPF < "$R/proc/sys/net/ipv4/ip_forward"
echo "ip_forward=$IPF"
BR=missing
while read -r m _; do [ "$m" = br_netfilter ] && { BR=loaded; break; }; done < "$R/proc/modules"
if [ $BR = missing ]; then
  if [ -d "$R/proc/sys/net/bridge" ]; then BR=builtin
  elif grep -qs '/br_netfilter\.ko' "$R/lib/modules/$KREL/modules.dep"; then BR=module
  elif grep -qs '/br_netfilter\.ko' "$R/lib/modules/$KREL/modules.builtin"; then BR=builtin
  fi
fi
echo "br_netfilter=$BR"
sec listen
cat "$R/proc/net/tcp" "$R/proc/net/tcp6" 2>/dev/null | grep ' 0A '
sec pkgmgr
for m in dnf yum apt-get zypper; do where "$m"; [ -n "$W" ] && echo "$m=$W"; done
sec sudo
SUDO_MODE=missing; SUDO_MSG=
where sudo; SUDO_PATH=$W
if [ -n "$SUDO_PATH" ]; then
  if SUDO_MSG=$(sudo -n true 2>&1 </dev/null); then
    if [ "$EUID" = 0 ]; then SUDO_MODE=root; else SUDO_MODE=nopasswd; fi
  elif [ -n "$PW" ]; then
    if SUDO_MSG=$(printf '%s\n' "$PW" | sudo -S -p '' true 2>&1); then SUDO_MODE=password
    else
      case "$SUDO_MSG" in
        *sudoers*|*"not allowed"*) SUDO_MODE=denied ;;
        *) SUDO_MODE=wrong-password ;;
      esac
    fi
  else
    case "$SUDO_MSG" in
      *"password is required"*) SUDO_MODE=needs-password ;;
      *sudoers*|*"not allowed"*) SUDO_MODE=denied ;;
      *tty*) SUDO_MODE=requiretty ;;
      *) SUDO_MODE=failed ;;
    esac
  fi
fi
echo "path=$SUDO_PATH"
echo "mode=$SUDO_MODE"
echo "msg=${SUDO_MSG%%$'\n'*}"
ksudo() {
  case "$SUDO_MODE" in
    root|nopasswd) sudo -n -E /bin/bash -c "$1" </dev/null ;;
    password) printf '%s\n' "$PW" | sudo -S -p '' -E /bin/bash -c "$1" ;;
    *) return 99 ;;
  esac
}
sec tools
for t in $TOOLS; do
  where "$t"; login=$W
  sb=; for d in $SBIN_DIRS; do if [ -x "$d/$t" ]; then sb="$d/$t"; break; fi; done
  echo "$t|$login|$sb"
done
sec kktools
# kk's lookup: a fresh bash under sudo (secure_path applies), searching PATH like command -v
ksudo 'for t in '"$TOOLS"'; do
  p=; hash "$t" 2>/dev/null && p=${BASH_CMDS[$t]}; echo "$t|$p"
done' 2>/dev/null
echo "status=$?"
sec versions
ver() {
  where "$1"; p=$W
  if [ -z "$p" ]; then for d in $SBIN_DIRS; do [ -x "$d/$1" ] && { p="$d/$1"; break; }; done; fi
  if [ -n "$p" ]; then v=$("$p" "$2" 2>&1 </dev/null); echo "$1=${v%%$'\n'*}"; fi
}
ver docker --version; ver containerd --version; ver haproxy -v; ver keepalived --version
@LB@
sec end
"""

_LB_SCRIPT = r"""VIP='@VIP@'; LBPORT='@PORT@'
sec links
ip -o link show 2>/dev/null | cut -d: -f2 | sed 's/^ *//; s/@.*//'
sec addrs
ip -o addr show 2>/dev/null | while read -r _ dev fam addr _; do echo "$dev $fam $addr"; done
sec vip
if ip -o addr show 2>/dev/null | grep -q " $VIP/"; then echo local=yes; else echo local=no; fi
pr=3
if command -v ping >/dev/null 2>&1; then ping -c1 -W1 "$VIP" >/dev/null 2>&1; pr=$?; fi
case $pr in
  0) echo probe=answered ;;
  1) echo probe=silent ;;
  *) out=$(timeout 2 bash -c ": </dev/tcp/$VIP/$LBPORT" 2>&1); rc=$?
     case "$rc:$out" in
       0:*) echo probe=answered ;; *refused*) echo probe=answered ;;
       124:*) echo probe=silent ;; *) echo "probe=unknown" ;;
     esac
     echo "neigh=$(ip neigh show to "$VIP" 2>/dev/null | head -n1)" ;;
esac
sec lbpkg
for p in haproxy keepalived; do
  if command -v apt-cache >/dev/null 2>&1; then
    if apt-cache show "$p" >/dev/null 2>&1; then echo "$p=available"; else echo "$p=unknown"; fi
  elif command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then
    pm=$(command -v dnf || command -v yum)
    if "$pm" -q -C list "$p" >/dev/null 2>&1; then echo "$p=available"; else echo "$p=unknown"; fi
  elif command -v zypper >/dev/null 2>&1; then
    if zypper --no-refresh -q search -x "$p" >/dev/null 2>&1; then echo "$p=available"
    else echo "$p=unknown"; fi
  else echo "$p=unknown"; fi
done
"""


@dataclass(frozen=True)
class LbProbe:
    """What an LB host checks about the pair: the VIP, the frontend port, the interface."""

    vip: str
    port: int
    interface: str

    def __post_init__(self) -> None:
        # Values are pasted into a shell script: accept only well-formed ones.
        if self.vip:
            ipaddress.ip_address(self.vip)
        if not 0 < int(self.port) < 65536:
            raise ValueError(f"bad port {self.port!r}")
        if self.interface and not _IFACE_RE.match(self.interface):
            raise ValueError(f"bad interface name {self.interface!r}")


def build_script(*, have_password: bool, lb: LbProbe | None = None) -> str:
    """The bash script sent to one host. With ``have_password`` it reads the sudo password
    from the first line of stdin (never from its command line or environment)."""
    lb_part = ""
    if lb is not None:
        lb_part = _LB_SCRIPT.replace("@VIP@", lb.vip).replace("@PORT@", str(lb.port))
    return (_SCRIPT.replace("@TOOLS@", " ".join(TOOLS))
            .replace("@HAVE_PW@", "1" if have_password else "0")
            .replace("@LB@", lb_part))


class MissingFact(Exception):
    """A section the check needs is not in the output (the script stopped early)."""


@dataclass
class Facts:
    """Sections of one host's gather output."""

    sections: dict[str, list[str]] = field(default_factory=dict)
    stderr: str = ""

    @property
    def complete(self) -> bool:
        return "end" in self.sections

    def has(self, name: str) -> bool:
        return name in self.sections

    def lines(self, name: str) -> list[str]:
        if name not in self.sections:
            raise MissingFact(name)
        return self.sections[name]

    def text(self, name: str) -> str:
        return "\n".join(self.lines(name))

    def kv(self, name: str) -> dict[str, str]:
        """``key=value`` lines of a section (first ``=`` splits)."""
        out: dict[str, str] = {}
        for line in self.lines(name):
            key, sep, value = line.partition("=")
            if sep:
                out[key.strip()] = value.strip()
        return out

    def table(self, name: str) -> dict[str, list[str]]:
        """``name|a|b`` lines of a section, keyed by the first field."""
        out: dict[str, list[str]] = {}
        for line in self.lines(name):
            parts = line.split("|")
            if len(parts) > 1 and parts[0]:
                out[parts[0]] = parts[1:]
        return out


def parse_output(stdout: str, stderr: str = "") -> Facts:
    facts = Facts(stderr=stderr)
    current: list[str] | None = None
    for raw in stdout.splitlines():
        if raw.startswith(SECTION_MARK):
            current = facts.sections.setdefault(raw[len(SECTION_MARK):].strip(), [])
        elif current is not None:
            current.append(raw.rstrip("\r"))
    return facts
