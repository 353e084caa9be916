"""Paramiko connection layer: per-host credentials, host-key bookkeeping, clear errors."""

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
from kkui.core.ssh.known_hosts import KnownHosts, default_kkui_known_hosts, fingerprint
from kkui.core.ssh.session import CommandResult, SshClientPool, SshSession, connect, host_label

__all__ = [
    "CommandResult", "CommandTimeout", "HostKeyChanged", "HostKeyUnknown", "KnownHosts",
    "SshAuthFailed", "SshClientPool", "SshConnectionRefused", "SshError", "SshProtocolError",
    "SshSession", "SshTimeout", "SshUnreachable", "SudoFailed", "SudoPasswordRequired",
    "connect", "default_kkui_known_hosts", "fingerprint", "host_label",
]
