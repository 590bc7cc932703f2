"""The search library's public entry: SearchRequest in, SearchResponse out.

``SearchService`` only orchestrates: validate the request, read the query
into a syntax tree, let the engine answer, run the facets over the engine's
counts, and assemble the response. What each step means lives in its own
module (``limits``, ``query``, ``facets``); how to answer lives in the engine.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import replace

from collections.abc import Iterable, Sequence

from . import facets, limits, matched
from .engine import Engine, open_engine
from .limits import MAX_DEPTH, MAX_EXPORT_ROWS, MAX_FILTER_VALUES, MAX_PER_PAGE, OPERATORS, SORTS
from .models import (ROW_FIELDS, ArticleRow, Deadline, Export, Facets, Hit, IndexState, IndexStats, OutOfTime,
                     ResultTooLarge, SearchError, SearchRequest, SearchResponse, StoredArticle, ValidRequest)
from .query import Node, parse
from .snippets import ArticleMarks

__all__ = ["MAX_DEPTH", "MAX_EXPORT_ROWS", "MAX_FILTER_VALUES", "MAX_PER_PAGE", "OPERATORS", "SORTS",
           "SearchService"]


class SearchService:
    """Searches one index; safe to share between threads.

    ``target`` is an index directory (or anything :func:`search.open_engine`
    takes), or an already opened :class:`search.engine.Engine`; either way
    :meth:`close` closes the engine.

    ``budget``: seconds one search may take (see :func:`limits.search_budget`:
    None reads ``$NEWSARCHIVE_SEARCH_BUDGET``, else 2 s; 0 is no budget). A
    search that needs more raises :class:`search.errors.QueryTooExpensive`;
    facets still uncounted when it runs out are left out (``timed_out``).
    """

    def __init__(self, target: str | os.PathLike[str] | Engine, *, facet_time_limit: float = 0.5,
                 budget: float | str | None = None):
        self.budget = limits.search_budget(budget)
        self.engine: Engine = (open_engine(target) if isinstance(target, (str, os.PathLike))
                               else target)
        self.facet_time_limit = facet_time_limit

    @staticmethod
    def _prepare(request: SearchRequest) -> tuple[ValidRequest, Node | None, list[str]]:
        """Validate and parse: the engine's request, the query's tree, parse warnings."""
        valid = limits.validate(request)
        req = valid.request
        if not req.q:
            return valid, None, []
        parsed = parse(req.q, req.operator)
        if parsed.tree is None:
            raise SearchError("the query has nothing to search for: type some words", "q")
        return valid, parsed.tree, list(parsed.warnings)

    def _deadline(self, started: float) -> Deadline:
        return Deadline(started + self.budget, self.budget)

    def search(self, request: SearchRequest, *, with_facets: bool = True) -> SearchResponse:
        """One page of results; ``with_facets=False`` skips counting the facets
        (left empty) for callers that show none, such as a feed."""
        started = time.perf_counter()
        deadline = self._deadline(started)
        valid, tree, warnings = self._prepare(request)
        req = valid.request
        try:
            answer = self.engine.search(replace(valid, deadline=deadline), tree)
        except OutOfTime:
            raise limits.too_expensive(tree, self.budget) from None
        warnings.extend(w for w in answer.warnings if w not in warnings)
        matched.annotate(answer.hits, answer.surfaces, tree, req.q, req.exact)
        found = Facets()
        if with_facets:
            spellings = matched.SpellingFacet(tree, req.q, req.exact)
            found, facet_warnings = facets.compute(answer.counts, self.facet_time_limit, deadline,
                                                   (*facets.FACETS, spellings))
            warnings.extend(facet_warnings)
        shown = answer.stories if req.collapse else answer.total  # what the pages list
        return SearchResponse(
            query=replace(req, sort=answer.sort),  # e.g. relevance without words means newest
            total=answer.total,
            page=req.page,
            per_page=req.per_page,
            pages=math.ceil(shown / req.per_page),
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=answer.hits,
            facets=found,
            suggestion=answer.suggestion,
            warnings=warnings,
            index=answer.index,
            stories=answer.stories,
        )

    def export(self, request: SearchRequest, fields: Iterable[str] = ROW_FIELDS, *,
               max_rows: int = MAX_EXPORT_ROWS) -> Export:
        """Every article the request matches, in its order, to stream (see
        ``Engine.export``); paging is ignored. Raises ResultTooLarge, reading no
        row, when more than ``max_rows`` match.

        The time budget holds for finding, counting and ordering the matches
        (the work a search does; QueryTooExpensive past it), not for the rows:
        reading them is long by nature, paced by the consumer and bounded by
        ``max_rows``."""
        deadline = self._deadline(time.perf_counter())
        whole = replace(request, page=1, per_page=SearchRequest.per_page)
        valid, tree, warnings = self._prepare(whole)
        try:
            export = self.engine.export(replace(valid, deadline=deadline), tree, frozenset(fields))
        except OutOfTime:
            raise limits.too_expensive(tree, self.budget) from None
        if export.total > max_rows:
            export.rows.close()  # type: ignore[attr-defined]
            raise ResultTooLarge(export.total, max_rows)
        export.warnings[:0] = [w for w in warnings if w not in export.warnings]
        return export

    def rows(self, ids: Sequence[str], fields: Iterable[str] = ROW_FIELDS) -> list[ArticleRow | None]:
        """The live index's row of each id (None: no longer there), for saved sets."""
        return self.engine.rows(ids, frozenset(fields))

    def state(self) -> IndexState:
        return self.engine.state()

    def article(self, doc_id: str) -> StoredArticle | None:
        return self.engine.article(doc_id)

    def marks(self, doc_id: str, request: SearchRequest) -> ArticleMarks | None:
        """Where the article matches ``request``'s query (no marks without one);
        None when there is no such article. Raises SearchError as ``search`` does."""
        deadline = self._deadline(time.perf_counter())
        valid, tree, _ = self._prepare(request)
        if tree is None:
            return ArticleMarks([], []) if self.engine.article(doc_id) is not None else None
        try:
            return self.engine.marks(doc_id, replace(valid, deadline=deadline), tree)
        except OutOfTime:
            raise limits.too_expensive(tree, self.budget) from None

    def related(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """More like this: the articles closest to ``doc_id``, best first."""
        limits.check_related_limit(limit)
        return self.engine.related(doc_id, limit)

    def stats(self) -> IndexStats:
        return self.engine.stats()

    def generation(self) -> str:
        return self.engine.generation

    def warm(self) -> None:
        """Load now what the first requests would otherwise load."""
        self.engine.warm()

    def clear_match_cache(self) -> None:
        """Forget cached match sets (benchmarks time queries without them)."""
        self.engine.clear_caches()

    def close(self) -> None:
        self.engine.close()
