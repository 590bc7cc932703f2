"""Phrase and proximity matching over decoded positions, for whole match sets.

Whoosh's own phrase matcher walks span objects per candidate and was the
slowest part of a request. Here candidates come from intersecting the
words' ids, rarest word first (a frequent word that is not cached is read
only in the blocks that can hold a candidate); each word's positions in the
candidates become sorted keys
``docnum << 32 | position``, and the words are chained with binary searches
over whole arrays: a phrase costs the same whatever its ``~N``.

Positions come in two formats: :class:`.fields.PackedPositions` (fixed-width
integers: selecting the candidates' values and decoding them is a few numpy
calls, and a frequent word's values are kept in the posting cache as they
are, two bytes a position) and, in indexes written before it, Whoosh's
pickled ``Positions`` (unpickled many at once; a frequent word's positions
are decoded whole once and kept). Candidates are matched ``CHUNK``
documents at a time, with a look at the deadline before each chunk.
"""

from __future__ import annotations

import pickle
from itertools import chain

import numpy as np

from search.models import NO_DEADLINE, Deadline

from .analysis import STOP_WORDS
from .fields import WIDE, PackedPositions
from .postings import EMPTY_IDS, PostingCache, Values, contains, restrict, term_postings
from .w3read import ranges

_NONE = (EMPTY_IDS, np.zeros(0, dtype=np.float64))

#: Positions of document d are keys in [d * _STRIDE, (d + 1) * _STRIDE).
_STRIDE = np.int64(1) << 32
#: Candidate documents matched between two looks at the deadline.
CHUNK = 8_192
#: The posting cache's budget over this: what :func:`preload` may fill.
PRELOAD_SHARE = 3


def match(searcher, cache: PostingCache, fieldname: str, words: list[str], slop: int,
          deadline: Deadline = NO_DEADLINE, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(ids, frequency) of the documents (in ``within`` unless None) where
    ``words`` occur in order, each at most ``slop`` positions after the
    previous one (1 = adjacent). Deleted documents may be included (callers
    mask with ``DocTable.live``).

    The rarest word is read first; each next word only where the candidates
    so far can be (a frequent word's blocks without a candidate are skipped)."""
    packed = isinstance(searcher.schema[fieldname].format, PackedPositions)
    lists: dict[str, _Packed | _Keys | _Pickled] = {}
    candidates = within
    for w in sorted(dict.fromkeys(words), key=lambda w: searcher.doc_frequency(fieldname, w)):
        found = _positions(searcher, cache, fieldname, w, packed, candidates, deadline)
        if found is None:
            return _NONE
        lists[w] = found
        candidates = found.ids if candidates is None else restrict(found.ids, candidates)
        if not len(candidates):
            return _NONE
    assert candidates is not None
    found_ids, freqs = [], []
    for start in range(0, len(candidates), CHUNK):
        deadline.check()
        chunk = candidates[start:start + CHUNK]
        keys = {w: p.keys(chunk) for w, p in lists.items()}
        ids, tf = occurrences([keys[w] for w in words], slop)
        found_ids.append(ids)
        freqs.append(tf)
    return np.concatenate(found_ids), np.concatenate(freqs)


class _Keys:
    """A word's positions decoded whole into keys (pickled format, frequent word)."""

    def __init__(self, ids: np.ndarray, keys: np.ndarray):
        self.ids, self._keys = ids, keys

    def keys(self, docs: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self._keys, docs * _STRIDE)
        hi = np.searchsorted(self._keys, (docs + 1) * _STRIDE)
        return self._keys[ranges(lo, hi)]


class _Pickled:
    """A word's encoded values, decoded per candidate (pickled format)."""

    def __init__(self, ids: np.ndarray, values: Values):
        self.ids, self._values = ids, values

    def keys(self, docs: np.ndarray) -> np.ndarray:
        chosen = self._values.select(np.searchsorted(self.ids, docs))
        owner, positions = _unpickle_positions(chosen.items())
        return docs[owner] * _STRIDE + positions


class _Packed:
    """A word's :class:`PackedPositions` values (kept as they are in the cache)."""

    def __init__(self, ids: np.ndarray, values: Values):
        self.ids, self.values = ids, values

    def keys(self, docs: np.ndarray) -> np.ndarray:
        chosen = self.values.select(np.searchsorted(self.ids, docs))
        owner, positions = _unpack_positions(chosen)
        return docs[owner] * _STRIDE + positions


def _positions(searcher, cache: PostingCache, fieldname: str, word: str, packed: bool,
               within: np.ndarray | None, deadline: Deadline) -> _Packed | _Keys | _Pickled | None:
    """The word's positions: all of them, or at least those in the documents ``within``."""
    key = ("positions", fieldname, word)
    hit = cache.get(key)
    if hit is not None:
        return _Packed(hit[0], Values(hit[1], hit[2])) if packed else _Keys(*hit)
    found = term_postings(searcher, fieldname, word, with_values=True, within=within, deadline=deadline)
    if found is None:
        return None
    ids, values = found.ids, found.values
    assert values is not None
    if packed:
        if found.whole:  # (a kept list's bytes are far below 2**31: its starts fit in 4 bytes)
            cache.put(key, ids, values.starts.astype(np.int32), values.data)
        return _Packed(ids, values)
    # Pickled: a frequent word is decoded whole once, so that the next
    # phrase with it unpickles nothing.
    count = len(values.data) // 2  # a bound: a pickled position takes at least 2 bytes
    if found.whole and cache.worth_keeping(len(ids), ids.nbytes + count * 8):
        words = _Pickled(ids, values).keys(ids)
        cache.put(key, ids, words)
        return _Keys(ids, words)
    return _Pickled(ids, values)


def preload(searcher, cache: PostingCache, fieldnames: tuple[str, ...]) -> list[tuple[str, str]]:
    """Read the whole positions of the most frequent stop words of
    ``fieldnames`` into ``cache`` now; returns the (field, word) read.

    A phrase with a frequent word reads all of that word's positions the
    first time in a process (at 540k articles "the" is 3,053 blocks, about
    0.15 s CPU, most of it inflating them) and finds them in the cache after
    that. Stop words are the most frequent words of any archive, and phrases
    keep them. They are read in document-frequency order, each long enough
    to be kept, while their positions fit in the ``PRELOAD_SHARE`` part of
    the cache's budget: the bytes the first phrases with them would fill."""
    schema = searcher.schema
    ranked = sorted(((searcher.doc_frequency(f, w), f, w) for f in fieldnames
                     if f in schema and schema[f].format.supports("positions")
                     for w in sorted(STOP_WORDS)), reverse=True)
    room, read = cache.BUDGET_BYTES // PRELOAD_SHARE, []
    for df, fieldname, word in ranked:
        if df < cache.MIN_POSTINGS:
            break
        packed = isinstance(schema[fieldname].format, PackedPositions)
        count = int(searcher.frequency(fieldname, word))  # its positions, in all documents
        # What the cache keeps: ids, and value starts and 2 bytes a position
        # (packed), or a key a position (pickled, decoded).
        size = 12 * df + 4 + 2 * count if packed else 8 * df + 8 * count
        if size > room or not cache.worth_keeping(df, size):
            continue
        _positions(searcher, cache, fieldname, word, packed, None, NO_DEADLINE)
        if cache.get(("positions", fieldname, word)) is not None:
            room -= size
            read.append((fieldname, word))
    return read


def _unpack_positions(values: Values) -> tuple[np.ndarray, np.ndarray]:
    """(value index, position) of every position in :class:`PackedPositions` values."""
    elements = values.data.view("<u2").astype(np.int64)
    starts = values.starts // 2
    lengths = np.diff(starts)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    wide = np.flatnonzero(elements[starts[:-1][lengths > 0]] == WIDE) if len(elements) else EMPTY_IDS
    if not len(wide):
        return owner, elements
    # Articles of 65,535+ words: rare, decoded one by one.
    wide = np.flatnonzero(lengths > 0)[wide]
    narrow = np.ones(len(elements), dtype=bool)
    narrow[ranges(starts[wide], starts[wide + 1])] = False
    fmt = PackedPositions()
    data = values.data.tobytes()
    extra = [fmt.decode_positions(data[values.starts[i]:values.starts[i + 1]]) for i in wide.tolist()]
    owner = np.concatenate([owner[narrow], np.repeat(wide, [len(e) for e in extra])])
    positions = np.concatenate([elements[narrow], np.fromiter(chain.from_iterable(extra), dtype=np.int64)])
    order = np.argsort(owner, kind="stable")
    return owner[order], positions[order]


def _unpickle_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(value index, position) of every position in ``values``, a list of
    ``whoosh.formats.Positions`` values.

    Each value is a 4-byte count and a protocol-2 pickle of the position
    deltas; their bodies (without header and STOP) each push one list, so
    wrapped in MARK ... LIST they unpickle as one list of lists in a single
    C call instead of one ``decode_positions`` call per value.
    """
    bodies = [v[6:-1] if v.endswith(b".") else v[6:] for v in values]
    deltas = pickle.loads(b"\x80\x02(" + b"".join(bodies) + b"l.")
    lengths = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    flat = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=int(lengths.sum()))
    # Running sums restarted at each value: decode_positions' deltas.
    cum = np.cumsum(flat)
    starts = np.cumsum(lengths) - lengths
    before = np.zeros(len(lengths), dtype=np.int64)
    nonempty = lengths > 0
    before[nonempty] = cum[starts[nonempty]] - flat[starts[nonempty]]
    positions = cum - np.repeat(before, lengths)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    return owner, positions


def occurrences(keys: list[np.ndarray], slop: int) -> tuple[np.ndarray, np.ndarray]:
    """Documents where the words (their sorted position keys, in phrase order)
    occur in order, each at most ``slop`` positions after the previous one
    (1 = adjacent), with how many positions of the first word start such a
    run: Whoosh's ``SpanNear2(ordered=True, mindist=1)`` matches."""
    if slop == 1:
        # Adjacent: anchor on the word with the fewest positions and look the
        # others up at their offsets from it.
        anchor = min(range(len(keys)), key=lambda i: len(keys[i]))
        starts = keys[anchor] - anchor
        for i, have in enumerate(keys):
            if i != anchor:
                starts = starts[contains(have, starts + i)]
    else:
        # From the last word back: a position can go on when some position of
        # the next word that can go on lies within slop after it (the nearest
        # such one tells; the nearest position of the next word may not go on).
        # Positions never come near 2**32, so p + slop stays in p's document.
        starts = keys[-1]
        for have in reversed(keys[:-1]):
            if not len(starts):
                break
            at = np.searchsorted(starts, have, side="right")
            nxt = starts[np.minimum(at, len(starts) - 1)]
            starts = have[(at < len(starts)) & (nxt <= have + slop)]
    ids, tf = np.unique(starts // _STRIDE, return_counts=True)
    return ids.astype(np.int64), tf.astype(np.float64)
