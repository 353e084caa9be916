"""Rules for the fields of one host row, written once: config validation
(``validate.check_hosts``), the TUI's host form and the LB pair's rules all ask these.

Each function returns "" when the value is fine, else a short reason that fits under a form
field; callers that know more (the row, kk's consequence) wrap it in a longer message.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from kkui.i18n import L_

_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
HOSTNAME_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")  # RFC 1123, what Kubernetes accepts
ARCHES = ("amd64", "arm64")


def valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def name_error(name: str) -> str:
    """A node name: Kubernetes refuses a node whose name is not RFC 1123."""
    if not name:
        return L_("a name is required")
    if not HOSTNAME_RE.match(name) or len(name) > 253:
        return L_("lowercase letters, digits and '-' only (RFC 1123), e.g. node1")
    return ""


DNS_NAME_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$", re.IGNORECASE)


def is_dns_name(text: str) -> bool:
    """RFC 1123 labels, and a last label that is not all digits (RFC 3696 §2): so a mistyped
    address such as 10.0.0.400 is still an error, not a "name"."""
    return (bool(DNS_NAME_RE.match(text)) and len(text) <= 253 and not valid_ip(text)
            and not text.rsplit(".", 1)[-1].isdigit())


def address_error(address: str) -> str:
    """The SSH ``address``: an IP, or a DNS name (kk dials ``address:port`` as given)."""
    if not address:
        return L_("an address is required")
    if not valid_ip(address) and not is_dns_name(address):
        return L_("not an IP address or a DNS name")
    return ""


def internal_address_error(value: str) -> str:
    """``internalAddress`` may be dual stack: ``"v4,v6"``."""
    for part in [p.strip() for p in value.split(",") if p.strip()]:
        if not valid_ip(part):
            return L_("{address} is not an IP address (dual stack: \"v4,v6\")",
                      address=repr(part))
    return ""


def port_error(port: int | str) -> str:
    text = str(port).strip()
    if isinstance(port, bool) or not text.isdigit() or not 1 <= int(text) <= 65535:
        return L_("a number from 1 to 65535")
    return ""


def user_error(user: str) -> str:
    return "" if user.strip() else L_("a user is required (root, or one with passwordless "
                                      "sudo)")


def arch_error(arch: str) -> str:
    return "" if arch in ARCHES else L_("amd64 or arm64 (kk never detects the arch)")


FIELD_RULES: dict[str, Callable[[str], str]] = {
    "name": name_error, "address": address_error, "internalAddress": internal_address_error,
    "port": port_error, "user": user_error, "arch": arch_error,
}


def field_error(field: str, value: str) -> str:
    """The rule of ``field`` (a host row key) for ``value``; "" for fields without a rule."""
    rule = FIELD_RULES.get(field)
    return rule(value.strip()) if rule is not None else ""
