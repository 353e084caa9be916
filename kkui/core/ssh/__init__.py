"""Paramiko connection layer: per-host credentials, host-key bookkeeping, clear errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kkui.core.lazy import exports_of, lazy_getattr

if TYPE_CHECKING:  # what type checkers see; at run time each name loads on first use
    from kkui.core.ssh.errors import (
        CommandTimeout as CommandTimeout,
    )
    from kkui.core.ssh.errors import (
        HostKeyChanged as HostKeyChanged,
    )
    from kkui.core.ssh.errors import (
        HostKeyUnknown as HostKeyUnknown,
    )
    from kkui.core.ssh.errors import (
        SshAuthFailed as SshAuthFailed,
    )
    from kkui.core.ssh.errors import (
        SshConnectionRefused as SshConnectionRefused,
    )
    from kkui.core.ssh.errors import (
        SshError as SshError,
    )
    from kkui.core.ssh.errors import (
        SshProtocolError as SshProtocolError,
    )
    from kkui.core.ssh.errors import (
        SshTimeout as SshTimeout,
    )
    from kkui.core.ssh.errors import (
        SshUnreachable as SshUnreachable,
    )
    from kkui.core.ssh.errors import (
        SudoFailed as SudoFailed,
    )
    from kkui.core.ssh.errors import (
        SudoPasswordRequired as SudoPasswordRequired,
    )
    from kkui.core.ssh.known_hosts import (
        KnownHosts as KnownHosts,
    )
    from kkui.core.ssh.known_hosts import (
        default_kkui_known_hosts as default_kkui_known_hosts,
    )
    from kkui.core.ssh.known_hosts import (
        fingerprint as fingerprint,
    )
    from kkui.core.ssh.session import (
        CommandResult as CommandResult,
    )
    from kkui.core.ssh.session import (
        SshClientPool as SshClientPool,
    )
    from kkui.core.ssh.session import (
        SshSession as SshSession,
    )
    from kkui.core.ssh.session import (
        connect as connect,
    )
    from kkui.core.ssh.session import (
        host_label as host_label,
    )

__getattr__ = lazy_getattr(globals(), exports_of({
    "kkui.core.ssh.errors": ("CommandTimeout", "HostKeyChanged", "HostKeyUnknown",
        "SshAuthFailed", "SshConnectionRefused", "SshError", "SshProtocolError", "SshTimeout",
        "SshUnreachable", "SudoFailed", "SudoPasswordRequired"),
    "kkui.core.ssh.known_hosts": ("KnownHosts", "default_kkui_known_hosts", "fingerprint"),
    "kkui.core.ssh.session": ("CommandResult", "SshClientPool", "SshSession", "connect",
        "host_label"),
}))
