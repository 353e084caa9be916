"""Connect to one host with its own credentials and run commands over a single transport.

A TCP_NODELAY socket is handed to paramiko (``Transport(sock)``): without it every round trip
waits ~40 ms for Nagle/delayed-ACK.  The connect timeout is short so that a dead host is
reported quickly; command timeouts come from the host row (kk's default is 30 s).
"""

from __future__ import annotations

import errno
import io
import shlex
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko

from kkui.core.config.model import Host
from kkui.core.ssh.errors import (
    CommandTimeout,
    HostKeyChanged,
    HostKeyUnknown,
    SshAuthFailed,
    SshConnectionRefused,
    SshError,
    SshProtocolError,
    SshTimeout,
    SshUnreachable,
    SudoFailed,
    SudoPasswordRequired,
)
from kkui.core.ssh.known_hosts import KnownHosts, describe_key, fingerprint

KK_DEFAULT_KEY = "~/.ssh/id_rsa"
_KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


@dataclass(frozen=True)
class CommandResult:
    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


def host_label(host: Host) -> str:
    return f"{host.name} ({host.user}@{host.address}:{host.port})"


class SshSession:
    """An authenticated connection to one host. Use as a context manager or call ``close()``."""

    def __init__(self, host: Host, transport: paramiko.Transport, *, auth_method: str,
                 host_key: paramiko.PKey, host_key_note: str = "") -> None:
        self.host = host
        self.auth_method = auth_method          # e.g. "publickey (~/.ssh/id_ed25519)"
        self.host_key_fingerprint = fingerprint(host_key)
        self.host_key_note = host_key_note      # set when a new key was recorded
        self._transport = transport
        self._sudo_mode: str | None = None      # "root", "nopasswd" or "password"

    def __repr__(self) -> str:
        return f"SshSession({host_label(self.host)}, auth={self.auth_method!r})"

    def __enter__(self) -> SshSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def active(self) -> bool:
        return self._transport.is_active()

    def close(self) -> None:
        self._transport.close()

    # -- commands -----------------------------------------------------------------------
    def run(self, command: str, sudo: bool = False, timeout: float = 30.0,
            input: bytes | str | None = None) -> CommandResult:
        """Run ``command`` with the login shell; ``sudo=True`` runs it as root the way kk does
        (``sudo -E /bin/bash -c``), typing the host row's password when sudo asks for one."""
        payload = input.encode() if isinstance(input, str) else (input or b"")
        if sudo:
            command, prefix = self._sudo_wrap(command, timeout)
            payload = prefix + payload
        return self._exec(command, payload, timeout)

    def put_file(self, remote_path: str, data: bytes, mode: int = 0o644, *,
                 sudo: bool = False, timeout: float = 60.0) -> None:
        """Write ``data`` to ``remote_path`` atomically (temp file in the same directory)."""
        directory = str(Path(remote_path).parent) or "."
        script = (
            "set -e; umask 077; "
            f"t=$(mktemp {shlex.quote(directory)}/.kkui.XXXXXX); "
            'trap \'rm -f "$t"\' EXIT; cat > "$t"; '
            f'chmod {mode:o} "$t"; mv -f "$t" {shlex.quote(remote_path)}; trap - EXIT'
        )
        res = self.run(f"/bin/sh -c {shlex.quote(script)}", sudo=sudo, timeout=timeout,
                       input=data)
        if not res.ok:
            raise SshError(f"{host_label(self.host)}: cannot write {remote_path}: "
                           f"{res.stderr.strip() or 'exit status ' + str(res.exit_status)}",
                           host=self.host.name)

    def sudo_mode(self, timeout: float = 30.0) -> str:
        """How this session becomes root: ``root``, ``nopasswd`` or ``password``."""
        if self._sudo_mode is None:
            self._sudo_mode = self._probe_sudo(timeout)
        return self._sudo_mode

    def _probe_sudo(self, timeout: float) -> str:
        label = host_label(self.host)
        if self.host.user == "root":
            return "root"
        res = self._exec("sudo -n true", b"", timeout)
        if res.ok:
            return "nopasswd"
        if res.exit_status == 127 or "not found" in res.stderr:
            raise SudoFailed(f"{label}: sudo is not installed", host=self.host.name,
                             fix="log in as root and install the sudo package")
        if not self.host.password:
            raise SudoPasswordRequired(
                f"{label}: sudo asks for a password and the host row has no password",
                host=self.host.name,
                fix=f"add `password:` to host {self.host.name}, or allow "
                    f"`{self.host.user} ALL=(ALL) NOPASSWD: ALL` in /etc/sudoers.d/")
        res = self._exec("sudo -S -p '' true", (self.host.password + "\n").encode(), timeout)
        if not res.ok:
            why = "is not allowed to use sudo" if "sudoers" in res.stderr else \
                "sudo rejected the password from the host row"
            raise SudoFailed(f"{label}: {self.host.user} {why}" if "sudoers" in res.stderr
                             else f"{label}: {why}", host=self.host.name)
        return "password"

    def _sudo_wrap(self, command: str, timeout: float) -> tuple[str, bytes]:
        mode = self.sudo_mode(timeout)
        inner = f"/bin/bash -c {shlex.quote(command)}"
        if mode == "root":
            return inner, b""
        if mode == "nopasswd":
            return f"sudo -n -E {inner}", b""
        assert self.host.password is not None
        return f"sudo -S -p '' -E {inner}", (self.host.password + "\n").encode()

    def _exec(self, command: str, payload: bytes, timeout: float) -> CommandResult:
        deadline = time.monotonic() + timeout
        label = host_label(self.host)
        try:
            chan = self._transport.open_session(timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise SshError(f"{label}: connection lost ({exc})", host=self.host.name) from None
        try:
            chan.settimeout(timeout)
            chan.exec_command(command)
            if payload:
                chan.sendall(payload)
            chan.shutdown_write()
            out = _read_all(chan.recv, chan, deadline)
            err = _read_all(chan.recv_stderr, chan, deadline)
            if not chan.status_event.wait(max(0.0, deadline - time.monotonic())):
                raise TimeoutError()
            status = chan.exit_status
        except TimeoutError:
            raise CommandTimeout(f"{label}: command did not finish within {timeout:g} s",
                                 host=self.host.name) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise SshError(f"{label}: connection lost ({exc})", host=self.host.name) from None
        finally:
            chan.close()
        return CommandResult(status, out.decode("utf-8", "replace"),
                             err.decode("utf-8", "replace"))


def _read_all(recv: Callable[[int], bytes], chan: paramiko.Channel, deadline: float) -> bytes:
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError()
        chan.settimeout(remaining)
        data = recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


# -- connecting ----------------------------------------------------------------------------

def connect(host: Host, *, known_hosts: KnownHosts | None = None, strict_host_keys: bool = False,
            connect_timeout: float = 5.0, use_agent: bool = True) -> SshSession:
    """Open an authenticated session to ``host`` or raise an :class:`SshError` subclass."""
    known = known_hosts if known_hosts is not None else KnownHosts()
    sock = _open_socket(host, connect_timeout)
    transport = paramiko.Transport(sock)
    try:
        _prefer_known_key_types(transport, known.known_types(host.address, host.port))
        transport.banner_timeout = connect_timeout
        transport.handshake_timeout = connect_timeout
        transport.auth_timeout = max(connect_timeout, 10.0)
        try:
            transport.start_client(timeout=connect_timeout)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise SshProtocolError(
                f"{host_label(host)}: the SSH handshake failed ({exc or type(exc).__name__}); "
                "is an SSH server listening on that port?",
                host=host.name, fix="check the host's address and port in the config") from None
        if not (transport.is_active() and transport.initial_kex_done):
            # start_client returns silently when its timeout expires
            raise SshProtocolError(
                f"{host_label(host)}: the SSH handshake failed: TCP connected but no SSH "
                f"handshake within {connect_timeout:g} s (not an SSH server, or an overloaded "
                "one)", host=host.name, fix="check the host's address and port in the config")
        key = transport.get_remote_server_key()
        note = _verify_host_key(host, key, known, strict_host_keys)
        method = _authenticate(host, transport, use_agent=use_agent)
        return SshSession(host, transport, auth_method=method, host_key=key,
                          host_key_note=note)
    except BaseException:
        transport.close()
        raise


def _open_socket(host: Host, timeout: float) -> socket.socket:
    label = host_label(host)
    try:
        infos = socket.getaddrinfo(host.address, host.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SshUnreachable(f"{label}: cannot resolve {host.address!r} ({exc.strerror})",
                             host=host.name,
                             fix="fix the host's address, or its DNS / /etc/hosts entry") from None
    last: OSError | None = None
    for family, socktype, proto, _, addr in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(timeout)
            sock.connect(addr)
            sock.settimeout(None)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    if isinstance(last, ConnectionRefusedError):
        raise SshConnectionRefused(
            f"{label}: connection refused: nothing listens on port {host.port}",
            host=host.name, fix="start sshd on the host, or fix `port:` in the config")
    if isinstance(last, TimeoutError | socket.timeout):
        raise SshTimeout(
            f"{label}: no answer within {timeout:g} s (host down, or a firewall drops SSH)",
            host=host.name, fix="check that the host is up and that port "
                                f"{host.port}/tcp is open from this machine")
    if last is not None and last.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        raise SshUnreachable(f"{label}: no route to host", host=host.name,
                             fix="check the address and this machine's routes")
    raise SshUnreachable(f"{label}: cannot connect ({last})", host=host.name)


def _prefer_known_key_types(transport: paramiko.Transport, known_types: list[str]) -> None:
    """Negotiate a host-key type we already know, as OpenSSH does, so a host with several
    keys is matched against the recorded one instead of looking 'changed'."""
    if not known_types:
        return
    wanted: list[str] = []
    for t in known_types:
        wanted.extend(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] if t == "ssh-rsa" else [t])
    options = transport.get_security_options()
    current = list(options.key_types)
    preferred = [t for t in wanted if t in current]
    options.key_types = preferred + [t for t in current if t not in preferred]


def _verify_host_key(host: Host, key: paramiko.PKey, known: KnownHosts, strict: bool) -> str:
    label = host_label(host)
    verdict = known.check(host.address, host.port, key)
    if verdict.status == "known":
        return ""
    if verdict.status == "changed":
        assert verdict.known_key is not None
        old = describe_key(verdict.known_key)
        new = describe_key(key)
        raise HostKeyChanged(
            f"{label}: HOST KEY CHANGED — recorded {old} (in {verdict.source}), "
            f"host now offers {new}. This can be a reinstalled host or a man-in-the-middle.",
            host=host.name,
            fix=f"if the host was reinstalled, remove its old line from {verdict.source} "
                f"(ssh-keygen -R {host.address}"
                f"{'' if host.port == 22 else ' -p ' + str(host.port)} -f {verdict.source})",
            known_fingerprint=fingerprint(verdict.known_key), offered_fingerprint=fingerprint(key))
    if strict:
        raise HostKeyUnknown(
            f"{label}: unknown host key {describe_key(key)} and --strict-host-keys is set",
            host=host.name,
            fix=f"verify the fingerprint on the host, then add it: ssh-keyscan -p {host.port} "
                f"{host.address} >> ~/.ssh/known_hosts")
    known.record(host.address, host.port, key)
    return f"new host key {describe_key(key)} recorded in {known.kkui_file}"


# -- authentication ------------------------------------------------------------------------

def _load_key_text(text: str) -> paramiko.PKey:
    last: Exception | None = None
    for cls in _KEY_CLASSES:
        try:
            return cls.from_private_key(io.StringIO(text))
        except paramiko.PasswordRequiredException:
            raise
        except (paramiko.SSHException, ValueError) as exc:
            last = exc
    raise paramiko.SSHException(f"not a supported private key ({type(last).__name__})")


def _file_key_loader(path: str) -> Callable[[], list[Any]]:
    return lambda: [paramiko.PKey.from_path(str(Path(path).expanduser()))]


def _key_candidates(host: Host, use_agent: bool) -> list[tuple[str, Callable[[], list[Any]]]]:
    """(label, loader) pairs in kk's order; a loader returns keys or raises with a reason."""
    out: list[tuple[str, Callable[[], list[Any]]]] = []
    if host.private_key:
        inline = host.private_key
        out.append(("publickey (inline privateKey)", lambda: [_load_key_text(inline)]))
    paths = [host.private_key_path] if host.private_key_path else []
    if not host.private_key and not host.private_key_path and not host.password:
        paths = [KK_DEFAULT_KEY]  # kk's default when a row has no credential at all
    for p in paths:
        out.append((f"publickey ({p})", _file_key_loader(p)))
    if use_agent and not host.private_key and not host.private_key_path and not host.password:
        out.append(("publickey (ssh-agent)", lambda: list(paramiko.Agent().get_keys())))
    return out


def _authenticate(host: Host, transport: paramiko.Transport, *, use_agent: bool) -> str:
    tried: list[str] = []
    allowed: tuple[str, ...] = ()
    for label, loader in _key_candidates(host, use_agent):
        try:
            keys = loader()
        except FileNotFoundError:
            tried.append(f"{label}: file not found")
            continue
        except paramiko.PasswordRequiredException:
            tried.append(f"{label}: key is encrypted with a passphrase")
            continue
        except (OSError, paramiko.SSHException, ValueError) as exc:
            tried.append(f"{label}: unreadable ({type(exc).__name__})")
            continue
        if not keys:
            tried.append(f"{label}: no keys")
            continue
        for key in keys:
            try:
                transport.auth_publickey(host.user, key)
                return label
            except paramiko.BadAuthenticationType as exc:
                allowed = tuple(exc.allowed_types)
                break
            except paramiko.AuthenticationException:
                continue
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise _lost(host, exc) from None
        tried.append(f"{label}: rejected")
    # No local variable holds the password: a traceback printed with its locals (Textual
    # does that when the TUI crashes) would show it; ``host``'s repr hides it.
    if host.password:
        try:
            transport.auth_password(host.user, host.password)
            return "password"
        except paramiko.BadAuthenticationType as exc:
            allowed = tuple(exc.allowed_types)
            if "keyboard-interactive" in allowed:
                def answer(_title: str, _instr: str, prompts: list[Any]) -> list[str]:
                    return [host.password or "" for _ in prompts]

                try:
                    transport.auth_interactive(host.user, answer)
                    return "keyboard-interactive (password)"
                except paramiko.AuthenticationException:
                    pass
            tried.append("password: rejected")
        except paramiko.AuthenticationException:
            tried.append("password: rejected")
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise _lost(host, exc) from None
    accepts = f"; the server accepts: {', '.join(allowed)}" if allowed else ""
    raise SshAuthFailed(
        f"{host_label(host)}: authentication failed as {host.user!r} — tried "
        f"{'; '.join(tried) or 'no credentials'}{accepts}",
        host=host.name, tried=tuple(tried), allowed=allowed,
        fix=f"check `user`, `password` / `privateKeyPath` of host {host.name} in the config")


def _lost(host: Host, exc: BaseException) -> SshError:
    return SshError(f"{host_label(host)}: connection lost during authentication "
                    f"({type(exc).__name__})", host=host.name)


# -- pooling -------------------------------------------------------------------------------

class SshClientPool:
    """One live session per host, created on first use; thread-safe."""

    def __init__(self, *, known_hosts: KnownHosts | None = None, strict_host_keys: bool = False,
                 connect_timeout: float = 5.0) -> None:
        self.known_hosts = known_hosts if known_hosts is not None else KnownHosts()
        self.strict_host_keys = strict_host_keys
        self.connect_timeout = connect_timeout
        self._sessions: dict[tuple[str, str, int, str], SshSession] = {}
        self._locks: dict[tuple[str, str, int, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, host: Host) -> SshSession:
        key = (host.name, host.address, host.port, host.user)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            session = self._sessions.get(key)
            if session is None or not session.active:
                session = connect(host, known_hosts=self.known_hosts,
                                  strict_host_keys=self.strict_host_keys,
                                  connect_timeout=self.connect_timeout)
                self._sessions[key] = session
            return session

    def close_all(self) -> None:
        with self._guard:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for s in sessions:
            s.close()

    def __enter__(self) -> SshClientPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_all()
