"""Line matching for the round-trip patcher, in close to linear time.

``difflib.SequenceMatcher`` over whole files is quadratic when many lines are identical (a file
with 20 000 copies of the same comment line took minutes to save).  Here common prefixes and
suffixes are taken first, then lines that occur exactly once on both sides anchor the match
(patience diff), and ``SequenceMatcher`` only runs on the small gaps between anchors.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Literal

# SequenceMatcher is used only on gaps whose size product stays below this.
_SMALL_GAP = 200_000

Opcode = tuple[Literal["equal", "replace", "delete", "insert"], int, int, int, int]


def matching_pairs(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) with ``a[i] == b[j]``, increasing in both indices."""
    pairs: list[tuple[int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            pairs.append((alo, blo))
            alo, blo = alo + 1, blo + 1
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            ahi, bhi = ahi - 1, bhi - 1
            pairs.append((ahi, bhi))
        if alo == ahi or blo == bhi:
            continue
        anchors = _unique_anchors(a, alo, ahi, b, blo, bhi)
        if anchors:
            i0, j0 = alo, blo
            for i, j in anchors:
                stack.append((i0, i, j0, j))
                pairs.append((i, j))
                i0, j0 = i + 1, j + 1
            stack.append((i0, ahi, j0, bhi))
        elif (ahi - alo) * (bhi - blo) <= _SMALL_GAP:
            matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for i, j, size in matcher.get_matching_blocks():
                pairs.extend((alo + i + k, blo + j + k) for k in range(size))
        else:
            pairs.extend(_greedy(a, alo, ahi, b, blo, bhi))
    pairs.sort()
    return pairs


def _unique_anchors(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int,
                    bhi: int) -> list[tuple[int, int]]:
    """Lines occurring once in each range, longest increasing run of them (patience)."""
    count_a: dict[str, int] = {}
    for i in range(alo, ahi):
        count_a[a[i]] = count_a.get(a[i], 0) + 1
    where_b: dict[str, int] = {}
    count_b: dict[str, int] = {}
    for j in range(blo, bhi):
        count_b[b[j]] = count_b.get(b[j], 0) + 1
        where_b[b[j]] = j
    candidates = [(i, where_b[a[i]]) for i in range(alo, ahi)
                  if count_a[a[i]] == 1 and count_b.get(a[i]) == 1]
    return _longest_increasing(candidates)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of ``pairs`` (sorted by i) whose j also increases."""
    tails: list[int] = []        # smallest j ending an increasing run of each length
    tail_index: list[int] = []   # index in pairs of that end
    previous: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[length] = j
            tail_index[length] = index
        previous[index] = tail_index[length - 1] if length else -1
    result: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        result.append(pairs[index])
        index = previous[index]
    return result[::-1]


def _greedy(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int,
            bhi: int) -> list[tuple[int, int]]:
    """A large gap without anchors: walk both sides, pairing equal lines (linear)."""
    pairs = []
    i, j = alo, blo
    while i < ahi and j < bhi:
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif (ahi - i) > (bhi - j):
            i += 1
        else:
            j += 1
    return pairs


def opcodes(a: Sequence[str], b: Sequence[str],
            pairs: list[tuple[int, int]] | None = None) -> list[Opcode]:
    """``SequenceMatcher.get_opcodes`` equivalent built from :func:`matching_pairs`."""
    if pairs is None:
        pairs = matching_pairs(a, b)
    ops: list[Opcode] = []
    i = j = 0
    for pi, pj in [*pairs, (len(a), len(b))]:
        if i < pi and j < pj:
            ops.append(("replace", i, pi, j, pj))
        elif i < pi:
            ops.append(("delete", i, pi, j, j))
        elif j < pj:
            ops.append(("insert", i, i, j, pj))
        if pi < len(a):
            if ops and ops[-1][0] == "equal" and ops[-1][2] == pi:
                _, ei, _, ej, _ = ops[-1]
                ops[-1] = ("equal", ei, pi + 1, ej, pj + 1)
            else:
                ops.append(("equal", pi, pi + 1, pj, pj + 1))
        i, j = pi + 1, pj + 1
    return ops
