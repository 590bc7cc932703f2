"""One search on one index state: match (cached), filter, order, page, hits.

The query text's match set and suggestion depend only on the text, the
operator, the spelling mode and the index state, so paging and facet toggles
reuse them from a small cache; filters, facets and the page are computed per
request from the match mask with numpy.

The request's deadline is passed to every step that grows with the archive
or the query; past it, matching stops with ``OutOfTime`` (nothing is
cached), and snippets not yet made are plain openings (with a warning).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from search import limits
from search.snippets import ArticleMarks
from search.models import Answer, Deadline, OutOfTime, Sort, ValidRequest
from search.query import Node

from . import collapse, highlight, suggest
from .compile import CompiledQuery, compile_tree
from .doctable import DocTable
from .evaluate import Scored, evaluate, top
from .facets import Filtered
from .lru import SizedLRU
from .spellings import SearchCounter
from .searchers import Snapshot, StoredFields


@dataclass(eq=False)
class Matched:
    """What a query text matches in one index state, before any filter."""

    compiled: CompiledQuery
    scored: Scored | None  # with scores, when the query ranks
    text_mask: np.ndarray  # read-only
    suggestion: str | None

    @property
    def size(self) -> int:
        return len(self.scored.ids) if self.scored is not None else 0


def match_cache() -> SizedLRU[Matched]:
    """A small LRU of :class:`Matched`, keyed by (index state, query, operator, exact, caps).

    The index state label changes with every commit, so an entry can never
    answer for another index state; old states' entries simply age out.
    Bounded by entries (64) and by scored postings held (2M, ~16 bytes each).
    """
    return SizedLRU(budget=2_000_000, max_entries=64)


@dataclass(eq=False)
class Selection:
    """One request's matches on one index state, and the order it asks for."""

    matched: Matched
    filtered: Filtered
    sort: Sort  # relevance without any ranked word is newest
    #: The longest prefix of the order ranked so far (see :func:`first`), and
    #: whether it holds every match.
    ranked: list[tuple[int, float]] = field(default_factory=list)
    complete: bool = False

    @property
    def total(self) -> int:
        return len(self.filtered.docs())


def matching(snap: Snapshot, cache: SizedLRU[Matched], request: ValidRequest, tree: Node | None) -> Matched:
    """What the request's query text matches, from the cache when it is there."""
    req = request.request
    # The expansion caps shape the compiled query (and may be changed at run
    # time, e.g. by tests): they are part of what is cached.
    key = (snap.label, req.q, req.operator, req.exact, *limits.expansion_limits())
    matched = cache.get(key)
    if matched is None:
        matched = _match(snap, req.q, req.operator, req.exact, tree, request.deadline)
        cache.put(key, matched, matched.size)
    return matched


def select(snap: Snapshot, cache: SizedLRU[Matched], request: ValidRequest, tree: Node | None) -> Selection:
    req = request.request
    matched = matching(snap, cache, request, tree)
    filtered = Filtered.build(snap.table, matched.text_mask, request)
    sort = req.sort
    if sort == "relevance" and not matched.compiled.scored:
        sort = "newest"  # nothing to rank by: newest first
    return Selection(matched, filtered, sort)


def ordered(table: DocTable, docnums: np.ndarray, sort: Sort, limit: int) -> np.ndarray:
    """The first ``limit`` of ``docnums`` (ascending) in a date or indexing order."""
    if sort == "indexed":
        return table.indexed_order(docnums, limit)
    return table.date_order(docnums, sort == "newest", limit)


def search(snap: Snapshot, cache: SizedLRU[Matched], request: ValidRequest, tree: Node | None) -> Answer:
    req = request.request
    chosen = select(snap, cache, request, tree)
    matched, filtered, sort = chosen.matched, chosen.filtered, chosen.sort
    table = snap.table
    matches = filtered.matches
    total = chosen.total

    start = (req.page - 1) * req.per_page
    end = start + req.per_page
    ranked = partial(first, table, chosen)
    page_docs: list[tuple[int, float]] = []
    if start < total:
        page_docs = (collapse.leaders(ranked, table, total, start, end, request.deadline) if req.collapse
                     else ranked(end)[start:end])
    warnings = list(matched.compiled.warnings)
    stored = StoredFields(snap.searcher)
    hits, surfaces = _hits(stored, page_docs, matched, request.deadline, warnings)
    if req.collapse and hits:
        for hit, (count, listed) in zip(hits, collapse.copies(table, matches, [d for d, _ in page_docs])):
            hit.copies = count
            hit.same_story = [collapse.copy_of(stored.stored_fields(d)) for d in listed]
    counter = SearchCounter(snap, stored, filtered, matched.compiled.highlight, ranked)
    return Answer(total, hits, sort, matched.suggestion, warnings, counter, snap.state(),
                  collapse.count_stories(table, filtered.docs()), surfaces)


#: The first ranking of a search covers at least this many places, so that
#: the page's stories (a collapsed page ranks 4× its end) and the spellings
#: panel's sample (50) read one ranking instead of each ranking all the
#: matches again (tens of milliseconds at half a million matches).
MIN_RANKED = 100


def first(table: DocTable, chosen: Selection, end: int) -> list[tuple[int, float]]:
    """(document, score) of the first ``end`` matches in the selection's order.

    The order is total (ties broken by docnum), so a shorter prefix is a
    slice of a longer one: the longest ranked so far is kept and sliced."""
    if end > len(chosen.ranked) and not chosen.complete:
        wanted = max(end, MIN_RANKED)
        chosen.ranked = _rank(table, chosen, wanted)
        chosen.complete = len(chosen.ranked) < wanted
    return chosen.ranked[:end]


def _rank(table: DocTable, chosen: Selection, end: int) -> list[tuple[int, float]]:
    matched, matches = chosen.matched, chosen.filtered.matches
    scored = matched.scored
    if chosen.sort == "relevance":
        assert scored is not None
        return top(scored, matches, end)
    docs = ordered(table, chosen.filtered.docs(), chosen.sort, end)
    if scored is None:
        return [(int(d), 0.0) for d in docs]
    # Relevance scores are known anyway: report them.
    at = np.searchsorted(scored.ids, docs)
    return [(int(d), float(scored.scores[i])) for d, i in zip(docs, at)]


def marks(snap: Snapshot, cache: SizedLRU[Matched], request: ValidRequest, tree: Node | None,
          doc_id: str) -> ArticleMarks | None:
    """Where the article ``doc_id`` matches the request's query (None: no such article);
    the query is compiled as for a search, which a reader arriving from one has cached."""
    stored = snap.searcher.document(id=doc_id)
    if stored is None:
        return None
    spec = matching(snap, cache, request, tree).compiled.highlight
    decided: dict[str, bool] = {}
    return ArticleMarks(highlight.match_spans(stored.get("title") or "", spec, decided),
                        highlight.match_spans(stored.get("body") or "", spec, decided))


def _hits(stored: StoredFields, page_docs: list[tuple[int, float]], matched: Matched, deadline: Deadline,
          warnings: list[str]) -> tuple[list, list]:
    decided: dict[str, bool] = {}  # word -> marked?, shared by the page's snippets
    spec = matched.compiled.highlight
    hits, surfaces, late = [], [], False
    for d, score in page_docs:
        try:
            hit, marked = highlight.marked_hit(stored, d, score, spec, decided, deadline)
        except OutOfTime:
            # The matches are known: show them, without marks, rather than nothing.
            hit, marked = highlight.marked_hit(stored, d, score, highlight.HighlightSpec())
            late = True
        hits.append(hit)
        surfaces.append(marked)
    if late:
        warnings.append("some snippets are not marked: the search ran out of time")
    return hits, surfaces


def _match(snap: Snapshot, text: str, operator: str, exact: bool, tree: Node | None,
           deadline: Deadline) -> Matched:
    searcher, table = snap.searcher, snap.table
    reader = searcher.reader()
    compiled = compile_tree(tree, reader, operator=operator, exact=exact, days=table.dated_between,
                            vocabulary=lambda fields: table.spelling_words(reader, fields),
                            deadline=deadline)
    scored: Scored | None = None
    if compiled.query is None:
        text_mask = table.live.copy()
    else:
        found = evaluate(compiled.query, searcher, table, scored=compiled.scored, deadline=deadline)
        text_mask = np.zeros(table.size, dtype=bool)
        text_mask[found.ids] = True
        text_mask &= table.live
        if compiled.scored:
            scored = found
    # Shared between requests from now on: nobody may write to it.
    text_mask.setflags(write=False)
    deadline.check()
    suggestion = suggest.suggest(reader, text, compiled.words,
                                 lambda fields: table.spelling_words(reader, fields))
    return Matched(compiled, scored, text_mask, suggestion)
