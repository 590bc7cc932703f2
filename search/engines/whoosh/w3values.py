"""Weights and values of W3 posting blocks (see :mod:`.w3read`), many blocks at once.

A block's data is the pickle of (ids, weights, values). Written by this
project's writer (protocol 4, :mod:`.w3blocks`), its weights are ``None``
(all 1), one float, or a tuple of floats (``G`` and 8 bytes each), and a
phrase field's values (:class:`.fields.PackedPositions`: two bytes a
position, so a value is twice its weight long) a tuple of short bytes
(``C``, a length byte, the bytes, a memo opcode). So where each weight and
value lies follows from a few bytes per block; every opcode and length at
those places is checked, and the weights, ids and values of all the blocks
are then gathered with a few numpy calls instead of unpickling 128 floats,
ints and bytes objects per block (zlib's inflating is what is left). A block
in any other shape (protocol 2, three postings or fewer, a delta of 256 or
more, a value of another length) is unpickled whole.
"""

from __future__ import annotations

import zlib
from struct import Struct

import numpy as np

from search.models import NO_DEADLINE, Deadline

from .w3read import CHECK_EVERY, K, MARK, TUPLE, Blocks, ids_from_deltas, ids_part, ranges, unpickled

_PROTO4 = b"\x80\x04\x95"  # protocol 4 and a frame of 8 bytes' length: the ids' MARK is at 11
_N, _G, _C, _B, _MEMO = 0x4E, 0x47, 0x43, 0x42, 0x94
_DOUBLE = Struct(">d")
_ALL_ONE, _ONE_FLOAT, _FLOATS = 0, 1, 2
#: Fewer blocks are unpickled: numpy's calls for all of them cost more.
_FEW = 8


def _layout(data: bytes, n: int, values: bool) -> tuple | None:
    """A protocol-4 block's parts: (first id, its deltas' (opcode, byte)
    pairs, weights' form, the one weight, the weights' (opcode, 8 bytes),
    the values from their first opcode on), or None for any other shape."""
    part = ids_part(data, n) if data[:3] == _PROTO4 else None
    if part is None or len(data) < part[2] + 3 or data[part[2] + 1] != _MEMO:
        return None
    first, pairs, p = part[0], data[part[1]:part[2]], part[2] + 2
    op, weight, floats = data[p], 1.0, b""
    if op == _N:
        form, p = _ALL_ONE, p + 1
    elif op == _G:
        form, weight, p = _ONE_FLOAT, _DOUBLE.unpack_from(data, p + 1)[0], p + 9
    elif op == MARK:
        end = p + 1 + 9 * n
        if len(data) < end + 2 or data[end] != TUPLE or data[end + 1] != _MEMO:
            return None
        form, floats, p = _FLOATS, data[p + 1:end], end + 2
    else:
        return None
    if not values:
        return first, pairs, form, weight, floats, b""
    if len(data) <= p or data[p] != MARK:
        return None
    return first, pairs, form, weight, floats, data[p + 1:]


def _whole(data: bytes, n: int, fixed_size: int | None, with_values: bool) -> tuple:
    """(id deltas, weights, values) of a block, unpickled."""
    ids, weights, vs = unpickled(data)
    if not with_values:
        return ids, weights, None
    # Whoosh's W3LeafMatcher._read_values
    if fixed_size is None or fixed_size < 0:
        return ids, weights, list(vs)
    if fixed_size == 0:
        return ids, weights, [b""] * n
    return ids, weights, [vs[i:i + fixed_size] for i in range(0, len(vs), fixed_size)]


class _Fast:
    """The blocks in the expected shape: their parts, concatenated."""

    def __init__(self, rows: list[tuple], counts: np.ndarray, offsets: np.ndarray):
        place, first, pairs, form, weight, floats, values = zip(*rows)
        self.place = np.asarray(place, dtype=np.int64)  # in ``chosen``
        self.first = np.asarray(first, dtype=np.int64)
        self.form, self.weight = np.asarray(form), np.asarray(weight, dtype=np.float64)
        self.parts = pairs, floats, values
        self.n, self.o = counts[self.place], offsets[self.place]

    def keep(self, rows: np.ndarray) -> None:
        for name in ("place", "first", "form", "weight", "n", "o"):
            setattr(self, name, getattr(self, name)[rows])
        chosen = rows.tolist()
        self.parts = tuple([part[i] for i in chosen] for part in self.parts)

    @staticmethod
    def owner(failed: np.ndarray, each: np.ndarray) -> np.ndarray:
        """Which blocks hold a failed check, from per-item failures where block
        b has ``each[b]`` items."""
        starts = np.cumsum(each) - each
        return np.unique(np.searchsorted(starts, np.flatnonzero(failed), side="right") - 1)

    def check_and_read(self, values: bool) -> tuple | np.ndarray:
        """(deltas, weights, value lengths, values' bytes) of every posting,
        block after block, or the blocks that failed a check."""
        n, (pairs, floats, vparts) = self.n, self.parts
        pairs = np.frombuffer(b"".join(pairs), dtype=np.uint8).reshape(-1, 2)
        bad = [self.owner(pairs[:, 0] != K, n - 1)]
        is_floats = self.form == _FLOATS
        weights = np.repeat(self.weight, n)
        if is_floats.any():
            raw = np.frombuffer(b"".join(floats), dtype=np.uint8).reshape(-1, 9)
            bad.append(np.flatnonzero(is_floats)[self.owner(raw[:, 0] != _G, n[is_floats])])
            weights[ranges(*_spans(n, is_floats))] = np.ascontiguousarray(raw[:, 1:]).view(">f8").ravel()
        lengths = data = None
        if values:
            big = np.frombuffer(b"".join(vparts), dtype=np.uint8)
            sizes = np.fromiter(map(len, vparts), dtype=np.int64, count=len(vparts))
            lengths = np.rint(2 * weights).astype(np.int64)
            short = lengths < 256
            head = np.where(short, 2, 5)
            size = head + lengths + 1
            within = np.cumsum(size) - size
            starts = np.cumsum(n) - n
            ops = np.repeat(np.cumsum(sizes) - sizes - within[starts], n) + within
            last = len(big) - 1
            ops = np.minimum(ops, last)
            stored = big[np.minimum(ops + 1, last)].astype(np.int64)
            if not short.all():
                stored[~short] = _uint32(big, np.minimum(ops[~short] + 1, last - 3))
            ends = np.minimum(ops + head + lengths, last)
            wrong = ((big[ops] != np.where(short, _C, _B)) | (stored != lengths) | (big[ends] != _MEMO)
                     | (lengths != 2 * weights))
            wrong[starts + n - 1] |= big[np.minimum(ends[starts + n - 1] + 1, last)] != TUPLE
            bad.append(self.owner(wrong, n))
            if not np.concatenate(bad).size:
                data = big[_between(ops + head, ends, len(big))]  # each value: after its length, before its memo
        failed = np.unique(np.concatenate(bad))
        if len(failed):
            return failed
        deltas = np.empty(int(n.sum()), dtype=np.int64)
        deltas[np.cumsum(n) - n] = self.first
        deltas[ranges(*_spans(n, None, 1))] = pairs[:, 1]
        return deltas, weights, lengths, data


def _spans(n: np.ndarray, which: np.ndarray | None, skip: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) of the blocks' postings (those ``which`` selects) in the
    fast blocks' concatenation, ``skip`` postings in."""
    starts = np.cumsum(n) - n
    if which is not None:
        starts, n = starts[which], n[which]
    return starts + skip, starts + n


def _between(starts: np.ndarray, ends: np.ndarray, size: int) -> np.ndarray:
    """A mask of ``size`` bytes, true in [starts[i], ends[i]) (ascending,
    disjoint intervals): runs of false and true repeated, no index per byte."""
    runs = np.empty(2 * len(starts) + 1, dtype=np.int64)
    runs[0] = starts[0] if len(starts) else size
    runs[2:-1:2] = starts[1:] - ends[:-1]
    runs[1::2] = ends - starts
    runs[-1] = size - (ends[-1] if len(ends) else 0)
    pattern = np.zeros(len(runs), dtype=bool)
    pattern[1::2] = True
    return np.repeat(pattern, runs)


def _uint32(big: np.ndarray, at: np.ndarray) -> np.ndarray:
    b = big[at[:, None] + np.arange(4)].astype(np.int64)
    return b[:, 0] | b[:, 1] << 8 | b[:, 2] << 16 | b[:, 3] << 24


def read_postings(blocks: Blocks, chosen: np.ndarray, fixed_size: int | None, with_values: bool,
                  packed: bool, deadline: Deadline = NO_DEADLINE
                  ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """(ids, weights, values as (starts, bytes) or None) of the ``chosen``
    blocks; ``fixed_size`` is the field format's value size (Whoosh's
    ``fixed_value_size``), ``packed`` whether it is :class:`.fields.PackedPositions`."""
    counts = blocks.counts[chosen]
    offsets = np.cumsum(counts) - counts
    total = int(counts.sum())
    deltas, weights = np.empty(total, dtype=np.int64), np.empty(total)
    lengths = np.empty(total, dtype=np.int64) if with_values else None
    buf, starts, ends, compressed = blocks.buf, blocks.starts, blocks.ends, blocks.compressed
    rows, datas = [], {}
    for i, (k, n) in enumerate(zip(chosen.tolist(), counts.tolist())):
        if i % CHECK_EVERY == 0:
            deadline.check()
        raw = buf[starts[k]:ends[k]]
        datas[i] = data = zlib.decompress(raw) if compressed[k] else raw
        row = _layout(data, n, with_values) if (packed or not with_values) and len(chosen) >= _FEW else None
        if row is not None:
            rows.append((i, *row))
    fast_values = None
    if rows:
        fast = _Fast(rows, counts, offsets)
        got = fast.check_and_read(with_values)
        if not isinstance(got, tuple):  # some blocks in another shape: the others again
            fast.keep(np.setdiff1d(np.arange(len(fast.place)), got))
            got = fast.check_and_read(with_values) if len(fast.place) else None
        if isinstance(got, tuple):
            places = ranges(fast.o, fast.o + fast.n)
            deltas[places], weights[places] = got[0], got[1]
            if with_values:
                lengths[places] = got[2]
                fast_values = (fast, got[2], got[3])
            for i in fast.place.tolist():
                del datas[i]
    slow_values = {}
    for i, data in datas.items():  # the blocks in another shape, unpickled
        o, n = int(offsets[i]), int(counts[i])
        ids, w, vs = _whole(data, n, fixed_size, with_values)
        deltas[o:o + n] = ids
        weights[o:o + n] = 1.0 if w is None else w  # W3 keeps all-ones as None, all-equal as one float
        if with_values:
            lengths[o:o + n] = [len(v) for v in vs]
            slow_values[i] = np.frombuffer(b"".join(vs), dtype=np.uint8)
    ids = ids_from_deltas(blocks, chosen, deltas, offsets)
    if not with_values:
        return ids, weights, None
    value_starts = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(lengths, out=value_starts[1:])
    return ids, weights, (value_starts, _value_bytes(fast_values, slow_values, len(chosen)))


def _value_bytes(fast_values: tuple | None, slow_values: dict[int, np.ndarray], blocks: int) -> np.ndarray:
    """The blocks' value bytes in block order, from those read fast and those unpickled."""
    if fast_values is None:
        return np.concatenate([slow_values[i] for i in range(blocks)]) if blocks else np.zeros(0, np.uint8)
    fast, lengths, data = fast_values
    if not slow_values:
        return data
    ends = np.cumsum(np.add.reduceat(lengths, np.cumsum(fast.n) - fast.n)).tolist()
    pieces = dict(slow_values)
    for i, start, end in zip(fast.place.tolist(), [0] + ends[:-1], ends):
        pieces[i] = data[start:end]
    return np.concatenate([pieces[i] for i in range(blocks)])
