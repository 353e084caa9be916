"""Bulk add: an address range or list plus a name pattern -> host rows."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from kkui.i18n import L_

MAX_HOSTS = 256
_SHORT_RANGE = re.compile(r"^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$")


class BulkError(ValueError):
    """The operator's input cannot be expanded; the message says what to type instead."""


@dataclass(frozen=True)
class PlannedHost:
    name: str
    address: str


def expand_addresses(spec: str) -> list[str]:
    """``192.168.1.15-17``, ``192.168.1.15-192.168.1.17``, or a list (commas/spaces) of both."""
    addresses: list[str] = []
    for item in [p for p in re.split(r"[\s,]+", spec.strip()) if p]:
        addresses.extend(_expand_item(item))
        if len(addresses) > MAX_HOSTS:
            raise BulkError(L_("more than {max} addresses: add them in smaller batches",
                                max=MAX_HOSTS))
    seen: set[str] = set()
    for address in addresses:
        if address in seen:
            raise BulkError(L_("{address} appears twice", address=address))
        seen.add(address)
    return addresses


def _expand_item(item: str) -> list[str]:
    short = _SHORT_RANGE.match(item)
    if short:
        first, last = int(short[2]), int(short[3])
        prefix = short[1]
        item = f"{prefix}{first}-{prefix}{last}"
    if "-" in item:
        start_text, end_text = item.split("-", 1)
        try:
            start, end = ipaddress.ip_address(start_text), ipaddress.ip_address(end_text)
        except ValueError:
            raise BulkError(L_("{item} is not a range like 192.168.1.15-17",
                               item=repr(item))) from None
        if start.version != end.version or int(end) < int(start):
            raise BulkError(L_("{item}: the range must go upwards, e.g. 192.168.1.15-17",
                               item=repr(item)))
        if int(end) - int(start) >= MAX_HOSTS:
            raise BulkError(L_("{item} holds more than {max} addresses", item=repr(item),
                               max=MAX_HOSTS))
        return [str(ipaddress.ip_address(int(start) + i))
                for i in range(int(end) - int(start) + 1)]
    try:
        return [str(ipaddress.ip_address(item))]
    except ValueError:
        raise BulkError(L_("{item} is not an IP address or a range like 192.168.1.15-17",
                           item=repr(item))) from None


def plan_hosts(addresses_spec: str, pattern: str, start: int,
               taken_names: set[str], taken_addresses: set[str]) -> list[PlannedHost]:
    """Names from ``pattern``: ``{n}`` counts from ``start``, ``{octet}`` is the last number."""
    if "{n}" not in pattern and "{octet}" not in pattern:
        raise BulkError(L_("the name pattern needs {n} (a counter) or {octet} (the address's "
                           "last number), e.g. worker{n}"))
    addresses = expand_addresses(addresses_spec)
    if not addresses:
        raise BulkError(L_("no addresses: type a range like 192.168.1.15-17 or a list"))
    planned: list[PlannedHost] = []
    for index, address in enumerate(addresses):
        last = re.split(r"[.:]", address)[-1]
        name = pattern.replace("{n}", str(start + index)).replace("{octet}", last)
        if name in taken_names:
            raise BulkError(L_("the name {name} is already used: change the pattern or the "
                               "start", name=name))
        if address in taken_addresses:
            raise BulkError(L_("{address} is already in the host list", address=address))
        planned.append(PlannedHost(name, address))
    return planned


def next_free_number(pattern: str, taken_names: set[str]) -> int:
    """The first counter after the highest ``{n}`` already used by names of this pattern."""
    if "{n}" not in pattern:
        return 1
    head, tail = pattern.split("{n}", 1)
    regex = re.compile("^" + re.escape(head) + r"(\d+)" + re.escape(tail).replace(
        re.escape("{octet}"), r"\d+") + "$")
    numbers = [int(m[1]) for m in map(regex.match, taken_names) if m]
    return max(numbers, default=0) + 1
