"""A support bundle: what someone helping with a failed install needs, with no secret in it.

``kkui bundle`` packs the config, the kk log, the triage report (JSON and text), the evidence
from the failed hosts and the versions into one ``.tar.gz``.  Two layers keep secrets out, and a
third checks it (fail closed): the config's own secrets (SSH passwords, inline keys, the LB
pair's passwords) are masked wherever they occur, then every value of a secret-looking key
(``password:``, ``privateKey:``, ``token:`` ...), PEM private-key blocks and kubeadm tokens are
masked by pattern; finally every member is scanned for every secret and the bundle is refused if
one is still there.  The archive is written 0600 through a temp file and a rename, never through
a symbolic link (:func:`kkui.core.fsutil.atomic_write`).
"""

from __future__ import annotations

import io
import json
import platform
import re
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kkui.core.errors import KkuiError
from kkui.core.fsutil import atomic_write
from kkui.core.kk.redact import MASK, Redactor, needles
from kkui.i18n import L_

_SECRET_KEYS = (r"password|passwd|privateKey|private_key|authPass|statsPassword|token|secret"
                r"|apiKey|accessKey|secretKey|certificateKey")
# `password: "x"`, `- {name: n, password: x, ...}`, `"password": "x"`, `--password=x`
_KEY_VALUE = re.compile(
    rf"""(?i)(["']?\b(?:{_SECRET_KEYS})["']?\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s,}}\]#]+)""")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE "
                  r"KEY-----|\Z)", re.S)
_KUBEADM_TOKEN = re.compile(r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b")
_CERT_KEY = re.compile(r"(--certificate-key[ =])[0-9a-f]{64}")


class BundleError(KkuiError):
    exit_code = 1


def scrub(text: str, redact: Redactor) -> str:
    """The config's secrets, then anything that looks like a secret, masked."""
    text = redact(text) if redact.active else text
    text = _PEM.sub(f"{MASK} (private key removed)", text)
    text = _KEY_VALUE.sub(lambda m: m.group(1) + (f'"{MASK}"' if m.group(2).startswith('"')
                                                   else MASK), text)
    text = _KUBEADM_TOKEN.sub(MASK, text)
    return _CERT_KEY.sub(lambda m: m.group(1) + MASK, text)


@dataclass
class BundleContent:
    """What goes in, by member name (text)."""

    members: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, text: str) -> None:
        self.members[name] = text


def leaked(content: BundleContent, secrets: Sequence[str]) -> list[str]:
    """Member names that still contain a secret (never the secret itself)."""
    wanted = [n for s in secrets if s for n in needles(s) if len(n) >= 4]
    return [name for name, text in content.members.items() if any(n in text for n in wanted)]


def write_bundle(content: BundleContent, out: Path, secrets: Sequence[str],
                 now: float | None = None) -> Path:
    bad = leaked(content, secrets)
    if bad:  # fail closed: never write an archive with a secret in it
        raise BundleError(L_("bundle not written: a secret was still found in {members} after "
                             "masking; report this as a kkui bug", members=", ".join(bad)))
    stamp = int(now if now is not None else time.time())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in content.members.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"kkui-bundle/{name}")
            info.size, info.mode, info.mtime = len(data), 0o600, stamp
            tar.addfile(info, io.BytesIO(data))
    return atomic_write(out, buffer.getvalue(), mode=0o600, keep_backup=False)


def versions_text(kk_binary: Path | None, kk_from_log: str | None) -> str:
    from kkui import __version__

    lines = [f"kkui {__version__}", f"python {sys.version.split()[0]}",
             f"os {platform.platform()}", f"kk (from the log) {kk_from_log or 'not shown'}"]
    if kk_binary is not None and kk_binary.is_file():
        try:
            res = subprocess.run([str(kk_binary), "version"], capture_output=True, text=True,
                                 timeout=10, stdin=subprocess.DEVNULL, check=False)
            lines.append(f"kk binary {kk_binary}: {res.stdout.strip()[:300] or res.stderr[:300]}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            lines.append(f"kk binary {kk_binary}: not runnable ({type(exc).__name__})")
    return "\n".join(lines) + "\n"


def readme_text(source: str, hosts: Sequence[str], notes: Sequence[str]) -> str:
    return "\n".join([
        "kkui support bundle",
        "",
        "config.yaml    the cluster config; passwords, keys and tokens replaced by ******",
        f"kk.log         the kk console log ({source}), masked the same way",
        "triage.json    `kkui triage --json` of that log (with host evidence)",
        "triage.txt     the same as text",
        "evidence/      per failed host: journal, crictl ps -a, ss -ltnp, df, clock, /etc/hosts"
        f" ({', '.join(hosts) or 'none collected'})",
        "versions.txt   kkui, python, OS, kk",
        *(f"note: {n}" for n in notes),
        "",
    ])


def evidence_member(host: str, items: dict[str, str], derived: Sequence[str]) -> str:
    from kkui.core.kk.evidence import EVIDENCE_ITEMS

    titles = {item.name: item.title for item in EVIDENCE_ITEMS}
    parts = [f"# evidence from {host}", *derived, ""]
    for name, out in items.items():
        parts += [f"## {titles.get(name, name)}", out.rstrip("\n"), ""]
    return "\n".join(parts) + "\n"


def bundle_json(data: dict[str, object]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
