"""Relevance weighting: BM25 with Lucene's idf, and the per-field boosts.

One formula (:func:`bm25`) serves Whoosh's scorer (one posting at a time)
and the numpy evaluator (whole posting lists at once), so both give the same
numbers. Whoosh's own BM25F uses ``log(N / (df + 1)) + 1`` as idf, which barely
separates rare from common words; Lucene's ``ln(1 + (N - df + 0.5) / (df + 0.5))``
does, and measured better on the relevance collections (bench/relevance.py).
"""

from __future__ import annotations

from math import log

from whoosh.scoring import WeightingModel, WeightLengthScorer, WeightScorer

#: Free parameters of BM25 (Lucene's defaults).
K1 = 1.2
B = 0.75

#: A title word says more about what an article is about than a body word.
#: Kept modest because title and body are scored as separate fields and
#: summed: a title word usually recurs in the body, so it already counts
#: twice. Measured (bench/relevance.py, MAP): boost 2.0 fell below Lucene on
#: CISI (.157) and Cranfield (.294); 1.2 clears all four collections.
TITLE_BOOST = 1.2
BODY_BOOST = 1.0
#: Section and author matches (``section:`` / ``author:`` or bare words, which
#: do not search them) are rare and deliberate.
META_BOOST = 1.0

#: Field boosts for a bare word, by the field family the query searches.
FIELD_BOOSTS: dict[str, float] = {
    "title": TITLE_BOOST,
    "body": BODY_BOOST,
    "title_phrase": TITLE_BOOST,
    "body_phrase": BODY_BOOST,
    "title_exact": TITLE_BOOST,
    "body_exact": BODY_BOOST,
    "section": META_BOOST,
    "author": META_BOOST,
}


def lucene_idf(doc_count: int, doc_frequency: int) -> float:
    return log(1.0 + (doc_count - doc_frequency + 0.5) / (doc_frequency + 0.5))


def bm25(idf, tf, length, avgfl, k1: float = K1, b: float = B):
    """BM25 of term frequency ``tf`` in a field ``length`` long; floats or numpy arrays.

    Written exactly as ``whoosh.scoring.bm25`` (same operations, same order),
    so the vectorised scores equal Whoosh's to the last bit.
    """
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avgfl)))


class LuceneBM25(WeightingModel):
    """BM25 per field with Lucene's idf; field weights come from query boosts."""

    def __init__(self, k1: float = K1, b: float = B):
        self.k1 = k1
        self.b = b

    def supports_block_quality(self) -> bool:
        return True

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        return lucene_idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        return _LuceneBM25Scorer(searcher, fieldname, text, self.idf(searcher, fieldname, text),
                                 self.k1, self.b)


class _LuceneBM25Scorer(WeightLengthScorer):
    def __init__(self, searcher, fieldname, text, idf: float, k1: float, b: float):
        # Average length is a global statistic: take it from the top searcher.
        parent = searcher.get_parent()
        self.idf = idf
        self.avgfl = parent.avg_field_length(fieldname) or 1
        self.k1 = k1
        self.b = b
        self.setup(searcher, fieldname, text)

    def _score(self, weight, length):
        return bm25(self.idf, weight, length, self.avgfl, self.k1, self.b)


def weighting() -> WeightingModel:
    return LuceneBM25()
