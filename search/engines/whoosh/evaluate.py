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

Evaluation has two passes. The first finds the matches only: an ``And``
starts from its smallest part (by document frequency) and narrows the
candidates part by part, each part evaluated *within* the candidates so
far, so a long posting list is looked up (or, when not cached, read only in
the blocks that can hold a candidate) instead of merged whole. The second
pass, when scored, computes every node's score for the final matches only,
never for documents an intersection discards: per node, whether each match
holds it and its score there (0.0 where not: adding 0.0 leaves a float
unchanged, so sums keep Whoosh's order and bits).

Both modes find the same matches: an ``Or`` with a coordination ``scale``
matches what the plain union does and is scored by Whoosh's matcher (the
bonus changes scores only); an ``Or`` with ``minmatch`` is walked; every
``NullQuery`` matches nothing.

Past the search's deadline, evaluation stops with ``OutOfTime``: checked at
every node, every posting block and every chunk of phrase matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.ma  # noqa: F401 - np.unique imports it on first use (~8 ms): here, not in a process's first search
from whoosh import query as wq

from search.models import NO_DEADLINE, Deadline

from . import phrases
from .bm25 import bm25, lucene_idf
from .docset import DocSetQuery
from .doctable import DocTable
from .postings import EMPTY_IDS, contains, leaves, restrict, term_postings, union


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


#: A node's part in the second pass: for each final match, whether the node
#: holds it, and its score there (0.0 where not).
Part = tuple[np.ndarray, np.ndarray]


class _Evaluator:
    def __init__(self, searcher, table: DocTable, scored: bool, deadline: Deadline):
        self.searcher = searcher
        self.table = table
        self.scored = scored
        self.deadline = deadline
        self.doc_count = searcher.doc_count_all()
        # What the first pass read, by node (id): a term's postings (all, or
        # those within the candidates it was asked about), a phrase's
        # matches, a walked node's matches and scores.
        self._read: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._within: dict[int, np.ndarray | None] = {}

    def eval(self, q: wq.Query) -> Scored:
        ids = self.ids(q, None)
        if not self.scored:
            return Scored(ids, None)
        held, scores = self.part(q, ids)
        if not held.all():  # deleted documents a walked node skips
            ids, scores = ids[held], scores[held]
        return Scored(ids, scores)

    # --- first pass: the matches --------------------------------------------

    def ids(self, q: wq.Query, within: np.ndarray | None) -> np.ndarray:
        """The documents matching ``q`` (and in ``within`` unless None), ascending."""
        self.deadline.check()
        if isinstance(q, wq.Term) and self._scorable(q.fieldname):
            return restrict(self._postings(q, within)[0], within)
        if isinstance(q, DocSetQuery):
            return restrict(q.docnums, within)
        if isinstance(q, wq.Every):
            live = self.table.live
            return within[live[within]] if within is not None else np.flatnonzero(live).astype(np.int64)
        if isinstance(q, type(wq.NullQuery)):
            return EMPTY_IDS
        if isinstance(q, wq.AndNot):
            a = self.ids(q.a, within)
            found = a[~contains(self.ids(q.b, a), a)] if len(a) else a
            self._read[id(q)], self._within[id(q)] = (found, np.zeros(0)), within
            return found
        if isinstance(q, wq.And):
            found = within
            for sub in sorted(q.subqueries, key=self._estimate):
                found = self.ids(sub, found)
                if not len(found):
                    break
            return found if found is not None else EMPTY_IDS
        if isinstance(q, wq.Or) and not q.minmatch:
            return union([self.ids(sub, within) for sub in q.subqueries], within)
        if self._is_phrase(q):
            return self._phrase(q, within)[0]
        return restrict(self._walked(q)[0], within)

    def _estimate(self, q: wq.Query) -> int:
        """How many documents ``q`` may match, roughly: the order an ``And`` narrows in."""
        if isinstance(q, wq.Term):
            return self.searcher.doc_frequency(q.fieldname, q.text)
        if isinstance(q, DocSetQuery):
            return len(q.docnums)
        if isinstance(q, type(wq.NullQuery)):
            return 0
        if isinstance(q, wq.And):
            return min((self._estimate(s) for s in q.subqueries), default=0)
        if isinstance(q, wq.Phrase):
            return min((self.searcher.doc_frequency(q.fieldname, w) for w in q.words), default=0)
        if isinstance(q, wq.AndNot):
            return self._estimate(q.a)
        if isinstance(q, wq.Or):
            return sum(self._estimate(s) for s in q.subqueries)
        return self.doc_count

    def _postings(self, q: wq.Term, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, term frequencies) of the term: the whole list, or at least its
        postings in ``within``."""
        key = id(q)
        if key in self._read and (self._within[key] is None or self._within[key] is within):
            return self._read[key]
        cache = self.table.postings
        hit = cache.get(("weights", q.fieldname, q.text))
        if hit is not None:
            found, within = (hit[0], hit[1]), None
        else:
            if key in self._read:  # asked again about other candidates: read it whole
                within = None
            got = term_postings(self.searcher, q.fieldname, q.text, within=within, deadline=self.deadline)
            found = (EMPTY_IDS, np.zeros(0)) if got is None else got[:2]
            if got is not None and got[3]:  # the whole list
                cache.put(("weights", q.fieldname, q.text), *found)
                within = None
        self._read[key], self._within[key] = found, within
        return found

    def _phrase(self, q: wq.Phrase, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        key = id(q)
        if key not in self._read or not (self._within[key] is None or self._within[key] is within):
            self._read[key] = phrases.match(self.searcher, self.table.postings, q.fieldname, list(q.words),
                                            max(1, q.slop), self.deadline, within)
            self._within[key] = within
        return self._read[key]

    def _walked(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """Whoosh's own matcher, segment by segment as its collector does, so
        the matches (and scores) are its own. Deleted documents are skipped."""
        key = id(q)
        if key in self._read:
            return self._read[key]
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
        found = np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64)
        self._read[key], self._within[key] = found, None
        return found

    # --- second pass: scores of the final matches -------------------------------

    def part(self, q: wq.Query, docs: np.ndarray) -> Part:
        """Whether ``q`` holds each of ``docs`` (a subset of the matches) and its score there."""
        self.deadline.check()
        if isinstance(q, wq.Term):
            if not self._scorable(q.fieldname):
                # Not scored with BM25 (no field lengths): Whoosh's own scorer
                # (its matcher applies the boost).
                return self._lookup(self._walked(q), docs)
            ids, tf = self._postings(q, self._within.get(id(q)))
            idf = lucene_idf(self.doc_count, self.searcher.doc_frequency(q.fieldname, q.text))
            return self._boost(self._bm25(q.fieldname, idf, ids, tf, docs), q)
        if isinstance(q, DocSetQuery):
            held = contains(q.docnums, docs)
            return held, np.where(held, q.score, 0.0)
        if isinstance(q, wq.Every):
            return self.table.live[docs], np.zeros(len(docs))
        if isinstance(q, type(wq.NullQuery)):
            return np.zeros(len(docs), dtype=bool), np.zeros(len(docs))
        if isinstance(q, wq.AndNot):
            # What is excluded needs no score: the first pass's matches tell.
            matched = self._read[id(q)][0] if id(q) in self._read else self.ids(q, docs)
            held, scores = self.part(q.a, docs)
            return self._boost((held & contains(matched, docs), scores), q)
        if isinstance(q, wq.And):
            held, parts = np.ones(len(docs), dtype=bool), {}
            for sub in sorted(q.subqueries, key=self._estimate):  # as the first pass narrowed
                if not held.any():  # (an And inside an Or may hold none of the matches)
                    return held, np.zeros(len(docs))
                h, parts[id(sub)] = self.part(sub, docs)
                held &= h
            scores = np.zeros(len(docs))
            for sub in q.subqueries:  # summed in query order, as Whoosh sums
                scores += parts[id(sub)]
            return self._boost((held, scores), q)
        if isinstance(q, wq.Or) and not q.minmatch and not q.scale:
            held, scores = np.zeros(len(docs), dtype=bool), np.zeros(len(docs))
            for sub in q.subqueries:  # each holder's score added in query order
                h, s = self.part(sub, docs)
                held |= h
                scores += s
            return self._boost((held, scores), q)
        if self._is_phrase(q):
            ids, tf = self._phrase(q, self._within.get(id(q)))
            words = list(q.words)
            idf = sum(lucene_idf(self.doc_count, self.searcher.doc_frequency(q.fieldname, w)) for w in words)
            return self._boost(self._bm25(q.fieldname, idf, ids, tf, docs), q)
        return self._lookup(self._walked(q), docs)  # Whoosh's scores, boost included

    @staticmethod
    def _lookup(found: tuple[np.ndarray, np.ndarray], docs: np.ndarray) -> Part:
        ids, scores = found
        held = contains(ids, docs)
        out = np.zeros(len(docs))
        out[held] = scores[np.searchsorted(ids, docs[held])]
        return held, out

    def _bm25(self, fieldname: str, idf: float, ids: np.ndarray, tf: np.ndarray, docs: np.ndarray) -> Part:
        """BM25 of the postings (``ids``, ``tf``) at each of ``docs`` they hold."""
        held = contains(ids, docs)
        scores = np.zeros(len(docs))
        if held.any():
            mine = docs[held]
            avgfl = self.searcher.avg_field_length(fieldname) or 1
            lengths = self.table.field_lengths(self.searcher.reader(), fieldname)[mine]
            scores[held] = bm25(idf, tf[np.searchsorted(ids, mine)], lengths, avgfl)
        return held, scores

    def _scorable(self, fieldname: str) -> bool:
        schema = self.searcher.schema
        return fieldname in schema and schema[fieldname].scorable

    def _is_phrase(self, q: wq.Query) -> bool:
        if not (isinstance(q, wq.Phrase) and len(q.words) > 1):
            return False
        schema = self.searcher.schema
        field = schema[q.fieldname] if q.fieldname in schema else None
        return field is not None and field.scorable and field.format.supports("positions")

    def _boost(self, part: Part, q: wq.Query) -> Part:
        boost = getattr(q, "boost", 1.0)
        if boost == 1.0:
            return part
        return part[0], part[1] * boost
