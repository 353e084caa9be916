"""Host-key bookkeeping: the user's ``~/.ssh/known_hosts`` (read only) plus kkui's own file.

kkui records keys it accepted on first use in its own file
(``$KKUI_KNOWN_HOSTS``, else ``$XDG_CONFIG_HOME/kkui/known_hosts``, else
``~/.config/kkui/known_hosts``) so that it never rewrites the user's OpenSSH file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import paramiko


def default_kkui_known_hosts() -> Path:
    override = os.environ.get("KKUI_KNOWN_HOSTS")
    if override:
        return Path(override).expanduser()
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "kkui" / "known_hosts"


def default_user_known_hosts() -> Path:
    override = os.environ.get("KKUI_USER_KNOWN_HOSTS")
    return Path(override).expanduser() if override else Path.home() / ".ssh" / "known_hosts"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style ``SHA256:...`` fingerprint."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def describe_key(key: paramiko.PKey) -> str:
    return f"{key.get_name()} {fingerprint(key)}"


def host_entry_name(address: str, port: int) -> str:
    """The name OpenSSH uses in known_hosts: bare for port 22, ``[addr]:port`` otherwise."""
    return address if port == 22 else f"[{address}]:{port}"


@dataclass(frozen=True)
class HostKeyVerdict:
    status: Literal["known", "unknown", "changed"]
    known_key: paramiko.PKey | None = None
    source: str = ""  # file where the matching or conflicting key was found


class KnownHosts:
    """Thread-safe lookup and first-use recording of host keys."""

    def __init__(self, kkui_file: str | os.PathLike[str] | None = None,
                 user_file: str | os.PathLike[str] | None = None) -> None:
        self.kkui_file = Path(kkui_file) if kkui_file else default_kkui_known_hosts()
        self.user_file = Path(user_file) if user_file else default_user_known_hosts()
        self._lock = threading.Lock()
        self._user = self._load(self.user_file)
        self._kkui = self._load(self.kkui_file)

    @staticmethod
    def _load(path: Path) -> paramiko.HostKeys:
        keys = paramiko.HostKeys()
        if path.is_file():
            # an unreadable file is treated as empty; kkui only ever appends to its own
            with contextlib.suppress(OSError, UnicodeDecodeError, paramiko.SSHException):
                keys.load(str(path))
        return keys

    def known_types(self, address: str, port: int) -> list[str]:
        name = host_entry_name(address, port)
        with self._lock:
            types: list[str] = []
            for keys in (self._user, self._kkui):
                entry = keys.lookup(name)
                if entry:
                    types.extend(t for t in entry if t not in types)
            return types

    def check(self, address: str, port: int, key: paramiko.PKey) -> HostKeyVerdict:
        name = host_entry_name(address, port)
        conflict: tuple[paramiko.PKey, str] | None = None
        with self._lock:
            for keys, path in ((self._user, self.user_file), (self._kkui, self.kkui_file)):
                entry = keys.lookup(name)
                if not entry:
                    continue
                if any(k == key for k in entry.values()):
                    return HostKeyVerdict("known", key, str(path))
                if conflict is None:
                    same_type = entry.get(key.get_name())
                    conflict = (same_type or next(iter(entry.values())), str(path))
        if conflict is not None:
            return HostKeyVerdict("changed", conflict[0], conflict[1])
        return HostKeyVerdict("unknown")

    def record(self, address: str, port: int, key: paramiko.PKey) -> None:
        """Append the key to kkui's file (0600, directory 0700)."""
        name = host_entry_name(address, port)
        line = f"{name} {key.get_name()} {key.get_base64()}\n"
        with self._lock:
            self.kkui_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.kkui_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW,
                         0o600)  # never append through a planted symlink
            try:
                os.write(fd, line.encode("ascii"))
            finally:
                os.close(fd)
            self._kkui.add(name, key.get_name(), key)
