"""Reading posting lists whole, a block at a time, into numpy arrays.

Whoosh reads postings one Python call per posting (~1 µs each and several
generator frames deep); for a common word in a 100k archive that is tens of
milliseconds. Its W3 codec stores a list in blocks of delta-encoded ids and
weights, which :mod:`.w3read` reads straight from the posting file, many
blocks at once. Lists it does not read (another codec, inlined postings) are
walked through Whoosh's matcher.

Deleted documents are read too (callers mask with ``DocTable.live``):
Whoosh wraps the codec's matcher of a segment with deletions in a
``FilterMatcher`` that steps posting by posting to skip them, which made
every list of such a segment (any index updated in place) as slow as
Whoosh's own reading.

Every block loop looks at the search's deadline (``Deadline.check``).

A read can be limited to candidate documents (``within``): a block's header
holds its last document number, so the blocks that cannot hold a candidate
are stepped over without decompressing or unpickling their data
(:func:`limits_reads` decides when). The result then holds at least every
posting of a candidate (callers intersect).

:class:`PostingCache` keeps the decoded lists of frequent terms for a generation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from whoosh.reading import TermNotFound

from search.models import NO_DEADLINE, Deadline

from .lru import SizedLRU
from .fields import PackedPositions
from .w3read import read_ids, term_blocks
from .w3values import read_postings

EMPTY_IDS = np.zeros(0, dtype=np.int64)


def leaves(searcher):
    """(sub-searcher, docnum offset) of each segment."""
    if searcher.subsearchers:
        return searcher.subsearchers
    return [(searcher, 0)]


def _generic(reader, fieldname: str, text, with_weights: bool, with_values: bool,
             deadline: Deadline) -> tuple[np.ndarray, np.ndarray, list]:
    """(ids, weights, values) of one segment's list through Whoosh's matcher,
    a posting per call: for what :mod:`.w3read` does not read (another codec,
    inlined postings, a file that cannot be mapped)."""
    m = reader.postings(fieldname, text)
    ids, ws, values = [], [], []
    while m.is_active():
        if len(ids) % 1024 == 0:
            deadline.check()
        ids.append(m.id())
        if with_weights:
            ws.append(m.weight())
        if with_values:
            values.append(m.value())
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(ws, dtype=np.float64), values


def _segment_terms(searcher, fieldname: str, text, within: np.ndarray | None,
                   deadline: Deadline) -> Iterator[tuple]:
    """(segment reader, offset, term info, blocks or None, candidates as local
    ids or None) of each segment holding the term; a segment without a
    candidate (when ``within`` is given) is left out."""
    for sub, offset in leaves(searcher):
        reader = sub.reader()
        try:
            info = reader.term_info(fieldname, text)
        except TermNotFound:
            continue
        local = None
        if within is not None:
            local = _segment_part(within, offset, reader)
            if not len(local):
                continue
        yield reader, offset, info, term_blocks(reader, info, deadline), local


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

    @classmethod
    def joined(cls, parts: list[Values]) -> Values:
        """The values of ``parts``, one after another."""
        if len(parts) == 1:
            return parts[0]
        shifts = np.cumsum([0] + [len(p.data) for p in parts[:-1]])
        starts = np.concatenate([parts[0].starts[:1]] + [p.starts[1:] + s for p, s in zip(parts, shifts)])
        return cls(starts, np.concatenate([p.data for p in parts]))

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


def term_ids(searcher, fieldname: str, text, deadline: Deadline = NO_DEADLINE,
             within: np.ndarray | None = None) -> np.ndarray:
    """Ascending document numbers (all segments) holding the term: all of
    them, or when ``within`` (ascending global ids) is given, at least those
    among ``within`` (only the blocks that may hold one are read)."""
    out = []
    for reader, offset, info, blocks, local in _segment_terms(searcher, fieldname, text, within, deadline):
        if blocks is None:
            ids = _generic(reader, fieldname, text, False, False, deadline)[0]
        else:
            ids = read_ids(blocks, blocks.choose(local if limits_reads(local, info.doc_frequency(), kept=False)
                                                 else None), deadline)
        out.append(ids + offset if offset else ids)
    if not out:
        return EMPTY_IDS
    return out[0] if len(out) == 1 else np.concatenate(out)


class Postings(NamedTuple):
    ids: np.ndarray  # ascending document numbers, all segments
    weights: np.ndarray  # term frequencies (float64) aligned with ids
    values: Values | None  # encoded values when asked for
    whole: bool  # every posting of the term (else those of the blocks read)


#: A read whose whole list would be kept in the posting cache is limited to
#: the blocks that may hold a candidate only when the candidates are this many
#: times fewer than the term's postings (then at most about a fifth of its
#: blocks of 128 are read): denser candidates touch most blocks anyway, and
#: the whole list serves the next request from the cache.
SKIP_RATIO = 512


def limits_reads(candidates: np.ndarray | None, postings: int, kept: bool) -> bool:
    """Whether a read asked about the documents ``candidates`` (None: all) of a
    term with ``postings`` postings in a segment reads only the blocks that
    may hold one of them. Choosing those blocks costs one binary search over
    the blocks' last ids, so a read that is not kept always does."""
    if candidates is None:
        return False
    return not kept or len(candidates) * SKIP_RATIO < postings


def term_postings(searcher, fieldname: str, text, with_values: bool = False,
                  within: np.ndarray | None = None, deadline: Deadline = NO_DEADLINE) -> Postings | None:
    """The term's postings over all segments (at least those of the documents
    ``within``, ascending global ids, unless None); None when no segment holds it."""
    ids_parts, weight_parts, value_parts = [], [], []
    whole, held = True, False
    fmt = searcher.schema[fieldname].format if fieldname in searcher.schema else None
    fixed, packed = (fmt.fixed_value_size() if fmt else None), isinstance(fmt, PackedPositions)
    for reader, offset, info, blocks, local in _segment_terms(searcher, fieldname, text, None, deadline):
        held = True
        if within is not None:
            local = _segment_part(within, offset, reader)
            if not limits_reads(local, info.doc_frequency(), kept=True):
                local = None
            else:
                whole = False
                if not len(local):
                    continue
        if blocks is None:
            ids, weights, vals = _generic(reader, fieldname, text, True, with_values, deadline)
            value_parts.append(Values.of(vals))
        else:
            ids, weights, vals = read_postings(blocks, blocks.choose(local), fixed, with_values, packed, deadline)
            value_parts.append(Values(*vals) if with_values else None)
        ids_parts.append(ids + offset if offset else ids)
        weight_parts.append(weights)
    if not ids_parts:
        return None if not held else Postings(EMPTY_IDS, np.zeros(0), Values.of([]) if with_values else None,
                                              False)
    return Postings(np.concatenate(ids_parts), np.concatenate(weight_parts),
                    Values.joined(value_parts) if with_values else None, whole)


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
