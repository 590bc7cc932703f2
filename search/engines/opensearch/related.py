"""More like this: an article's most telling words, OR-ed and BM25-ranked (``more_like_this``).

As in the Whoosh engine: up to 25 words of the title and body (stemmed, stop
words out), weighted by term frequency times inverse document frequency,
each boosted by its weight relative to the best, words found in no other
article left out, and any one of them enough to match.
"""

from __future__ import annotations

from typing import Any

from search.models import Hit

from . import highlight
from .cluster import Cluster

RELATED_TERMS = 25


def related(cluster: Cluster, doc_id: str, limit: int) -> list[Hit]:
    live = cluster.live()
    query: dict[str, Any] = {"more_like_this": {
        "fields": ["title", "body"], "like": [{"_index": live.index, "_id": doc_id}],
        "max_query_terms": RELATED_TERMS, "min_term_freq": 1, "min_doc_freq": 2, "boost_terms": 1.0,
        "minimum_should_match": 1, "include": False}}
    found = cluster.search({"query": query, "size": limit, "sort": ["_score", {"id": "asc"}],
                               "_source": highlight.SOURCE_FIELDS, "highlight": highlight.request()})
    return [highlight.hit(h, h.get("_score") or 0.0, [])[0] for h in found["hits"]["hits"]]
