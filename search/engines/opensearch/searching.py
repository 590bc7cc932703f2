"""One search on OpenSearch: compile, resolve the filters, one search request, hits.

The search request carries everything the page needs: the query with the
request's date range as a filter, the value filters as ``post_filter``, the
facets' aggregations, the spelling counts, the sort, the page and the
highlighting. Only prefix and fuzzy words (their expansions), value filters
(what each requested value selects) and rare words (did-you-mean) cost a
request more each.

Every request of a search carries what is left of its time budget
(``request.deadline``, see :meth:`.cluster.Cluster.search`); a facet counted
later by a request of its own (another limit, the own selection kept) times
out alone, as a facet (``FacetTimeout``), not the search.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from search.counting import FacetTimeout
from search.models import Answer, Deadline, IndexState, OutOfTime, ValidRequest
from search.query import Node
from search.snippets import ArticleMarks

from . import collapse, facets, highlight, suggest
from .cluster import Cluster
from .compile import compile_tree, day_range
from .expand import expand

#: Order of the hits for each sort; ties (equal scores, equal dates) by article id,
#: which is unique: exports page these orders with search_after.
SORTS: dict[str, list[Any]] = {
    "relevance": ["_score", {"id": "asc"}],
    "newest": [{"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
    "oldest": [{"published": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
    # Newest indexed first; one run's articles newest published first, undated after them.
    "indexed": [{"indexed_at": {"order": "desc", "missing": "_last"}},
                {"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
}


def request_body(cluster: Cluster, request: ValidRequest, tree: Node | None, *,
                 clustered: bool = True) -> tuple[dict[str, Any], Any]:
    """(the search request's body, what reading the response needs); ``clustered``
    False for an index written before story clusters (nothing to collapse on)."""
    req = request.request
    deadline = request.deadline
    compiled = compile_tree(tree, partial(expand, cluster, deadline=deadline),
                            operator=req.operator, exact=req.exact)
    sort = req.sort
    if sort == "relevance" and not compiled.scored:
        sort = "newest"  # nothing to rank by: newest first
    resolved: facets.Resolved = {}
    if request.filters:
        found = cluster.search({"size": 0, "track_total_hits": False, "aggs": facets.resolve_aggs(request.filters)},
                               deadline)
        resolved = facets.resolved_from(request.filters, found["aggregations"])
    filters = facets.value_filters(resolved)
    query = compiled.query or {"match_all": {}}
    ranges = [day_range(request.days.lo, request.days.hi)] if request.days is not None else []
    if request.indexed_since is not None:
        ranges.append({"range": {"indexed_at": {"gte": request.indexed_since}}})
    if req.story is not None:
        ranges.append(collapse.story_filter(req.story))
    if ranges:
        query = {"bool": {"must": [query], "filter": ranges}}
    checked = suggest.checkable(compiled.words)
    aggs = facets.facet_aggs(filters, resolved)
    if clustered:
        aggs["stories"] = collapse.stories_agg(list(filters.values()))
    if checked:
        aggs["spell"] = suggest.df_aggs([token for _, token in checked])
    body: dict[str, Any] = {
        "query": query,
        "from": (req.page - 1) * req.per_page,
        "size": req.per_page,
        "sort": SORTS[sort],
        "track_total_hits": True,
        "track_scores": compiled.scored,
        "_source": highlight.SOURCE_FIELDS,
        "aggs": aggs,
        "highlight": highlight.request(req.exact or None),
    }
    if filters:
        body["post_filter"] = {"bool": {"filter": list(filters.values())}}
    if req.collapse and clustered:
        collapse.collapse(body)
    return body, (compiled, sort, filters, resolved, checked, query)


def search(cluster: Cluster, request: ValidRequest, tree: Node | None) -> Answer:
    live = cluster.live()
    state = live.state  # read first: a commit in between makes it older, never newer
    clustered = collapse.has_stories(live.mapping_version)
    body, (compiled, sort, filters, resolved, checked, query) = request_body(cluster, request, tree,
                                                                             clustered=clustered)
    found = cluster.search(body, request.deadline)
    marked = [highlight.hit(h, (h.get("_score") or 0.0) if compiled.scored else 0.0, compiled.phrases)
              for h in found["hits"]["hits"]]
    hits = [h for h, _ in marked]
    aggs = found.get("aggregations", {})
    total = found["hits"]["total"]["value"]
    if request.request.collapse and hits and clustered:
        collapse.add_copies(hits, query, list(filters.values()),
                            partial(cluster.search, deadline=request.deadline))

    def more(extra: dict[str, Any], deadline: float) -> dict[str, Any]:
        try:
            return cluster.search({"size": 0, "track_total_hits": False, "query": query, "aggs": extra},
                                  Deadline(deadline, request.deadline.budget))["aggregations"]
        except OutOfTime:
            raise FacetTimeout from None

    def sample(limit: int, deadline: float) -> list[dict[str, list[str]]]:
        """The marked words of the first ``limit`` matches in the request's order."""
        first = {key: body[key] for key in ("query", "sort", "post_filter") if key in body}
        try:
            got = cluster.search({**first, "size": limit, "_source": False, "track_total_hits": False,
                                  "highlight": highlight.request(request.request.exact)},
                                 Deadline(deadline, request.deadline.budget))
        except OutOfTime:
            raise FacetTimeout from None
        return [highlight.sampled_surfaces(h, compiled.phrases) for h in got["hits"]["hits"]]

    suggestion = (suggest.suggest(partial(cluster.search, deadline=request.deadline), request.request.q, checked,
                                  aggs["spell"]) if checked else None)
    return Answer(total, hits, sort, suggestion, list(compiled.warnings),
                  facets.AggCounter(aggs, filters, resolved, more, sample), state,
                  collapse.stories_count(aggs) if clustered else total, [s for _, s in marked])


def marks(cluster: Cluster, request: ValidRequest, tree: Node, doc_id: str) -> ArticleMarks | None:
    """Where the article ``doc_id`` matches the request's query (None: no such article).

    The query is only a ``should`` beside the article's id, so the article is
    found, and marked by the same highlighter as a hit, even where it does not
    match the whole query.
    """
    req = request.request
    compiled = compile_tree(tree, partial(expand, cluster, deadline=request.deadline),
                            operator=req.operator, exact=req.exact)
    query: dict[str, Any] = {"bool": {"filter": [{"ids": {"values": [doc_id]}}]}}
    if compiled.query is not None:
        query["bool"]["should"] = [compiled.query]
    found = cluster.search({"query": query, "size": 1, "track_total_hits": False, "_source": ["title", "body"],
                            "highlight": highlight.request(req.exact or None)}, request.deadline)["hits"]["hits"]
    if not found:
        return None
    source, marked = found[0].get("_source", {}), found[0].get("highlight", {})
    return ArticleMarks(
        highlight.marked_spans(source.get("title") or "", marked, highlight.FORMS["title"], compiled.phrases),
        highlight.marked_spans(source.get("body") or "", marked, highlight.FORMS["body"], compiled.phrases))
