"""Connect to one host with its own credentials and run commands over a single transport.

A TCP_NODELAY socket is handed to paramiko (``Transport(sock)``): without it every round trip
waits ~40 ms for Nagle/delayed-ACK.  The connect timeout is short so that a dead host is
reported quickly; command timeouts come from the host row (kk's default is 30 s).
"""

from __future__ import annotations

import base64
import errno
import io
import logging
import os
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
from kkui.i18n import L_, joined

# paramiko's transport thread logs a failed handshake with its traceback at ERROR; with no
# handler anywhere, Python's last-resort handler printed it on the user's stderr next to
# kkui's one-line error. A NullHandler stops that; a handler set up by the application
# (a log file) still receives the records.
logging.getLogger("paramiko").addHandler(logging.NullHandler())

KK_DEFAULT_KEY = "~/.ssh/id_rsa"
CHECK_ADDRESS_AND_PORT = L_("check the host's address and port in the config")
_KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


@dataclass(frozen=True)
class CommandResult:
    exit_status: int  # -1 when the output was cut (the command was not waited for)
    stdout: str
    stderr: str
    truncated: bool = False  # stdout or stderr reached ``max_output``; the rest was dropped

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
            input: bytes | str | None = None,
            max_output: int | None = None) -> CommandResult:
        """Run ``command`` with the login shell; ``sudo=True`` runs it as root the way kk does
        (``sudo -E /bin/bash -c``), typing the host row's password when sudo asks for one.
        ``max_output`` caps the bytes kept of stdout and of stderr: a host that prints more
        is cut off (``truncated``) instead of filling kkui's memory."""
        payload = input.encode() if isinstance(input, str) else (input or b"")
        if sudo:
            command, prefix = self._sudo_wrap(command, timeout)
            payload = prefix + payload
        return self._exec(command, payload, timeout, max_output)

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
            raise SshError(L_("{host}: cannot write {path}: {why}", host=host_label(self.host),
                              path=remote_path, why=res.stderr.strip() or L_(
                                  "exit status {status}", status=res.exit_status)),
                           host=self.host.name)

    def open_sftp(self) -> paramiko.SFTPClient:
        """An SFTP client on this session's connection (files readable by the SSH user)."""
        try:
            client = paramiko.SFTPClient.from_transport(self._transport)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise SshError(L_("{host}: SFTP is not available ({error})",
                              host=host_label(self.host), error=str(exc)),
                           host=self.host.name) from None
        if client is None:
            raise SshError(L_("{host}: SFTP is not available", host=host_label(self.host)),
                           host=self.host.name)
        return client

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
            raise SudoFailed(L_("{host}: sudo is not installed", host=label),
                             host=self.host.name,
                             fix=L_("log in as root and install the sudo package"))
        if not self.host.password:
            raise SudoPasswordRequired(
                L_("{host}: sudo asks for a password and the host row has no password",
                   host=label),
                host=self.host.name,
                fix=L_("add `password:` to host {name}, or allow `{rule}` in /etc/sudoers.d/",
                       name=self.host.name, rule=f"{self.host.user} ALL=(ALL) NOPASSWD: ALL"))
        res = self._exec("sudo -S -p '' true", (self.host.password + "\n").encode(), timeout)
        if not res.ok:
            raise SudoFailed(L_("{host}: {user} is not allowed to use sudo", host=label,
                                user=self.host.user) if "sudoers" in res.stderr
                             else L_("{host}: sudo rejected the password from the host row",
                                     host=label), host=self.host.name)
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

    def _exec(self, command: str, payload: bytes, timeout: float,
              max_output: int | None = None) -> CommandResult:
        deadline = time.monotonic() + timeout
        label = host_label(self.host)
        try:
            chan = self._transport.open_session(timeout=timeout)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise SshError(L_("{host}: connection lost ({error})", host=label, error=str(exc)),
                           host=self.host.name) from None
        try:
            chan.settimeout(timeout)
            chan.exec_command(command)
            if payload:
                chan.sendall(payload)
            chan.shutdown_write()
            out, cut_out = _read_all(chan.recv, chan, deadline, max_output)
            err, cut_err = (b"", False) if cut_out else \
                _read_all(chan.recv_stderr, chan, deadline, max_output)
            if cut_out or cut_err:  # closing the channel stops the command's output
                return CommandResult(-1, out.decode("utf-8", "replace"),
                                     err.decode("utf-8", "replace"), truncated=True)
            if not chan.status_event.wait(max(0.0, deadline - time.monotonic())):
                raise TimeoutError()
            status = chan.exit_status
        except TimeoutError:
            raise CommandTimeout(L_("{host}: command did not finish within {seconds:g} s",
                                    host=label, seconds=timeout),
                                 host=self.host.name) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise SshError(L_("{host}: connection lost ({error})", host=label, error=str(exc)),
                           host=self.host.name) from None
        finally:
            chan.close()
        return CommandResult(status, out.decode("utf-8", "replace"),
                             err.decode("utf-8", "replace"))


def _read_all(recv: Callable[[int], bytes], chan: paramiko.Channel, deadline: float,
              limit: int | None = None) -> tuple[bytes, bool]:
    """Everything until EOF, or the first ``limit`` bytes and True when there was more."""
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError()
        chan.settimeout(remaining)
        data = recv(65536)
        if not data:
            return b"".join(chunks), False
        if limit is not None and size + len(data) > limit:
            chunks.append(data[:limit - size])
            return b"".join(chunks), True
        chunks.append(data)
        size += len(data)


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
                L_("{host}: the SSH handshake failed ({error}); is an SSH server listening on "
                   "that port?", host=host_label(host), error=str(exc or type(exc).__name__)),
                host=host.name, fix=CHECK_ADDRESS_AND_PORT) from None
        if not (transport.is_active() and transport.initial_kex_done):
            # start_client returns silently when its timeout expires
            raise SshProtocolError(
                L_("{host}: the SSH handshake failed: TCP connected but no SSH handshake within "
                   "{seconds:g} s (not an SSH server, or an overloaded one)",
                   host=host_label(host), seconds=connect_timeout),
                host=host.name, fix=CHECK_ADDRESS_AND_PORT)
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
        raise SshUnreachable(L_("{host}: cannot resolve {address} ({error})", host=label,
                                address=repr(host.address), error=exc.strerror),
                             host=host.name,
                             fix=L_("fix the host's address, or its DNS / /etc/hosts entry")
                             ) from None
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
            L_("{host}: connection refused: nothing listens on port {port}", host=label,
               port=host.port),
            host=host.name, fix=L_("start sshd on the host, or fix `port:` in the config"))
    if isinstance(last, TimeoutError | socket.timeout):
        raise SshTimeout(
            L_("{host}: no answer within {seconds:g} s (host down, or a firewall drops SSH)",
               host=label, seconds=timeout),
            host=host.name, fix=L_("check that the host is up and that port {port}/tcp is open "
                                   "from this machine", port=host.port))
    if last is not None and last.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        raise SshUnreachable(L_("{host}: no route to host", host=label), host=host.name,
                             fix=L_("check the address and this machine's routes"))
    raise SshUnreachable(L_("{host}: cannot connect ({error})", host=label, error=str(last)),
                         host=host.name)


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
            L_("{host}: HOST KEY CHANGED — recorded {old} (in {source}), host now offers {new}. "
               "This can be a reinstalled host or a man-in-the-middle.", host=label, old=old,
               source=verdict.source, new=new),
            host=host.name,
            fix=L_("if the host was reinstalled, remove its old line from {source} ({command})",
                   source=verdict.source,
                   command=f"ssh-keygen -R {host.address}"
                           f"{'' if host.port == 22 else ' -p ' + str(host.port)} "
                           f"-f {verdict.source}"),
            known_fingerprint=fingerprint(verdict.known_key), offered_fingerprint=fingerprint(key))
    if strict:
        raise HostKeyUnknown(
            L_("{host}: unknown host key {key} and --strict-host-keys is set", host=label,
               key=describe_key(key)),
            host=host.name,
            fix=L_("verify the fingerprint on the host, then add it: {command}",
                   command=f"ssh-keyscan -p {host.port} {host.address} >> ~/.ssh/known_hosts"))
    known.record(host.address, host.port, key)
    return L_("new host key {key} recorded in {file}", key=describe_key(key),
              file=str(known.kkui_file))


# -- authentication ------------------------------------------------------------------------

# kk v3 parses keys with Go's ssh.ParsePrivateKey and no passphrase
# (cmd/kk/pkg/core/connector/ssh.go:81): kk cannot use an encrypted key at all.  kkui can, for
# its own SSH (precheck, LB deploy), with the passphrase from this variable or from ssh-agent.
KEY_PASSPHRASE_ENV = "KKUI_KEY_PASSPHRASE"


class KeyEncrypted(Exception):
    """The key file needs a passphrase and none (or a wrong one) was given."""


class _DecryptedKeys(list[Any]):
    """Keys that only the passphrase in KKUI_KEY_PASSPHRASE opened (kk cannot use them)."""


DECRYPTED_NOTE = L_("decrypted with {env}", env=KEY_PASSPHRASE_ENV)
# in an auth method: another method got in, but the row's key is encrypted (kk fails on it,
# password or not: cmd/kk/pkg/core/connector/ssh.go:81-84 returns before connecting)
ENCRYPTED_KEY_NOTE = L_("the row's key is encrypted")
# an auth method with a note in it ("password (NOTE)", "publickey (PATH, NOTE)"): the method
# names stay as they are, the note is shown translated (no catalog entry: placeholders only)
_WITH_NOTE = "{method} ({note})"


def _passphrase() -> str | None:
    return os.environ.get(KEY_PASSPHRASE_ENV) or None


def _load_key_text(text: str) -> list[Any]:
    last: Exception | None = None
    # a passphrase given for a clear key makes the loaders fail: only for encrypted ones
    passphrase = _passphrase() if _encrypted_key_text(text.encode()) else None
    for cls in _KEY_CLASSES:
        try:
            key = cls.from_private_key(io.StringIO(text), password=passphrase)
            return _DecryptedKeys([key]) if passphrase else [key]
        except (paramiko.PasswordRequiredException, TypeError):
            # TypeError: what the OpenSSH-format loader raises for an encrypted key
            raise KeyEncrypted() from None
        except (paramiko.SSHException, ValueError) as exc:
            last = exc
    if passphrase is not None and _encrypted_key_text(text.encode()):
        raise KeyEncrypted()  # a wrong passphrase
    raise paramiko.SSHException(f"not a supported private key ({type(last).__name__})")


def _file_key_loader(path: str) -> Callable[[], list[Any]]:
    def load() -> list[Any]:
        file = Path(path).expanduser()
        passphrase = _passphrase() if _looks_encrypted(file) else None
        try:
            # paramiko annotates the passphrase as str, but cryptography needs bytes
            secret = passphrase.encode() if passphrase else None
            key = paramiko.PKey.from_path(str(file), secret)  # type: ignore[arg-type]
            return _DecryptedKeys([key]) if passphrase else [key]
        except (paramiko.PasswordRequiredException, TypeError):
            # paramiko raises TypeError ("Key is password-protected, but password was not
            # provided") for ssh-keygen's default OpenSSH format
            raise KeyEncrypted() from None
        except ValueError:
            if passphrase is not None:
                raise KeyEncrypted() from None  # a wrong passphrase
            raise
    return load


def _looks_encrypted(file: Path) -> bool:
    try:
        return _encrypted_key_text(file.read_bytes()[:16384])
    except OSError:
        return False


def _encrypted_key_text(data: bytes) -> bool:
    if b"ENCRYPTED" in data:
        return True  # PEM: "Proc-Type: 4,ENCRYPTED" / PKCS#8 "ENCRYPTED PRIVATE KEY"
    if b"OPENSSH PRIVATE KEY" not in data:
        return False
    try:  # OpenSSH format: the cipher name ("none" when clear) follows the magic
        body = b"".join(line.strip() for line in data.splitlines()
                        if line.strip() and not line.startswith(b"-----"))
        return b"none" not in base64.b64decode(body + b"=" * (-len(body) % 4))[15:40]
    except ValueError:
        return False


def _encrypted_note(label: str) -> str:
    given = os.environ.get(KEY_PASSPHRASE_ENV)
    if given:
        return L_("{method}: key is encrypted and {env} does not decrypt it", method=label,
                  env=KEY_PASSPHRASE_ENV)
    return L_("{method}: key is encrypted with a passphrase (load it into ssh-agent, or set "
              "{env} in kkui's environment)", method=label, env=KEY_PASSPHRASE_ENV)


AGENT_LABEL = "publickey (ssh-agent)"


def _agent_keys() -> list[Any]:
    return list(paramiko.Agent().get_keys())


def _key_candidates(host: Host, use_agent: bool) -> list[tuple[str, Callable[[], list[Any]]]]:
    """(label, loader) pairs in kk's order; a loader returns keys or raises with a reason."""
    out: list[tuple[str, Callable[[], list[Any]]]] = []
    if host.private_key:
        inline = host.private_key
        out.append(("publickey (inline privateKey)", lambda: _load_key_text(inline)))
    paths = [host.private_key_path] if host.private_key_path else []
    if not host.private_key and not host.private_key_path and not host.password:
        paths = [KK_DEFAULT_KEY]  # kk's default when a row has no credential at all
    for p in paths:
        out.append((f"publickey ({p})", _file_key_loader(p)))
    if use_agent and not host.private_key and not host.private_key_path and not host.password:
        out.append((AGENT_LABEL, _agent_keys))
    return out


def _authenticate(host: Host, transport: paramiko.Transport, *, use_agent: bool) -> str:
    tried: list[str] = []
    allowed: tuple[str, ...] = ()
    encrypted = False
    candidates = _key_candidates(host, use_agent)
    for label, loader in candidates:  # grows: an encrypted key file adds ssh-agent's keys
        try:
            keys = loader()
        except FileNotFoundError:
            tried.append(L_("{method}: file not found", method=label))
            continue
        except KeyEncrypted:
            tried.append(_encrypted_note(label))
            encrypted = True
            if use_agent and AGENT_LABEL not in (c[0] for c in candidates):
                candidates.append((AGENT_LABEL, _agent_keys))
            continue
        except (OSError, paramiko.SSHException, ValueError, TypeError) as exc:
            tried.append(L_("{method}: unreadable ({error})", method=label,
                            error=type(exc).__name__))
            continue
        if not keys:
            tried.append(L_("{method}: no keys", method=label))
            continue
        for key in keys:
            try:
                transport.auth_publickey(host.user, key)
                if isinstance(keys, _DecryptedKeys):
                    method, _paren, source = label[:-1].partition(" (")
                    return L_(_WITH_NOTE, method=method,
                              note=joined(", ", [source, DECRYPTED_NOTE]))
                return label
            except paramiko.BadAuthenticationType as exc:
                allowed = tuple(exc.allowed_types)
                break
            except paramiko.AuthenticationException:
                continue
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise _lost(host, exc) from None
        tried.append(L_("{method}: rejected", method=label))
    # No local variable holds the password: a traceback printed with its locals (Textual
    # does that when the TUI crashes) would show it; ``host``'s repr hides it.
    if host.password:
        try:
            transport.auth_password(host.user, host.password)
            return L_(_WITH_NOTE, method="password", note=ENCRYPTED_KEY_NOTE) if encrypted \
                else "password"
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
            tried.append(L_("{method}: rejected", method="password"))
        except paramiko.AuthenticationException:
            tried.append(L_("{method}: rejected", method="password"))
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise _lost(host, exc) from None
    accepts = L_("; the server accepts: {methods}", methods=", ".join(allowed)) \
        if allowed else ""
    if encrypted:
        raise SshAuthFailed(
            L_("{host}: the private key needs a passphrase — tried {tried}{accepts}",
               host=host_label(host), tried=joined("; ", tried), accepts=accepts),
            host=host.name, tried=tuple(tried), allowed=allowed,
            fix=L_("for kkui: `ssh-add` the key, or export {env}; for kk (which cannot use an "
                   "encrypted key): give host {name} an unencrypted key (ssh-keygen -p -N '' -f "
                   "KEY) or a password", env=KEY_PASSPHRASE_ENV, name=host.name))
    raise SshAuthFailed(
        L_("{host}: authentication failed as {user} — tried {tried}{accepts}",
           host=host_label(host), user=repr(host.user),
           tried=joined("; ", tried) or L_("no credentials"), accepts=accepts),
        host=host.name, tried=tuple(tried), allowed=allowed,
        fix=L_("check `user`, `password` / `privateKeyPath` of host {name} in the config",
               name=host.name))


def _lost(host: Host, exc: BaseException) -> SshError:
    return SshError(L_("{host}: connection lost during authentication ({error})",
                       host=host_label(host), error=type(exc).__name__), host=host.name)


# -- pooling -------------------------------------------------------------------------------

class SshClientPool:
    """One live session per host, opened on first use and reopened when it died; thread-safe.

    ``remember_failures=True`` keeps the error of a failed connect for the pool's life (until
    ``close_all``): a dead host is tried once per run (verify, day-2 reads) and every later
    ``get`` raises the same error at once instead of waiting out another connect timeout.
    ``connector`` replaces :func:`connect` (tests inject one; same keyword arguments).
    """

    def __init__(self, *, known_hosts: KnownHosts | None = None, strict_host_keys: bool = False,
                 connect_timeout: float = 5.0, remember_failures: bool = False,
                 connector: Callable[..., SshSession] | None = None) -> None:
        self.known_hosts = known_hosts if known_hosts is not None else KnownHosts()
        self.strict_host_keys = strict_host_keys
        self.connect_timeout = connect_timeout
        self.remember_failures = remember_failures
        self._connector = connector if connector is not None else connect
        self._sessions: dict[tuple[str, str, int, str], SshSession] = {}
        self._failed: dict[tuple[str, str, int, str], SshError] = {}
        self._locks: dict[tuple[str, str, int, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, host: Host) -> SshSession:
        key = (host.name, host.address, host.port, host.user)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # a second caller for the same host waits for the first one's connect
            failed = self._failed.get(key)
            if failed is not None:
                raise failed
            session = self._sessions.get(key)
            if session is None or not session.active:
                try:
                    session = self._connector(host, known_hosts=self.known_hosts,
                                              strict_host_keys=self.strict_host_keys,
                                              connect_timeout=self.connect_timeout)
                except SshError as exc:
                    if self.remember_failures:
                        self._failed[key] = exc
                    raise
                self._sessions[key] = session
            return session

    def close_all(self) -> None:
        with self._guard:
            sessions = list(self._sessions.values())
            self._sessions.clear()
            self._failed.clear()
        for s in sessions:
            s.close()

    def __enter__(self) -> SshClientPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_all()
