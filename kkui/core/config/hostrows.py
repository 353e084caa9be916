"""Host rows (``spec.hosts`` and kkui's load-balancer hosts) as ruamel sequences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from kkui.core.errors import EditError
from kkui.i18n import L_

HOST_FIELDS = ("name", "address", "internalAddress", "port", "user", "password", "privateKey",
               "privateKeyPath", "arch", "timeout", "labels")
SECRET_FIELDS = ("password", "privateKey")


def check_host_fields(fields: Mapping[str, Any]) -> None:
    unknown = [k for k in fields if k not in HOST_FIELDS]
    if unknown:
        raise EditError(L_("unknown host field(s) {fields}; kk knows {known}",
                           fields=", ".join(unknown), known=", ".join(HOST_FIELDS)))


def host_names(hosts: Sequence[Any]) -> list[str]:
    return [str(row.get("name")) for row in hosts if isinstance(row, Mapping)]


def host_index(hosts: Sequence[Any], name: str, where: str) -> int:
    for index, row in enumerate(hosts):
        if isinstance(row, Mapping) and str(row.get("name")) == name:
            return index
    known = ", ".join(host_names(hosts)) or "none"
    raise EditError(L_("no host named {name} in {where} (known: {known})", name=repr(name),
                       where=where, known=known))


def new_host_row(fields: Mapping[str, Any], siblings: Sequence[Any]) -> CommentedMap:
    """A row in kk's field order that looks like its siblings: flow style where they are
    (kk writes ``- {name: node1, ...}``), passwords quoted where theirs are."""
    check_host_fields(fields)
    name = str(fields.get("name") or "")
    if not name or not fields.get("address"):
        raise EditError(L_("a new host needs at least name=... and address=..."))
    if name in host_names(siblings):
        raise EditError(L_("a host named {name} already exists; use update or pick another "
                           "name", name=repr(name)))
    values = {"internalAddress": fields["address"], **fields}
    row = CommentedMap()
    for key in HOST_FIELDS:
        if values.get(key) is not None:
            row[key] = values[key]
    rows = [r for r in siblings if isinstance(r, CommentedMap)]
    if not rows or rows[-1].fa.flow_style():
        row.fa.set_flow_style()
    for key in SECRET_FIELDS:
        if key in row and any(isinstance(r.get(key), DoubleQuotedScalarString) for r in rows):
            row[key] = DoubleQuotedScalarString(str(row[key]))
    return row
