"""Run the real parsers on rendered files: ``haproxy -c -f`` and ``keepalived -t -f``.

``keepalived -t`` also fails when the configured interface does not exist on the machine
running it, so it runs inside a throw-away network namespace that has a link of that name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kkui.i18n import L_, joined

CheckStatus = Literal["ok", "failed", "skipped"]
TIMEOUT = 30.0


@dataclass(frozen=True)
class FileCheck:
    host: str
    tool: str  # "haproxy" or "keepalived"
    path: str
    status: CheckStatus
    detail: str  # how it was checked, or the parser's complaint (secrets redacted)


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "••••")
    return text.strip()


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                          stdin=subprocess.DEVNULL)


def check_haproxy(host: str, path: Path, secrets: Iterable[str] = ()) -> FileCheck:
    exe = shutil.which("haproxy") or _sbin("haproxy")
    if exe is None:
        return FileCheck(host, "haproxy", str(path), "skipped",
                         L_("{tool} is not installed here", tool="haproxy"))
    if not path.is_file():
        return FileCheck(host, "haproxy", str(path), "failed", L_("file missing"))
    proc = _run([exe, "-c", "-f", str(path)])
    out = "\n".join(line for line in _redact(proc.stdout + proc.stderr, secrets).splitlines()
                    if "[NOTICE]" not in line)
    if proc.returncode == 0:
        warnings = [line for line in out.splitlines() if "WARNING" in line]
        detail = L_("haproxy -c: valid ({count} warning(s))", count=len(warnings)) \
            if warnings else L_("haproxy -c: valid")
        return FileCheck(host, "haproxy", str(path), "ok", joined("\n", [detail, *warnings]))
    return FileCheck(host, "haproxy", str(path), "failed",
                     out or L_("exit {status}", status=proc.returncode))


def check_keepalived(host: str, path: Path, interface: str,
                     secrets: Iterable[str] = ()) -> FileCheck:
    exe = shutil.which("keepalived") or _sbin("keepalived")
    if exe is None:
        return FileCheck(host, "keepalived", str(path), "skipped",
                         L_("{tool} is not installed here", tool="keepalived"))
    if not path.is_file():  # keepalived -t exits 0 on a missing file
        return FileCheck(host, "keepalived", str(path), "failed", L_("file missing"))
    unshare = shutil.which("unshare")
    if os.geteuid() == 0 and unshare and shutil.which("ip"):
        peer = "kkuichk1" if interface == "kkuichk0" else "kkuichk0"
        make_link = "" if interface == "lo" else \
            'ip link add "$1" type veth peer name "$3" || exit 97; '
        script = make_link + 'exec "$4" -t -f "$2"'
        proc = _run([unshare, "--net", "--", "sh", "-c", script, "sh", interface, str(path),
                     peer, exe])
        how = L_("keepalived -t inside a scratch network namespace with a link named "
                 "{interface}", interface=interface)
        if proc.returncode == 97:
            return FileCheck(host, "keepalived", str(path), "skipped",
                             L_("cannot create a link named {interface} in a scratch namespace",
                                interface=repr(interface)))
    else:
        proc = _run([exe, "-t", "-f", str(path)])
        how = L_("keepalived -t on this machine's own interfaces (not root: no scratch "
                 "namespace; fails if this machine has no {interface})", interface=interface)
    out = _redact(proc.stdout + proc.stderr, secrets)
    if proc.returncode == 0:
        return FileCheck(host, "keepalived", str(path), "ok", L_("{how}: valid", how=how))
    failed = L_("{how}: exit {status}", how=how, status=proc.returncode)
    return FileCheck(host, "keepalived", str(path), "failed",
                     joined("\n", [failed, out]) if out else failed)


def check_rendered(out_dir: Path, hosts: Iterable[str], interface: str,
                   secrets: Iterable[str] = ()) -> list[FileCheck]:
    """Check ``DIR/<host>/haproxy.cfg`` and ``DIR/<host>/keepalived.conf`` for every host."""
    secrets = list(secrets)
    results: list[FileCheck] = []
    for host in hosts:
        results.append(check_haproxy(host, out_dir / host / "haproxy.cfg", secrets))
        results.append(check_keepalived(host, out_dir / host / "keepalived.conf", interface,
                                        secrets))
    return results


def _sbin(name: str) -> str | None:
    """``/usr/sbin`` is not on every user's PATH (Debian's non-root default)."""
    for directory in ("/usr/sbin", "/sbin", "/usr/local/sbin"):
        candidate = Path(directory) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None
