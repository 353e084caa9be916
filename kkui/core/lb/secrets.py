"""The LB pair's generated secrets: made once, stored in kkui's document, never printed."""

from __future__ import annotations

import secrets as _random
import string
from typing import TYPE_CHECKING

from kkui.core.lb.render import AUTH_PASS_LEN

if TYPE_CHECKING:
    from kkui.core.config import ClusterDocument

STATS_PASSWORD_LEN = 24
_ALPHABET = string.ascii_letters + string.digits  # safe unquoted in both config formats


def new_secret(length: int) -> str:
    return "".join(_random.choice(_ALPHABET) for _ in range(length))


def ensure_secrets(doc: ClusterDocument) -> list[str]:
    """Generate whichever LB secret is missing and store it in ``doc`` (not saved here).

    Returns the names of the generated keys (``authPass``, ``statsPassword``) — never values.
    Existing secrets are kept, so rendering twice gives identical files.
    """
    current = doc.model().kkui.load_balancer.secrets
    generated: list[str] = []
    if not current.auth_pass:
        doc.set_kkui("loadBalancer.secrets.authPass", new_secret(AUTH_PASS_LEN))
        generated.append("authPass")
    if not current.stats_password:
        doc.set_kkui("loadBalancer.secrets.statsPassword", new_secret(STATS_PASSWORD_LEN))
        generated.append("statsPassword")
    return generated
