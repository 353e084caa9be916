"""SSH failures a user can act on, one class per cause, each message naming the host.

Messages never contain a password or key material: they are built only from the host's
name, address, port, user and the *names* of the authentication methods tried.

Messages and fixes are :class:`kkui.i18n.L_` texts (issue #16): ``str(exc)`` and ``--json`` get
English, ``shown(exc.message)`` / ``shown(exc.fix)`` the user's language.
"""

from __future__ import annotations

from kkui.core.errors import KkuiError


class SshError(KkuiError):
    """Base class. ``fix`` is a short, concrete next step (may be empty)."""

    exit_code = 1
    kind = "ssh"

    def __init__(self, message: str, *, host: str = "", fix: str = "") -> None:
        self.host = host
        self.fix = fix
        self.message = message  # kept as given: an L_ message shows translated (str() would not)
        super().__init__(message)


class SshConnectionRefused(SshError):
    kind = "refused"


class SshTimeout(SshError):
    kind = "timeout"


class SshUnreachable(SshError):
    """No route to the host, or its name does not resolve."""

    kind = "unreachable"


class SshProtocolError(SshError):
    """Something answered on the port but the SSH handshake failed."""

    kind = "protocol"


class SshAuthFailed(SshError):
    kind = "auth"

    def __init__(self, message: str, *, host: str = "", fix: str = "",
                 tried: tuple[str, ...] = (), allowed: tuple[str, ...] = ()) -> None:
        self.tried = tried
        self.allowed = allowed
        super().__init__(message, host=host, fix=fix)


class HostKeyChanged(SshError):
    """The host presents a key different from the recorded one: always a hard failure."""

    kind = "host-key-changed"

    def __init__(self, message: str, *, host: str = "", fix: str = "",
                 known_fingerprint: str = "", offered_fingerprint: str = "") -> None:
        self.known_fingerprint = known_fingerprint
        self.offered_fingerprint = offered_fingerprint
        super().__init__(message, host=host, fix=fix)


class HostKeyUnknown(SshError):
    """Unknown host key while strict host-key checking is on."""

    kind = "host-key-unknown"


class SudoPasswordRequired(SshError):
    kind = "sudo-password"


class SudoFailed(SshError):
    kind = "sudo"


class CommandTimeout(SshError):
    kind = "command-timeout"
