"""Reading Whoosh's W3 posting blocks straight from the posting file's bytes.

A term's postings are a chain of blocks (see :mod:`.w3blocks`): a 4-byte
length (negative for the last block), a pickled header (postings, last id,
max weight, compression, lengths), then the data, a pickled (optionally
zlib-compressed) tuple of delta-encoded ids, weights and values. Whoosh's
matcher walks the chain with a seek, a read and an unpickled header per
block through a buffered file (3-5 µs a block), and decodes a block whole to
get its ids. Here:

* the chain is walked over a memory map of the posting file (the file the
  segment's reader has open; a compound segment's bytes are already a map)
  reading only each block's length; the headers, pickles of six numbers, are
  then parsed all at once with numpy, and which blocks may hold a candidate
  is one ``searchsorted`` over their last ids; a chain of many blocks, once
  walked, is kept for every reader of its segment (a segment's files never
  change);
* for ids only (:func:`read_ids`), a block is inflated only as far as its
  ids; pickled, they are a ``MARK``, the first (absolute) id as a 1-, 2- or
  4-byte int opcode, then one ``K`` opcode and byte per delta under 256 (a
  list of more than a few hundred postings in a segment is dense enough that
  they almost all are), and every block's bytes are decoded at once with
  numpy. A block with a larger delta has its ids' part alone unpickled
  (:func:`ids_only`); one in any other shape (a block of three postings or
  fewer, another pickle protocol) is unpickled whole.

Deleted documents are read too, as from the codec's own matcher (callers
mask with ``DocTable.live``). Readers of another codec, inlined postings and
files that cannot be mapped are read through Whoosh's matcher by
:mod:`.postings` (:func:`term_blocks` returns None).
"""

from __future__ import annotations

import logging
import mmap
import weakref
import zlib
from pickle import UnpicklingError, dumps, loads
from struct import Struct
from typing import NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.filedb.structfile import BufferFile

from search.models import NO_DEADLINE, Deadline

from .lru import SizedLRU

log = logging.getLogger(__name__)

_LENGTH = Struct("!i")
#: A block header's pickle is at most this long (six ints of up to 4 bytes, or a float).
_HEADER_MAX = 48
#: Pickle opcodes of a block's ids: MARK, TUPLE, and ints of 1, 2 and 4 bytes.
MARK, TUPLE, K = 0x28, 0x74, 0x4B
INT_BYTES = {0x4B: 1, 0x4D: 2, 0x4A: 4}
#: Blocks walked or read between two looks at the deadline.
CHECK_EVERY = 256


class Blocks(NamedTuple):
    """One term's posting blocks in one segment."""

    buf: mmap.mmap | memoryview  # the posting file's bytes
    starts: list[int]  # where each block's data starts
    ends: list[int]  # and ends
    compressed: list[int]  # the zlib level each block's data was compressed with (0: not)
    counts: np.ndarray  # postings per block (int64)
    maxids: np.ndarray  # each block's last (local) document number (int64)

    def choose(self, within: np.ndarray | None) -> np.ndarray:
        """Indexes of the blocks that may hold one of ``within`` (local
        ascending ids; every block when None)."""
        if within is None:
            return np.arange(len(self.starts))
        if len(self.starts) == 1:  # most lists: no numpy call needed
            return _FIRST if len(within) and within[0] <= self.maxids[0] else _NONE
        # Block k holds the ids after block k - 1's last one, up to its own.
        upto = np.searchsorted(within, self.maxids, side="right")  # candidates up to each block's last id
        return np.flatnonzero(np.diff(upto, prepend=0))


_FIRST, _NONE = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64)
_maps: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _file_bytes(postfile) -> mmap.mmap | memoryview | None:
    """The bytes of a segment's posting file, mapped once per open file."""
    buf = _maps.get(postfile)
    if buf is None:
        if isinstance(postfile, BufferFile):  # a compound segment: a view of its map
            buf = postfile._buf
        else:
            try:
                buf = mmap.mmap(postfile.file.fileno(), 0, access=mmap.ACCESS_READ)
            except (AttributeError, OSError, ValueError) as e:
                log.debug("posting file %r not mapped (%s): read through Whoosh's matcher", postfile, e)
                buf = False
        _maps[postfile] = buf
    return buf or None


def term_blocks(reader, terminfo, deadline: Deadline = NO_DEADLINE) -> Blocks | None:
    """The blocks of the term ``terminfo`` describes in the segment ``reader``
    reads, or None when they are not W3 blocks in a mapped file."""
    terms = getattr(reader, "_terms", None)
    if type(terms) is not W3TermsReader or terminfo.is_inlined():
        return None
    buf = _file_bytes(terms._postfile)
    if buf is None:
        return None
    offset, _ = terminfo.extent()
    key = _chain_key(reader, offset)
    chain = _chains.get(key) if key else None
    if chain is not None:
        return Blocks(buf, *chain)
    if buf[offset:offset + 4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"no posting block header at {offset} of {terms._postfile!r}")
    # The chain: each block's length says where the next one starts.
    at, ends, p, unpack = [], [], offset + 4, _LENGTH.unpack_from
    while True:
        if len(at) % CHECK_EVERY == 0:
            deadline.check()
        length = unpack(buf, p)[0]
        at.append(p + 4)
        p += 4 + abs(length)
        ends.append(p)
        if length < 0:
            break
    if len(at) < _FEW:
        parsed = _few_headers(buf, at)
    else:
        parsed = _headers(np.frombuffer(buf, dtype=np.uint8), np.asarray(at, dtype=np.int64))
    if parsed is None:
        log.debug("posting block headers of another shape in %r: read through Whoosh's matcher", terms._postfile)
        return None
    sizes, counts, maxids, compressed = parsed
    blocks = Blocks(buf, (np.asarray(at) + sizes).tolist(), ends, list(compressed),
                    np.asarray(counts, dtype=np.int64), np.asarray(maxids, dtype=np.int64))
    if key and len(at) >= KEEP_CHAINS:
        blocks.counts.setflags(write=False)
        blocks.maxids.setflags(write=False)
        _chains.put(key, blocks[1:], _CHAIN_BYTES * len(at))
    return blocks


#: Chains of at least this many blocks are kept once walked (walking costs
#: about 1 µs a block), in every thread's reader of the segment.
KEEP_CHAINS = 64
_CHAIN_BYTES = 110  # about what a block costs kept: two list items and their ints, two numpy items
_chains: SizedLRU[tuple] = SizedLRU(16 * 1024 * 1024)


def _chain_key(reader, offset: int) -> tuple | None:
    """What names a chain for every reader of its segment (a segment's files
    never change): its folder, segment and offset; None for a segment in
    memory, which has no folder."""
    storage = reader.storage()
    folder = getattr(getattr(storage, "b", storage), "folder", None)  # a compound segment: an overlay
    return (folder, reader.segment().segment_id(), offset) if folder else None


#: Lists of fewer blocks have their headers unpickled one by one: about 1 µs
#: a block, where parsing them at once costs about 80 µs and 1 µs a block.
_FEW = 256


def _few_headers(buf, at: list[int]) -> tuple[list[int], ...] | None:
    """:func:`_headers` for a few blocks: each header unpickled, its size that
    of the same tuple pickled again (pickling is deterministic), checked."""
    parsed = []
    for p in at:
        head = buf[p:p + _HEADER_MAX]
        if head[:3] != _HEADER_START:
            return None
        header = loads(head)
        size = len(dumps(header, 2))
        if head[size - 4:size] != _HEADER_END or len(header) != 6:
            return None
        parsed.append((size, header[0], header[1], header[3]))
    return tuple(map(list, zip(*parsed)))


#: Bytes each opcode of a block header takes (its argument included): ints
#: of 1, 2 and 4 bytes, a float, None; 0 for any other.
_OP_SIZES = np.zeros(256, dtype=np.int64)
_OP_SIZES[[0x4B, 0x4D, 0x4A, 0x47, 0x4E]] = [2, 3, 5, 9, 1]
_ARG_MASKS = np.zeros(256, dtype=np.int64)
_ARG_MASKS[[0x4B, 0x4D, 0x4A]] = [0xFF, 0xFFFF, 0xFFFFFFFF]
#: A header's first and last bytes: protocol 2, MARK; TUPLE, its memo, STOP.
_HEADER_START, _HEADER_END = b"\x80\x02(", b"tq\x00."


def _headers(data: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """(header sizes, postings, last ids, compression levels) of the blocks
    whose headers start at ``at``, parsed all at once: each header is the
    protocol-2 pickle of a tuple of six numbers (postings, last id, max
    weight, compression, two length bytes), every opcode checked; None when
    one is in another shape."""
    rows = np.minimum(at[:, None] + np.arange(_HEADER_MAX), len(data) - 1)
    head = data[rows]
    every = np.arange(len(at))
    if not (head[:, :3] == np.frombuffer(_HEADER_START, dtype=np.uint8)).all():
        return None
    pos, ints = np.full(len(at), 3), []
    for _ in range(6):
        op = head[every, pos]
        args = head[every[:, None], np.minimum(pos[:, None] + np.arange(1, 5), _HEADER_MAX - 1)].astype(np.int64)
        ints.append((args[:, 0] | args[:, 1] << 8 | args[:, 2] << 16 | args[:, 3] << 24) & _ARG_MASKS[op])
        size = _OP_SIZES[op]
        if not size.all():
            return None
        pos = pos + size
    ends = np.minimum(pos[:, None] + np.arange(4), _HEADER_MAX - 1)
    if not (head[every[:, None], ends] == np.frombuffer(_HEADER_END, dtype=np.uint8)).all():
        return None
    count, maxid, _, comp, _, _ = ints
    return pos + 4, count, maxid, comp


def unpickled(data: bytes) -> tuple:
    """A block's data, unpickled whole: (ids as deltas, weights, values)."""
    return loads(data)


def ids_from_deltas(blocks: Blocks, chosen: np.ndarray, deltas: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Ids from the chosen blocks' deltas (each block's first one absolute):
    one running sum, each block's first delta made relative to the previous
    chosen block's last id (its header's)."""
    if len(chosen) > 1:
        deltas[offsets[1:]] -= blocks.maxids[chosen[:-1]]
    return np.cumsum(deltas)


def ids_part(data: bytes, n: int) -> tuple[int, int, int] | None:
    """Where a block's pickled ids lie when all deltas after the first id are
    ``K`` opcodes (checked by the caller): (first id, start and end of the
    (opcode, delta) pairs); None when the block is in another shape. The
    ids are a MARK (after protocol 4's 11-byte header, or protocol 2's 2),
    the first id as a 1-, 2- or 4-byte int, 2 bytes a delta, TUPLE."""
    at = 11 if data[:3] == b"\x80\x04\x95" else 2 if data[:2] == b"\x80\x02" else 0
    width = INT_BYTES.get(data[at + 1]) if at and n > 3 and data[at] == MARK else None
    if width is None:
        return None
    start = at + 2 + width
    end = start + 2 * (n - 1)
    if len(data) <= end or data[end] != TUPLE:
        return None
    return int.from_bytes(data[at + 2:start], "little"), start, end


def ids_only(data: bytes, n: int) -> tuple | None:
    """A block's id deltas read from its data as far as they go, without
    unpickling its weights and values: the ids' tuple (any int opcodes) ends
    with ``TUPLE`` and a memo opcode, so that much of the pickle, given a
    ``STOP``, is the tuple alone; None when no such end gives ``n`` ids. Each
    id takes at least 2 bytes, and an end found inside a wider int's bytes
    leaves the pickle cut short, which the unpickler refuses."""
    at = 11 if data[:3] == b"\x80\x04\x95" else 2 if data[:2] == b"\x80\x02" else 0
    if not at or data[at] != MARK:
        return None
    end = b"t\x94" if at == 11 else b"tq"  # protocol 4's MEMOIZE, protocol 2's BINPUT
    p = data.find(end, at + 2 * n)
    while p >= 0:
        try:
            ids = loads(b"\x80\x02" + data[at:p + 1] + b".")
        except (UnpicklingError, EOFError):  # an end inside an int's bytes: cut short
            ids = None
        if type(ids) is tuple and len(ids) == n:
            return ids
        p = data.find(end, p + 1)
    return None


def read_ids(blocks: Blocks, chosen: np.ndarray, deadline: Deadline = NO_DEADLINE) -> np.ndarray:
    """The ascending ids of the ``chosen`` blocks (ascending indexes)."""
    if len(chosen) == 1:  # most lists: one block, unpickled without numpy's calls for many
        k = int(chosen[0])
        raw = blocks.buf[blocks.starts[k]:blocks.ends[k]]
        return np.cumsum(unpickled(zlib.decompress(raw) if blocks.compressed[k] else raw)[0], dtype=np.int64)
    counts = blocks.counts[chosen]
    offsets = np.cumsum(counts) - counts  # each block's first place in the result
    deltas = np.empty(int(counts.sum()), dtype=np.int64)
    buf, starts, ends, compressed = blocks.buf, blocks.starts, blocks.ends, blocks.compressed
    fast: list[int] = []  # places in ``chosen`` of the blocks decoded from their bytes
    firsts: list[int] = []
    pairs: list[bytes] = []  # their (opcode, delta) byte pairs after the first id
    heads: dict[int, bytes] = {}  # block place -> its data as far as inflated
    rest: dict[int, object] = {}  # block place -> its inflater, for the rest of its data
    slow: list[int] = []
    for i, (k, n) in enumerate(zip(chosen.tolist(), counts.tolist())):
        if i % CHECK_EVERY == 0:
            deadline.check()
        head = buf[starts[k]:ends[k]]
        if compressed[k]:
            # The ids end at most 3n + 16 bytes in when no delta is 65536 or
            # more: protocol 4's 11-byte header (2 for protocol 2), MARK, a
            # first id of up to 5 bytes, 2 or 3 bytes a delta, TUPLE.
            rest[i] = inflater = zlib.decompressobj()
            head = inflater.decompress(head, 3 * n + 16)
        heads[i] = head
        part = ids_part(head, n)
        if part is None:
            slow.append(i)
            continue
        fast.append(i)
        firsts.append(part[0])
        pairs.append(head[part[1]:part[2]])
    if fast:
        where = np.asarray(fast, dtype=np.int64)
        first_at, n_fast = offsets[where], counts[where]
        ops = np.frombuffer(b"".join(pairs), dtype=np.uint8).reshape(-1, 2)
        deltas[first_at] = firsts
        deltas[ranges(first_at + 1, first_at + n_fast)] = ops[:, 1]
        odd = np.flatnonzero(ops[:, 0] != K)
        if len(odd):  # a delta of 256 or more: those blocks' ids are unpickled
            pair_starts = np.cumsum(n_fast - 1) - (n_fast - 1)
            slow += where[np.unique(np.searchsorted(pair_starts, odd, side="right") - 1)].tolist()
    for i in slow:
        o, n = int(offsets[i]), int(counts[i])
        ids = ids_only(heads[i], n)
        if ids is None:  # wider deltas than inflated, or another shape: the data inflated to its end
            log.debug("posting block at %d: ids not read alone, unpickled whole", starts[int(chosen[i])])
            data, inflater = heads[i], rest.get(i)
            if inflater is not None:
                data += inflater.decompress(inflater.unconsumed_tail) + inflater.flush()
            ids = unpickled(data)[0]
        deltas[o:o + n] = ids
    return ids_from_deltas(blocks, chosen, deltas, offsets)


def ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The indexes lo[0]..hi[0]-1, lo[1]..hi[1]-1, ... as one array."""
    lengths = hi - lo
    firsts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(lo - firsts, lengths)
