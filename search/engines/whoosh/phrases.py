"""Phrase and proximity matching over decoded positions, for whole match sets.

Whoosh's own phrase matcher walks span objects per candidate and was the
slowest part of a request (~150 ms for a common two-word phrase in a 100k
archive). Here candidates come from numpy intersections of the words' ids,
a rare word's positions are decoded for the candidates only, and a frequent
word's positions are decoded whole once per generation and kept in the
posting cache (decoding "the" was ~200 ms a phrase).
"""

from __future__ import annotations

import pickle
from itertools import chain

import numpy as np
from whoosh.formats import Positions

from .postings import EMPTY_IDS, PostingCache, term_postings

_NONE = (EMPTY_IDS, np.zeros(0, dtype=np.float64))


def match(searcher, cache: PostingCache, fieldname: str, words: list[str],
          slop: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids, frequency) of the documents where ``words`` occur in order, each
    at most ``slop`` positions after the previous one (1 = adjacent)."""
    fmt = searcher.schema[fieldname].format
    cached: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # word -> (ids, keys)
    raw: dict[str, tuple[np.ndarray, int, list[bytes]]] = {}  # word -> (ids, positions, values)
    for w in dict.fromkeys(words):
        hit = cache.get(("positions", fieldname, w))
        if hit is not None:
            cached[w] = hit
            continue
        found = term_postings(searcher, fieldname, w, with_values=True)
        if found is None:
            return _NONE
        ids, freqs, values = found
        raw[w] = (ids, int(freqs.sum()), values)
    doc_ids = [v[0] for v in (*cached.values(), *raw.values())]
    candidates = min(doc_ids, key=len)
    for ids in doc_ids:
        if ids is not candidates:
            candidates = np.intersect1d(candidates, ids, assume_unique=True)
    if not len(candidates):
        return _NONE
    keys = {w: k for w, (_, k) in cached.items()}
    for w, (ids, count, values) in raw.items():
        if cache.worth_keeping(len(ids), ids.nbytes + count * 8):
            # A frequent word: decode all its positions once and keep
            # them, so the next phrase with it reads and decodes nothing.
            keys[w] = _position_keys(ids, values)
            cache.put(("positions", fieldname, w), ids, keys[w])
        else:
            at = np.searchsorted(ids, candidates)
            keys[w] = _position_keys(candidates, [values[j] for j in at.tolist()])
    if slop == 1 and type(fmt) is Positions:
        return _exact_phrase(words, keys)
    found_ids, freqs = [], []
    lo = {w: np.searchsorted(k, candidates * _STRIDE).tolist() for w, k in keys.items()}
    hi = {w: np.searchsorted(k, (candidates + 1) * _STRIDE).tolist() for w, k in keys.items()}
    for n, doc in enumerate(candidates.tolist()):
        base = doc * int(_STRIDE)
        positions = {w: (k[lo[w][n]:hi[w][n]] - base).tolist() for w, k in keys.items()}
        freq = phrase_frequency([positions[w] for w in words], slop)
        if freq:
            found_ids.append(doc)
            freqs.append(freq)
    return np.asarray(found_ids, dtype=np.int64), np.asarray(freqs, dtype=np.float64)


#: Positions of document d are kept as keys in [d * _STRIDE, (d + 1) * _STRIDE).
_STRIDE = np.int64(1) << 32


def _decode_all_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(candidate index, position) of every position in ``values``, a list of
    ``whoosh.formats.Positions`` values (one per candidate, in order).

    Each value is a 4-byte count and a protocol-2 pickle of the position
    deltas; their bodies (without header and STOP) each push one list, so
    wrapped in MARK ... LIST they unpickle as one list of lists in a single
    C call instead of one ``decode_positions`` call per candidate.
    """
    bodies = [v[6:-1] if v.endswith(b".") else v[6:] for v in values]
    deltas = pickle.loads(b"\x80\x02(" + b"".join(bodies) + b"l.")
    lengths = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    flat = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=int(lengths.sum()))
    # Running sums restarted at each candidate: decode_positions' deltas.
    cum = np.cumsum(flat)
    starts = np.cumsum(lengths) - lengths
    before = np.zeros(len(lengths), dtype=np.int64)
    nonempty = lengths > 0
    before[nonempty] = cum[starts[nonempty]] - flat[starts[nonempty]]
    positions = cum - np.repeat(before, lengths)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    return owner, positions


def _position_keys(ids: np.ndarray, values: list[bytes]) -> np.ndarray:
    """``docnum * _STRIDE + position`` for every position of a word in the
    documents ``ids`` (``values`` aligned with them): ascending."""
    owner, positions = _decode_all_positions(values)
    return ids[owner] * _STRIDE + positions


def _exact_phrase(words: list[str], keys: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Documents where ``words`` occur adjacent and in order, with how often:
    ``phrase_frequency`` with slop 1 for all documents at once (a start
    counts when word i is at start + i for every i)."""
    # Anchor on the word with the fewest positions; check the others by
    # binary search in their (ascending) keys, cheaper than np.isin's hashing.
    anchor = min(range(len(words)), key=lambda i: len(keys[words[i]]))
    starts = keys[words[anchor]] - anchor
    for i, w in enumerate(words):
        if i == anchor:
            continue
        wanted, have = starts + i, keys[w]
        at = np.searchsorted(have, wanted)
        hit = at < len(have)
        hit[hit] = have[at[hit]] == wanted[hit]
        starts = starts[hit]
    ids, tf = np.unique(starts // _STRIDE, return_counts=True)
    return ids.astype(np.int64), tf.astype(np.float64)


def phrase_frequency(positions: list[list[int]], slop: int) -> int:
    """How many times the words occur in order, each at most ``slop`` positions
    after the previous one (slop 1 = adjacent, Whoosh's convention)."""
    if slop == 1:
        count = 0
        rest = [set(p) for p in positions[1:]]
        for start in positions[0]:
            if all(start + i in r for i, r in enumerate(rest, 1)):
                count += 1
        return count
    count = 0
    for start in positions[0]:
        prev = start
        for later in positions[1:]:
            # The nearest following occurrence is always the best choice.
            nxt = next((p for p in later if prev < p <= prev + slop), None)
            if nxt is None:
                break
            prev = nxt
        else:
            count += 1
    return count
