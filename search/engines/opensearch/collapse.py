"""Story clusters in OpenSearch results: field collapsing on ``story``, counts and copies.

The search request collapses its hits on ``story`` (one per story, the
best-ranked in the request's order; ``from``/``size`` page the stories) and
counts the stories among the matches with a ``cardinality`` aggregation
(exact up to ``PRECISION`` stories, within a few percent beyond). A second,
aggregations-only request over the page's stories counts each story's
matches and lists its earliest ones: collapsing's own ``inner_hits`` ignore
the ``post_filter`` that value filters use, and would cost a search per hit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search.copies import COPIES_LISTED, Copy
from search.models import Hit

Query = dict[str, Any]

#: Stories counted exactly (OpenSearch's largest ``precision_threshold``).
PRECISION = 40_000
#: The order of a story's listed copies: earliest published first, undated last.
EARLIEST = [{"published": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]


#: The first mapping version with ``story`` (see ``mapping.MAPPING_VERSION``).
STORIES_SINCE = 3


def has_stories(mapping_version: int | None) -> bool:
    """Whether an index of this mapping version has stories to collapse on (an
    older one answers uncollapsed, every article a story of its own)."""
    return (mapping_version or 0) >= STORIES_SINCE


def story_filter(story: str) -> Query:
    return {"term": {"story": story}}


def collapse(body: dict[str, Any]) -> None:
    """Make the search request ``body`` return one hit per story."""
    body["collapse"] = {"field": "story"}


def stories_agg(filters: list[Query]) -> dict[str, Any]:
    """Aggregation counting the stories of the matches after ``filters`` (the
    request's ``post_filter``, which aggregations do not see)."""
    count = {"cardinality": {"field": "story", "precision_threshold": PRECISION}}
    return {"filter": {"bool": {"filter": filters}}, "aggs": {"n": count}} if filters else count


def stories_count(aggs: dict[str, Any]) -> int:
    found = aggs.get("stories", {})
    return int(found.get("n", found).get("value", 0))


def add_copies(hits: list[Hit], query: Query, filters: list[Query],
               search: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Set each hit's ``copies`` and ``same_story`` from one aggregations request."""
    stories = sorted({h.story for h in hits if h.story})
    if not stories:
        return
    first = {"top_hits": {"size": COPIES_LISTED + 1, "sort": EARLIEST,
                          "_source": ["id", "url", "date", "publication"]}}
    body = {"size": 0, "track_total_hits": False,
            "query": {"bool": {"must": [query], "filter": [*filters, {"terms": {"story": stories}}]}},
            "aggs": {"copies": {"terms": {"field": "story", "size": len(stories)}, "aggs": {"first": first}}}}
    buckets = {b["key"]: b for b in search(body)["aggregations"]["copies"]["buckets"]}
    for hit in hits:
        bucket = buckets.get(hit.story)
        if bucket is None:
            continue
        hit.copies = bucket["doc_count"] - 1
        listed = [h["_source"] for h in bucket["first"]["hits"]["hits"]]
        hit.same_story = [Copy(id=s["id"], url=s.get("url"), date=s.get("date"),
                               publication=s.get("publication") or None)
                          for s in listed if s["id"] != hit.id][:COPIES_LISTED]
