"""A minimal DNS query and answer parser (RFC 1035) for the ``dns`` check: A records only."""

from __future__ import annotations

import secrets
import struct


def build_query(name: str, qid: int | None = None) -> bytes:
    qid = secrets.randbelow(0x10000) if qid is None else qid
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)   # RD, one question
    qname = b"".join(bytes([len(p)]) + p.encode("ascii") for p in name.strip(".").split("."))
    return header + qname + b"\x00" + struct.pack(">HH", 1, 1)  # A, IN


def _skip_name(data: bytes, pos: int) -> int:
    while True:
        length = data[pos]
        if length & 0xC0 == 0xC0:
            return pos + 2
        if length == 0:
            return pos + 1
        pos += 1 + length


def parse_answer(data: bytes) -> tuple[int, list[str]]:
    """(rcode, A addresses); ValueError when it is not a DNS answer."""
    if len(data) < 12:
        raise ValueError("short DNS reply")
    _qid, flags, qd, an, _ns, _ar = struct.unpack(">HHHHHH", data[:12])
    if not flags & 0x8000:
        raise ValueError("not a DNS reply")
    pos = 12
    for _ in range(qd):
        pos = _skip_name(data, pos) + 4
    addresses = []
    for _ in range(an):
        pos = _skip_name(data, pos)
        rtype, _cls, _ttl, rdlen = struct.unpack(">HHIH", data[pos:pos + 10])
        pos += 10
        if rtype == 1 and rdlen == 4:
            addresses.append(".".join(str(b) for b in data[pos:pos + 4]))
        pos += rdlen
    return flags & 0x000F, addresses


def from_od(text: str) -> bytes:
    """Bytes from ``od -An -tx1`` output."""
    return bytes(int(tok, 16) for tok in text.split())
