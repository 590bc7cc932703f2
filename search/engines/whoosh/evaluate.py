"""BM25 scores for whole match sets with numpy: the same numbers Whoosh computes.

Whoosh scores one posting per Python call; for a common word in a 100k
archive that is hundreds of milliseconds. For the query shapes the compiler
produces for words (Term leaves combined with And / Or / AndNot, date sets,
Every) this module reads posting lists block by block and evaluates
:class:`search.ranking.LuceneBM25` vectorised: same idf, same quantised field
lengths, same boosts, sums as Whoosh's union/intersection matchers sum.
Phrases are matched here too (positions of numpy-intersected candidates);
anything else is walked with Whoosh's own matcher.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from itertools import chain

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions

from .docset import DocSetQuery
from .doctable import DocTable
from .matchset import block_ids, leaves
from .ranking import K1, B, lucene_idf


@dataclass
class Scored:
    ids: np.ndarray  # ascending unique document numbers (int64)
    scores: np.ndarray  # float64, aligned with ids


_EMPTY = Scored(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class Unsupported(Exception):
    """A query node this module does not evaluate."""


def evaluate(q: wq.Query, searcher, table: DocTable) -> Scored | None:
    """Every matching document with its score, or None when Whoosh must do it."""
    try:
        return _Evaluator(searcher, table).eval(q)
    except Unsupported:
        return None


def top(scored: Scored, mask: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best documents allowed by ``mask``: score descending, then docnum."""
    keep = mask[scored.ids]
    ids, scores = scored.ids[keep], scored.scores[keep]
    if k < len(ids):
        # Partition first; then widen to everything tied with the cut-off so
        # the final sort decides ties by docnum, as Whoosh does.
        cut = np.partition(scores, len(scores) - k)[len(scores) - k]
        chosen = scores >= cut
        ids, scores = ids[chosen], scores[chosen]
    order = np.lexsort((ids, -scores))[:k]
    return [(int(i), float(s)) for i, s in zip(ids[order], scores[order])]


class _Evaluator:
    def __init__(self, searcher, table: DocTable):
        self.searcher = searcher
        self.table = table
        self.doc_count = searcher.doc_count_all()

    def eval(self, q: wq.Query) -> Scored:
        if isinstance(q, wq.Term):
            s = self.term(q.fieldname, q.text)
            return Scored(s.ids, s.scores * q.boost) if q.boost != 1.0 else s
        if isinstance(q, DocSetQuery):
            return Scored(q.docnums, np.full(len(q.docnums), q.score))
        if isinstance(q, wq.Every):
            ids = np.flatnonzero(self.table.live).astype(np.int64)
            return Scored(ids, np.zeros(len(ids)))
        if q is wq.NullQuery:
            return _EMPTY
        if isinstance(q, wq.AndNot):
            a, b = self.eval(q.a), self.eval(q.b)
            keep = ~np.isin(a.ids, b.ids, assume_unique=True)
            return self._boost(Scored(a.ids[keep], a.scores[keep]), q)
        if isinstance(q, wq.And):
            parts = [self.eval(sub) for sub in q.subqueries]
            if not parts:
                return _EMPTY
            ids = parts[0].ids
            for p in parts[1:]:
                ids = np.intersect1d(ids, p.ids, assume_unique=True)
            scores = np.zeros(len(ids))
            for p in parts:
                scores += p.scores[np.searchsorted(p.ids, ids)]
            return self._boost(Scored(ids, scores), q)
        if isinstance(q, wq.Or) and not q.minmatch and getattr(q, "scale", None) is None:
            parts = [p for p in (self.eval(sub) for sub in q.subqueries) if len(p.ids)]
            if not parts:
                return _EMPTY
            if len(parts) == 1:
                return self._boost(parts[0], q)
            all_ids = np.concatenate([p.ids for p in parts])
            ids, inverse = np.unique(all_ids, return_inverse=True)
            scores = np.zeros(len(ids))
            np.add.at(scores, inverse, np.concatenate([p.scores for p in parts]))
            return self._boost(Scored(ids, scores), q)
        if isinstance(q, wq.Phrase) and len(q.words) > 1 and self._has_positions(q.fieldname):
            return self._boost(self.phrase(q), q)
        return self.walk(q)

    def _has_positions(self, fieldname: str) -> bool:
        field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None
        return field is not None and field.scorable and field.format.supports("positions")

    def phrase(self, q: wq.Phrase) -> Scored:
        """Phrase and proximity matches, scored like Lucene's phrase queries:
        BM25 of the phrase's frequency, weighted by the sum of its words' idf.

        Whoosh's own phrase matcher walks span objects per candidate and was
        the slowest part of a request (~150 ms for a common two-word phrase
        in a 100k archive); here candidates come from numpy intersections,
        a rare word's positions are decoded for the candidates only, and a
        frequent word's positions are decoded whole once per generation and
        kept in the posting cache (decoding "the" was ~200 ms a phrase).
        """
        searcher = self.searcher
        fieldname, words = q.fieldname, list(q.words)
        fmt = searcher.schema[fieldname].format
        cached: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # word -> (ids, keys)
        raw: dict[str, tuple[np.ndarray, int, list[bytes]]] = {}  # word -> (ids, positions, values)
        for w in dict.fromkeys(words):
            hit = self.table.postings.get(("positions", fieldname, w))
            if hit is not None:
                cached[w] = hit
                continue
            ids_parts, val_parts, count = [], [], 0
            for sub, offset in leaves(searcher):
                reader = sub.reader()
                if (fieldname, w) not in reader:
                    continue
                ids, freqs, values = _postings(reader.postings(fieldname, w), with_values=True)
                ids_parts.append(ids + offset if offset else ids)
                val_parts.extend(values)
                count += int(freqs.sum())
            if not ids_parts:
                return _EMPTY
            raw[w] = (np.concatenate(ids_parts), count, val_parts)
        doc_ids = [v[0] for v in (*cached.values(), *raw.values())]
        candidates = min(doc_ids, key=len)
        for ids in doc_ids:
            if ids is not candidates:
                candidates = np.intersect1d(candidates, ids, assume_unique=True)
        if not len(candidates):
            return _EMPTY
        keys = {w: k for w, (_, k) in cached.items()}
        for w, (ids, count, values) in raw.items():
            if self.table.postings.worth_keeping(len(ids), ids.nbytes + count * 8):
                # A frequent word: decode all its positions once and keep
                # them, so the next phrase with it reads and decodes nothing.
                keys[w] = _position_keys(ids, values)
                self.table.postings.put(("positions", fieldname, w), ids, keys[w])
            else:
                at = np.searchsorted(ids, candidates)
                keys[w] = _position_keys(candidates, [values[j] for j in at.tolist()])
        slop = max(1, q.slop)
        if slop == 1 and type(fmt) is Positions:
            ids, tf = _exact_phrase(words, keys)
        else:
            found_ids, freqs = [], []
            lo = {w: np.searchsorted(k, candidates * _STRIDE).tolist() for w, k in keys.items()}
            hi = {w: np.searchsorted(k, (candidates + 1) * _STRIDE).tolist() for w, k in keys.items()}
            for n, doc in enumerate(candidates.tolist()):
                base = doc * int(_STRIDE)
                positions = {w: (k[lo[w][n]:hi[w][n]] - base).tolist() for w, k in keys.items()}
                freq = _phrase_frequency([positions[w] for w in words], slop)
                if freq:
                    found_ids.append(doc)
                    freqs.append(freq)
            ids = np.asarray(found_ids, dtype=np.int64)
            tf = np.asarray(freqs, dtype=np.float64)
        if not len(ids):
            return _EMPTY
        idf = sum(lucene_idf(self.doc_count, searcher.doc_frequency(fieldname, w)) for w in words)
        avgfl = searcher.avg_field_length(fieldname) or 1
        lengths = self.table.field_lengths(searcher.reader(), fieldname)[ids]
        scores = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths / avgfl)))
        return Scored(ids, scores)

    def walk(self, q: wq.Query) -> Scored:
        """Anything else (phrases, ...): Whoosh's own matcher, segment by
        segment as its collector does, so the scores are its scores."""
        searcher = self.searcher
        context = searcher.context()
        ids: list[int] = []
        scores: list[float] = []
        for sub, offset in leaves(searcher):
            m = q.matcher(sub, context)
            while m.is_active():
                ids.append(m.id() + offset)
                scores.append(m.score())
                m.next()
        return Scored(np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64))

    @staticmethod
    def _boost(s: Scored, q: wq.Query) -> Scored:
        boost = getattr(q, "boost", 1.0)
        return s if boost == 1.0 else Scored(s.ids, s.scores * boost)

    def term(self, fieldname: str, text: str) -> Scored:
        searcher = self.searcher
        if fieldname not in searcher.schema or not searcher.schema[fieldname].scorable:
            raise Unsupported(fieldname)
        cached = self.table.postings.get(("weights", fieldname, text))
        if cached is not None:
            ids, tf = cached
        else:
            ids_parts, weight_parts = [], []
            for sub, offset in leaves(searcher):
                reader = sub.reader()
                if (fieldname, text) not in reader:
                    continue
                ids, weights, _ = _postings(reader.postings(fieldname, text))
                ids_parts.append(ids + offset if offset else ids)
                weight_parts.append(weights)
            if not ids_parts:
                return _EMPTY
            ids = np.concatenate(ids_parts)
            tf = np.concatenate(weight_parts)
            self.table.postings.put(("weights", fieldname, text), ids, tf)
        idf = lucene_idf(self.doc_count, searcher.doc_frequency(fieldname, text))
        avgfl = searcher.avg_field_length(fieldname) or 1
        lengths = self.table.field_lengths(searcher.reader(), fieldname)[ids]
        # whoosh.scoring.bm25, vectorised.
        scores = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths / avgfl)))
        return Scored(ids, scores)


def _postings(m, with_values: bool = False) -> tuple[np.ndarray, np.ndarray, list]:
    """(ids, weights, encoded values or []) of a posting list, a block at a time when possible."""
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
        # Wrapped (e.g. skipping deleted documents): walk it.
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
        return np.zeros(0, dtype=np.int64), np.zeros(0), []
    return np.concatenate(id_chunks), np.concatenate(w_chunks), values


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
    ``_phrase_frequency`` with slop 1 for all documents at once (a start
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


def _phrase_frequency(positions: list[list[int]], slop: int) -> int:
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
