"""The one evaluator of compiled queries: whole match sets, with or without BM25 scores.

Whoosh scores one posting per Python call; for a common word in a 100k
archive that is hundreds of milliseconds. For the query shapes the compiler
produces (Term leaves combined with And / Or / AndNot, date sets, Every,
phrases) this module reads posting lists a block at a time
(:mod:`.postings`) and evaluates them with numpy set operations. Scored, it
computes :func:`.bm25.bm25` vectorised: same idf, same quantised field
lengths, same boosts, sums in the order Whoosh's union and intersection
matchers sum, so the scores are Whoosh's. Id-only (totals, facets, queries
with nothing to rank), it skips the arithmetic. Any other node is walked
with Whoosh's own matcher, so its ids and scores are Whoosh's too.

Both modes walk the same tree the same way, so they always agree on the
matches: an ``Or`` with a coordination ``scale`` is walked by Whoosh when
scored (the bonus changes scores only) and unioned when not; every
``NullQuery`` matches nothing.

Past the search's deadline, evaluation stops with ``OutOfTime``: checked at
every node, every posting block and every chunk of phrase matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from search.models import NO_DEADLINE, Deadline

from . import phrases
from .bm25 import bm25, lucene_idf
from .docset import DocSetQuery
from .doctable import DocTable
from .postings import EMPTY_IDS, leaves, term_ids, term_postings


@dataclass
class Scored:
    ids: np.ndarray  # ascending unique document numbers (int64)
    scores: np.ndarray | None  # float64 aligned with ids; None when evaluated without scores


def evaluate(q: wq.Query, searcher, table: DocTable, *, scored: bool = True,
             deadline: Deadline = NO_DEADLINE) -> Scored:
    """Every document matching ``q`` (deleted ones may be included: mask with
    ``table.live``), with its BM25 score when ``scored``."""
    return _Evaluator(searcher, table, scored, deadline).eval(q)


def top(scored: Scored, mask: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best documents allowed by ``mask``: score descending, then docnum."""
    assert scored.scores is not None
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
    def __init__(self, searcher, table: DocTable, scored: bool, deadline: Deadline):
        self.searcher = searcher
        self.table = table
        self.scored = scored
        self.deadline = deadline
        self.doc_count = searcher.doc_count_all()

    def _empty(self) -> Scored:
        return Scored(EMPTY_IDS, np.zeros(0) if self.scored else None)

    def _same(self, ids: np.ndarray, score: float) -> Scored:
        return Scored(ids, np.full(len(ids), score, dtype=np.float64) if self.scored else None)

    def eval(self, q: wq.Query) -> Scored:
        self.deadline.check()
        if isinstance(q, wq.Term):
            return self._boost(self.term(q.fieldname, q.text), q)
        if isinstance(q, DocSetQuery):
            return self._same(q.docnums, q.score)
        if isinstance(q, wq.Every):
            return self._same(np.flatnonzero(self.table.live).astype(np.int64), 0.0)
        if isinstance(q, type(wq.NullQuery)):
            return self._empty()
        if isinstance(q, wq.AndNot):
            a = self.eval(q.a)
            # What is excluded needs no score.
            b = _Evaluator(self.searcher, self.table, False, self.deadline).eval(q.b)
            keep = ~np.isin(a.ids, b.ids, assume_unique=True)
            return self._boost(Scored(a.ids[keep], a.scores[keep] if self.scored else None), q)
        if isinstance(q, wq.And):
            return self._boost(self.intersection([self.eval(sub) for sub in q.subqueries]), q)
        if isinstance(q, wq.Or) and not q.minmatch and not (self.scored and q.scale):
            return self._boost(self.union([self.eval(sub) for sub in q.subqueries]), q)
        if isinstance(q, wq.Phrase) and len(q.words) > 1 and self._has_positions(q.fieldname):
            return self._boost(self.phrase(q), q)
        return self.walk(q)

    def intersection(self, parts: list[Scored]) -> Scored:
        if not parts:
            return self._empty()
        smallest_first = sorted(parts, key=lambda p: len(p.ids))
        ids = smallest_first[0].ids
        for p in smallest_first[1:]:
            ids = np.intersect1d(ids, p.ids, assume_unique=True)
        if not self.scored:
            return Scored(ids, None)
        scores = np.zeros(len(ids))
        for p in parts:  # summed in query order, as Whoosh sums
            scores += p.scores[np.searchsorted(p.ids, ids)]
        return Scored(ids, scores)

    def union(self, parts: list[Scored]) -> Scored:
        parts = [p for p in parts if len(p.ids)]
        if not parts:
            return self._empty()
        if len(parts) == 1:
            return parts[0]
        all_ids = np.concatenate([p.ids for p in parts])
        if not self.scored:
            return Scored(np.unique(all_ids), None)
        ids, inverse = np.unique(all_ids, return_inverse=True)
        scores = np.zeros(len(ids))
        np.add.at(scores, inverse, np.concatenate([p.scores for p in parts]))
        return Scored(ids, scores)

    def term(self, fieldname: str, text: str) -> Scored:
        searcher = self.searcher
        if fieldname not in searcher.schema or not searcher.schema[fieldname].scorable:
            # Not scored with BM25 (no field lengths): Whoosh's own scorer.
            return self.walk(wq.Term(fieldname, text))
        cached = self.table.postings.get(("weights", fieldname, text))
        if cached is not None:
            ids, tf = cached
        elif not self.scored:
            return Scored(term_ids(searcher, fieldname, text, self.deadline), None)
        else:
            found = term_postings(searcher, fieldname, text, deadline=self.deadline)
            if found is None:
                return self._empty()
            ids, tf, _ = found
            self.table.postings.put(("weights", fieldname, text), ids, tf)
        if not self.scored:
            return Scored(ids, None)
        idf = lucene_idf(self.doc_count, searcher.doc_frequency(fieldname, text))
        return Scored(ids, self._bm25(fieldname, idf, ids, tf))

    def phrase(self, q: wq.Phrase) -> Scored:
        """Phrase and proximity matches, scored like Lucene's phrase queries:
        BM25 of the phrase's frequency, weighted by the sum of its words' idf."""
        words = list(q.words)
        ids, tf = phrases.match(self.searcher, self.table.postings, q.fieldname, words, max(1, q.slop),
                                self.deadline)
        if not self.scored or not len(ids):
            return Scored(ids, tf if self.scored else None)
        idf = sum(lucene_idf(self.doc_count, self.searcher.doc_frequency(q.fieldname, w)) for w in words)
        return Scored(ids, self._bm25(q.fieldname, idf, ids, tf))

    def _bm25(self, fieldname: str, idf: float, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        lengths = self.table.field_lengths(self.searcher.reader(), fieldname)[ids]
        return bm25(idf, tf, lengths, avgfl)

    def _has_positions(self, fieldname: str) -> bool:
        schema = self.searcher.schema
        field = schema[fieldname] if fieldname in schema else None
        return field is not None and field.scorable and field.format.supports("positions")

    def walk(self, q: wq.Query) -> Scored:
        """Anything else: Whoosh's own matcher, segment by segment as its
        collector does, so the matches (and scores) are its own."""
        context = self.searcher.context()
        ids: list[int] = []
        scores: list[float] = []
        for sub, offset in leaves(self.searcher):
            m = q.matcher(sub, context)
            while m.is_active():
                if len(ids) % 1024 == 0:
                    self.deadline.check()
                ids.append(m.id() + offset)
                if self.scored:
                    scores.append(m.score())
                m.next()
        return Scored(np.asarray(ids, dtype=np.int64),
                      np.asarray(scores, dtype=np.float64) if self.scored else None)

    def _boost(self, s: Scored, q: wq.Query) -> Scored:
        boost = getattr(q, "boost", 1.0)
        if boost == 1.0 or not self.scored:
            return s
        return Scored(s.ids, s.scores * boost)
