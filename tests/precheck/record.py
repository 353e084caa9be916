"""Record kkui's precheck gather output on real Debian roots (run by hand, as root, online).

    .venv/bin/python tests/precheck/record.py              # Debian 12 and 13
    .venv/bin/python tests/precheck/record.py --suite trixie

For each suite: ``debootstrap --variant=minbase SUITE`` from the Debian mirror apt on this
machine uses (cached in ``/var/cache/kkui-debootstrap/SUITE``, reused when present), then kkui's
real gather script (``build_script``, exactly what ``kkui precheck`` sends over SSH) runs in
that root with the root's own ``/bin/bash``: ``unshare --mount --uts --pid --net --fork``, a
fresh ``/proc`` for the new PID namespace, the hostname set to ``kkui-SUITE``, ``chroot``, a
clean root login environment.  Nothing is stubbed: every fact comes from the root's files and
programs, and from the running kernel (``uname``, ``/proc``: the kernel cannot be
debootstrapped).  The new network namespace keeps the host's listening sockets out (only
loopback, down: a freshly booted machine listens on nothing yet either).

The output is saved byte for byte as ``recorded/debian<N>-debootstrap.txt`` with a sidecar
``.json`` saying where, how and when it was recorded (suite, mirror, debootstrap version,
kernel, kkui commit, sha256 of the output).  CI never runs this: the tests read the committed
files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from kkui.core.precheck.gather import build_script  # noqa: E402

CACHE = Path("/var/cache/kkui-debootstrap")
SUITES = {"bookworm": "debian12", "trixie": "debian13"}
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "HOME": "/root", "USER": "root", "LOGNAME": "root", "SHELL": "/bin/bash", "LANG": "C"}


def apt_mirror() -> str:
    """The Debian archive URI this machine's apt uses (deb822 or one-line sources)."""
    texts = [p.read_text() for p in [Path("/etc/apt/sources.list"),
                                     *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
             if p.is_file()]
    for text in texts:
        for uri in re.findall(r"^URIs:\s*(\S+)", text, re.M) + \
                re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", text, re.M):
            if re.search(r"/debian/?$", uri):
                return uri.rstrip("/")
    return "http://deb.debian.org/debian"


def debootstrap(suite: str, mirror: str) -> Path:
    root = CACHE / suite
    if (root / "bin" / "bash").exists():
        return root
    tmp = CACHE / f"{suite}.tmp"
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(["debootstrap", "--variant=minbase", suite, str(tmp), mirror], check=True)
    tmp.rename(root)
    return root


def gather(root: Path, suite: str) -> bytes:
    script = build_script(have_password=False)
    login = " ".join(f"{k}={v}" for k, v in ENV.items())
    proc = subprocess.run(
        ["unshare", "--mount", "--uts", "--pid", "--net", "--fork",
         f"--mount-proc={root / 'proc'}", "/bin/sh", "-c",
         f'hostname "kkui-$0" && exec chroot "$1" /usr/bin/env -i {login} /bin/bash -c "$2"',
         suite, str(root), script],
        capture_output=True, check=False, timeout=120)
    if proc.returncode != 0 or b"@@kkui end" not in proc.stdout:
        raise SystemExit(f"{suite}: gather failed ({proc.returncode}): {proc.stderr.decode()}")
    return proc.stdout


def version_of(root: Path, package: str) -> str:
    out = subprocess.run(["dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W",
                          "-f=${Version}", package], capture_output=True, text=True,
                         check=False)
    return out.stdout.strip()


def record(suite: str, mirror: str) -> Path:
    root = debootstrap(suite, mirror)
    output = gather(root, suite)
    name = SUITES[suite]
    target = HERE / "recorded" / f"{name}-debootstrap.txt"
    target.write_bytes(output)
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--",
                            "kkui/core/precheck/gather.py"], capture_output=True, text=True,
                           check=False).stdout.strip()
    provenance = {
        "kind": "recorded",
        "output": target.name,
        "sha256": hashlib.sha256(output).hexdigest(),
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "how": ("tests/precheck/record.py: debootstrap --variant=minbase, then kkui's gather "
                "script (build_script(have_password=False)) run by the root's /bin/bash under "
                "unshare --mount --uts --pid --net --fork --mount-proc, chroot, env -i "
                "(root login environment); output saved byte for byte"),
        "where": f"{platform.node()} ({platform.system()} {platform.release()}, "
                 f"{platform.machine()}): a debootstrapped root, not a booted machine — "
                 "kernel facts (uname, /proc) are this machine's",
        "debootstrap": {"suite": suite, "variant": "minbase", "mirror": mirror,
                        "version": subprocess.run(["dpkg-query", "-W", "-f=${Version}",
                                                   "debootstrap"], capture_output=True,
                                                  text=True, check=False).stdout.strip(),
                        "debian_version": (root / "etc/debian_version").read_text().strip(),
                        "bash": version_of(root, "bash")},
        "kkui_commit": commit + (" (gather.py modified)" if dirty else ""),
    }
    sidecar = target.with_suffix(".json")
    sidecar.write_text(json.dumps(provenance, indent=2, ensure_ascii=False) + "\n")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", choices=sorted(SUITES), action="append")
    parser.add_argument("--mirror", default=None, help="default: the Debian URI apt uses here")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("record.py needs root (debootstrap, unshare, chroot)", file=sys.stderr)
        return 2
    mirror = args.mirror or apt_mirror()
    for suite in args.suite or list(SUITES):
        print(record(suite, mirror).relative_to(REPO))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
