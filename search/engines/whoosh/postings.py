"""Reading posting lists whole, a block at a time, into numpy arrays.

Whoosh reads postings one Python call per posting (~1 µs each and several
generator frames deep); for a common word in a 100k archive that is tens of
milliseconds. Its W3 codec stores a list in blocks of delta-encoded ids and
weights, so here a whole block is read at once (private matcher attributes,
see the package docstring). A matcher of another kind (e.g. one wrapped to
skip deleted documents) is walked the generic way.

Deleted documents are read too (callers mask with ``DocTable.live``):
Whoosh wraps the codec's matcher of a segment with deletions in a
``FilterMatcher`` that steps posting by posting to skip them, which made
every list of such a segment (any index updated in place) as slow as
Whoosh's own reading. The wrapper is looked through to its codec matcher.

Every block loop looks at the search's deadline (``Deadline.check``).

A read can be limited to candidate documents (``within``): a block's header
holds its last document number, so the blocks that cannot hold a candidate
are stepped over without decompressing or unpickling their data. The
result then holds at least every posting of a candidate (callers intersect).

:class:`PostingCache` keeps the decoded lists of frequent terms for a generation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

from search.models import NO_DEADLINE, Deadline

from .lru import SizedLRU

EMPTY_IDS = np.zeros(0, dtype=np.int64)


def leaves(searcher):
    """(sub-searcher, docnum offset) of each segment."""
    if searcher.subsearchers:
        return searcher.subsearchers
    return [(searcher, 0)]


def block_ids(m: W3LeafMatcher) -> np.ndarray:
    """The document numbers of the posting block ``m`` is on, read whole
    instead of stepping per posting. Blocks store ids delta-encoded
    (whoosh.util.numlists.delta_decode is a running sum), so numpy's cumsum
    decodes them."""
    if m._byteids:
        m._read_ids()
        return np.asarray(m._ids, dtype=np.int64)
    if m._data is None:
        m._read_data()
    return np.cumsum(np.asarray(m._data[0], dtype=np.int64))


def codec_matcher(m):
    """``m`` without Whoosh's deleted-documents filter, when it wraps a W3
    block matcher: that matcher stands on the first block holding a live
    document, and reading from there yields every live posting (and some
    deleted ones)."""
    if isinstance(m, FilterMatcher) and m._exclude and isinstance(m.child, W3LeafMatcher):
        return m.child
    return m


def _blocks(m: W3LeafMatcher, within: np.ndarray | None, deadline: Deadline) -> Iterator[W3LeafMatcher]:
    """``m`` on each of its blocks in turn that may hold one of ``within``
    (local ascending ids; every block when None). A block's header holds its
    last id, so the others are stepped over without decoding their data."""
    wanted, last = 0, -1  # the next candidate; the previous block's last id
    while m.is_active():
        deadline.check()
        if within is not None:
            wanted += int(np.searchsorted(within[wanted:], last, side="right"))
            if wanted == len(within):
                return
            last = m._maxid
            if within[wanted] > last:  # no candidate in this block
                m._next_block()
                continue
        yield m
        m._next_block()


def _read_ids(m, within: np.ndarray | None, deadline: Deadline) -> np.ndarray:
    """One segment's posting ids (those of the blocks that may hold one of
    ``within``, local ascending ids, unless None)."""
    m = codec_matcher(m)
    if not isinstance(m, W3LeafMatcher):  # another codec: the generic way
        return np.fromiter(m.all_ids(), dtype=np.int64)
    chunks = [block_ids(block) for block in _blocks(m, within, deadline)]
    return np.concatenate(chunks) if chunks else EMPTY_IDS


def _read_weights(m, with_values: bool, within: np.ndarray | None,
                  deadline: Deadline) -> tuple[np.ndarray, np.ndarray, list]:
    """(ids, weights, encoded values or []) of one segment's posting list; only
    the blocks that may hold one of ``within`` (local ascending ids) unless None."""
    id_chunks, w_chunks, values = [], [], []
    m = codec_matcher(m)
    if isinstance(m, W3LeafMatcher):
        for block in _blocks(m, within, deadline):
            id_chunks.append(block_ids(block))
            raw_w, n = block._data[1], block._blocklength
            if raw_w is None:
                w_chunks.append(np.ones(n))
            elif isinstance(raw_w, float):
                w_chunks.append(np.full(n, raw_w))
            else:
                w_chunks.append(np.asarray(raw_w, dtype=np.float64))
            if with_values:
                block._read_values()
                values.extend(block._values)
    else:
        ids, ws = [], []
        while m.is_active():
            if len(ids) % 1024 == 0:
                deadline.check()
            ids.append(m.id())
            ws.append(m.weight())
            if with_values:
                values.append(m.value())
            m.next()
        id_chunks.append(np.asarray(ids, dtype=np.int64))
        w_chunks.append(np.asarray(ws, dtype=np.float64))
    if not id_chunks:
        return EMPTY_IDS, np.zeros(0), []
    return np.concatenate(id_chunks), np.concatenate(w_chunks), values


@dataclass(frozen=True)
class Values:
    """Encoded posting values, concatenated: value ``i`` is ``data[starts[i]:starts[i + 1]]``.

    One bytes object and one array instead of a list of small bytes objects,
    so a selection of them is gathered by numpy (and cached compactly).
    """

    starts: np.ndarray  # int64, one more than there are values
    data: np.ndarray  # uint8

    @classmethod
    def of(cls, values: list[bytes]) -> Values:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        starts = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        return cls(starts, np.frombuffer(b"".join(values), dtype=np.uint8))

    @property
    def nbytes(self) -> int:
        return self.starts.nbytes + self.data.nbytes

    def select(self, at: np.ndarray) -> Values:
        """The values at the (ascending) indexes ``at``, in that order."""
        lo, hi = self.starts[at], self.starts[at + 1]
        lengths = hi - lo
        starts = np.zeros(len(at) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        # Each selected value's bytes: its offset within the selection plus its old start.
        gather = np.arange(starts[-1], dtype=np.int64) + np.repeat(lo - starts[:-1], lengths)
        return Values(starts, self.data[gather])

    def items(self) -> list[bytes]:
        data, bounds = self.data.tobytes(), self.starts.tolist()
        return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def _segment_part(within: np.ndarray, offset: int, reader) -> np.ndarray:
    """The ascending global ids ``within`` that fall in the segment at
    ``offset``, as its local ids."""
    lo, hi = np.searchsorted(within, [offset, offset + reader.doc_count_all()])
    return within[lo:hi] - offset


#: :func:`term_ids` steps over blocks only when the candidates are this many
#: times fewer than the term's postings (uncached reads: denser candidates
#: fall in most blocks of 128, and checking each block costs about a
#: twentieth of decoding it).
ID_SKIP_RATIO = 64


def term_ids(searcher, fieldname: str, text, deadline: Deadline = NO_DEADLINE,
             within: np.ndarray | None = None) -> np.ndarray:
    """Ascending document numbers (all segments) holding the term: all of
    them, or when ``within`` (ascending global ids) is given, at least those
    among ``within`` (only the blocks that may hold one are read)."""
    out = []
    for sub, offset in leaves(searcher):
        reader = sub.reader()
        if (fieldname, text) not in reader:
            continue
        local = None
        if within is not None:
            local = _segment_part(within, offset, reader)
            if not len(local):
                continue
            if len(local) * ID_SKIP_RATIO >= reader.doc_frequency(fieldname, text):
                local = None  # about a candidate a block: every block read, the checks would be waste
        ids = _read_ids(reader.postings(fieldname, text), local, deadline)
        out.append(ids + offset if offset else ids)
    if not out:
        return EMPTY_IDS
    return out[0] if len(out) == 1 else np.concatenate(out)


class Postings(NamedTuple):
    ids: np.ndarray  # ascending document numbers, all segments
    weights: np.ndarray  # term frequencies (float64) aligned with ids
    values: Values | None  # encoded values when asked for
    whole: bool  # every posting of the term (else those of the blocks read)


#: A read limited to candidates steps over blocks only when they are this
#: many times fewer than the term's postings (then at most about a fifth of
#: its blocks of 128 are read): denser candidates touch most blocks anyway,
#: and a whole list is kept in the posting cache for the next request.
SKIP_RATIO = 512


def term_postings(searcher, fieldname: str, text, with_values: bool = False,
                  within: np.ndarray | None = None, deadline: Deadline = NO_DEADLINE) -> Postings | None:
    """The term's postings over all segments (at least those of the documents
    ``within``, ascending global ids, unless None); None when no segment holds it."""
    ids_parts, weight_parts, values = [], [], []
    whole = True
    for sub, offset in leaves(searcher):
        reader = sub.reader()
        if (fieldname, text) not in reader:
            continue
        local = None
        if within is not None:
            part = _segment_part(within, offset, reader)
            if len(part) * SKIP_RATIO < reader.doc_frequency(fieldname, text):
                local, whole = part, False
                if not len(local):
                    continue
        ids, weights, vals = _read_weights(reader.postings(fieldname, text), with_values, local, deadline)
        ids_parts.append(ids + offset if offset else ids)
        weight_parts.append(weights)
        values.extend(vals)
    if not ids_parts:
        return None if whole else Postings(EMPTY_IDS, np.zeros(0), Values.of([]) if with_values else None,
                                           False)
    return Postings(np.concatenate(ids_parts), np.concatenate(weight_parts),
                    Values.of(values) if with_values else None, whole)


def restrict(ids: np.ndarray, within: np.ndarray | None) -> np.ndarray:
    """``ids`` that are in ``within`` (both ascending and unique; None: all)."""
    if within is None:
        return ids
    if not len(ids) or not len(within):
        return EMPTY_IDS
    small, big = (ids, within) if len(ids) <= len(within) else (within, ids)
    if len(small) * 64 < len(big):
        # Few against many: binary searches beat touching all of ``big``.
        return small[contains(big, small)]
    # Similar sizes: a mask over the id range, linear instead of a sort.
    mask = np.zeros(int(max(ids[-1], within[-1])) + 1, dtype=bool)
    mask[small] = True
    return big[mask[big]]


def contains(have: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which of ``wanted`` are in the ascending ``have``."""
    if not len(have) or not len(wanted):
        return np.zeros(len(wanted), dtype=bool)
    at = np.minimum(np.searchsorted(have, wanted), len(have) - 1)
    return have[at] == wanted


def union(parts: list[np.ndarray], within: np.ndarray | None) -> np.ndarray:
    """Ascending ids in any of ``parts`` (each ascending, unique, and within
    ``within`` unless that is None)."""
    parts = [p for p in parts if len(p)]
    if len(parts) <= 1:
        return parts[0] if parts else EMPTY_IDS
    if within is not None:
        held = np.zeros(len(within), dtype=bool)
        for p in parts:
            held[np.searchsorted(within, p)] = True
        return within[held]
    # A mask over the id range: linear instead of sorting the concatenation.
    held = np.zeros(int(max(p[-1] for p in parts)) + 1, dtype=bool)
    for p in parts:
        held[p] = True
    return np.flatnonzero(held).astype(np.int64)


class PostingCache:
    """Decoded posting lists of frequent terms, for one generation: (ids, term
    frequencies) for ranking, positions for phrases.

    Whoosh unpickles and decompresses posting blocks on every read; for a
    word in most of the archive that is the bulk of a request. Only long
    lists are kept (short ones are cheap to read), within a memory budget,
    least recently used first out.
    """

    MIN_POSTINGS = 2_000
    BUDGET_BYTES = 160 * 1024 * 1024  # per process: each web worker has its own

    def __init__(self) -> None:
        self._lru: SizedLRU[tuple[np.ndarray, ...]] = SizedLRU(self.BUDGET_BYTES)

    def get(self, key: tuple[str, ...]) -> tuple[np.ndarray, ...] | None:
        return self._lru.get(key)

    def worth_keeping(self, postings: int, nbytes: int) -> bool:
        """Whether a list this long and this big is kept: long enough to be
        slow to read, small enough (a quarter of the budget) that one word
        does not push out everything else."""
        return postings >= self.MIN_POSTINGS and nbytes <= self.BUDGET_BYTES // 4

    def put(self, key: tuple[str, ...], ids: np.ndarray, *payload: np.ndarray) -> None:
        """Keep ``(ids, *payload)`` (read-only from now on) if worth keeping."""
        arrays = (ids, *payload)
        size = sum(a.nbytes for a in arrays)
        if not self.worth_keeping(len(ids), size):
            return
        for a in arrays:
            a.setflags(write=False)
        self._lru.put(key, arrays, size)
