"""Reading posting lists whole, a block at a time, into numpy arrays.

Whoosh reads postings one Python call per posting (~1 µs each and several
generator frames deep); for a common word in a 100k archive that is tens of
milliseconds. Its W3 codec stores a list in blocks of delta-encoded ids and
weights, so here a whole block is read at once (private matcher attributes,
see the package docstring). A matcher of another kind (e.g. one wrapped to
skip deleted documents) is walked the generic way.

:class:`PostingCache` keeps the decoded lists of frequent terms for a generation.
"""

from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher

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


def _read_ids(m) -> np.ndarray:
    if not isinstance(m, W3LeafMatcher):  # e.g. wrapped to skip deleted documents
        return np.fromiter(m.all_ids(), dtype=np.int64)
    chunks = []
    while m.is_active():
        chunks.append(block_ids(m))
        m._next_block()
    return np.concatenate(chunks) if chunks else EMPTY_IDS


def _read_weights(m, with_values: bool) -> tuple[np.ndarray, np.ndarray, list]:
    """(ids, weights, encoded values or []) of one segment's posting list."""
    id_chunks, w_chunks, values = [], [], []
    if isinstance(m, W3LeafMatcher):
        while m.is_active():
            id_chunks.append(block_ids(m))
            raw_w, n = m._data[1], m._blocklength
            if raw_w is None:
                w_chunks.append(np.ones(n))
            elif isinstance(raw_w, float):
                w_chunks.append(np.full(n, raw_w))
            else:
                w_chunks.append(np.asarray(raw_w, dtype=np.float64))
            if with_values:
                m._read_values()
                values.extend(m._values)
            m._next_block()
    else:
        ids, ws = [], []
        while m.is_active():
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


def term_ids(searcher, fieldname: str, text) -> np.ndarray:
    """Ascending document numbers (all segments) holding the term."""
    out = []
    for sub, offset in leaves(searcher):
        reader = sub.reader()
        if (fieldname, text) in reader:
            ids = _read_ids(reader.postings(fieldname, text))
            out.append(ids + offset if offset else ids)
    if not out:
        return EMPTY_IDS
    return out[0] if len(out) == 1 else np.concatenate(out)


def term_postings(searcher, fieldname: str, text,
                  with_values: bool = False) -> tuple[np.ndarray, np.ndarray, list] | None:
    """(ids, weights, encoded values or []) of the term over all segments;
    None when no segment holds it."""
    ids_parts, weight_parts, values = [], [], []
    for sub, offset in leaves(searcher):
        reader = sub.reader()
        if (fieldname, text) not in reader:
            continue
        ids, weights, vals = _read_weights(reader.postings(fieldname, text), with_values)
        ids_parts.append(ids + offset if offset else ids)
        weight_parts.append(weights)
        values.extend(vals)
    if not ids_parts:
        return None
    return np.concatenate(ids_parts), np.concatenate(weight_parts), values


class PostingCache:
    """Decoded posting lists of frequent terms, for one generation: (ids, term
    frequencies) for ranking, (ids, position keys) for phrases.

    Whoosh unpickles and decompresses posting blocks on every read; for a
    word in most of the archive that is the bulk of a request. Only long
    lists are kept (short ones are cheap to read), within a memory budget,
    least recently used first out.
    """

    MIN_POSTINGS = 2_000
    BUDGET_BYTES = 160 * 1024 * 1024  # per process: each web worker has its own

    def __init__(self) -> None:
        self._lru: SizedLRU[tuple[np.ndarray, np.ndarray]] = SizedLRU(self.BUDGET_BYTES)

    def get(self, key: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        return self._lru.get(key)

    def worth_keeping(self, postings: int, nbytes: int) -> bool:
        """Whether a list this long and this big is kept: long enough to be
        slow to read, small enough (a quarter of the budget) that one word
        does not push out everything else."""
        return postings >= self.MIN_POSTINGS and nbytes <= self.BUDGET_BYTES // 4

    def put(self, key: tuple[str, ...], ids: np.ndarray, payload: np.ndarray) -> None:
        """Keep ``(ids, payload)`` (read-only from now on) if worth keeping."""
        size = ids.nbytes + payload.nbytes
        if not self.worth_keeping(len(ids), size):
            return
        ids.setflags(write=False)
        payload.setflags(write=False)
        self._lru.put(key, (ids, payload), size)
