"""More like this: an article's most telling words, OR-ed and BM25-ranked."""

from __future__ import annotations

from whoosh import query as wq

from search.models import Hit

from . import highlight
from .analysis import analyze, ranking_analyzer
from .bm25 import FIELD_BOOSTS, lucene_idf
from .evaluate import evaluate, top
from .searchers import Snapshot

#: Words of an article used to find related ones.
RELATED_TERMS = 25

_RANKING = ranking_analyzer()


def related(snap: Snapshot, doc_id: str, limit: int) -> list[Hit]:
    searcher, table = snap.searcher, snap.table
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return []
    stored = searcher.stored_fields(docnum)
    words = analyze(_RANKING, (stored.get("title") or "") + "\n" + (stored.get("body") or ""))
    if not words:
        return []
    n = searcher.doc_count_all()
    tf: dict[str, int] = {}
    for w in words:
        tf[w] = tf.get(w, 0) + 1
    weighted = []
    for w, count in tf.items():
        df = searcher.doc_frequency("body", w) + searcher.doc_frequency("title", w)
        if df <= 1:
            continue  # only in this article: says nothing about others
        weighted.append((count * lucene_idf(n, df), w))
    weighted.sort(reverse=True)
    chosen = weighted[:RELATED_TERMS]
    if not chosen:
        return []
    best = chosen[0][0]
    q = wq.Or([wq.Term(f, w, boost=FIELD_BOOSTS[f] * weight / best)
               for weight, w in chosen for f in ("title", "body")])
    mask = table.live.copy()
    mask[docnum] = False
    spec = highlight.HighlightSpec(stems={w for _, w in chosen})
    return [highlight.hit(searcher, d, score, spec)
            for d, score in top(evaluate(q, searcher, table), mask, limit)]
