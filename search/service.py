"""The search library's public entry: SearchRequest in, SearchResponse out.

Freshness: every call reads the index's current generation (a readlink and a
directory listing) and, when it changed, closes this thread's searcher and
opens a new one. Whoosh searchers are not safe for concurrent use, so each
thread keeps its own; the per-generation numpy table is shared read-only.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
import weakref
from typing import get_args
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from whoosh import query as wq
from whoosh.idsets import DocIdSet

from . import dates, facets as facet_mod, fastrank, highlight, query as query_mod, store, suggest
from .analysis import analyze, ranking_analyzer
from .doctable import DocTable
from .facets import FacetMasks, Selection
from .lru import SizedLRU
from .matchset import matching_docnums
from .models import (FacetValue, Hit, IndexStats, Operator, SearchError, SearchRequest, SearchResponse,
                     Sort, StoredArticle)
from .query import HighlightSpec, check_length, compile_query
from .ranking import FIELD_BOOSTS, lucene_idf, weighting

MAX_PER_PAGE = 100
#: Deepest result reachable by paging (page * per_page).
MAX_DEPTH = 10_000
MAX_FILTER_VALUES = 100
SORTS: tuple[str, ...] = get_args(Sort)
OPERATORS: tuple[str, ...] = get_args(Operator)
#: Words of an article used to find related ones.
RELATED_TERMS = 25

_RANKING = ranking_analyzer()


class _Mask(DocIdSet):
    """A numpy boolean mask posing as a Whoosh doc-id set (for ``filter=``)."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask

    def __contains__(self, docnum: int) -> bool:
        return bool(self.mask[docnum])

    def __iter__(self):
        return iter(np.flatnonzero(self.mask).tolist())

    def __len__(self) -> int:
        return int(self.mask.sum())

    def __bool__(self) -> bool:
        return True


@dataclass(eq=False)
class _Open:
    """One thread's searcher on one generation."""

    label: str
    gen: store.Generation
    searcher: object


@dataclass(eq=False)
class _Matched:
    """What a query text matches in one generation, before any filter: what
    paging and facet toggles would otherwise recompute."""

    compiled: object  # CompiledQuery
    scored: fastrank.Scored | None
    text_mask: np.ndarray  # read-only
    suggestion: str | None

    @property
    def size(self) -> int:
        return len(self.scored.ids) if self.scored is not None else 0


def match_cache() -> SizedLRU[_Matched]:
    """A small LRU of :class:`_Matched`, keyed by (generation, query, operator, exact).

    The generation label changes with every commit, so an entry can never
    answer for another index state; old generations' entries simply age out.
    Bounded by entries (64) and by scored postings held (2M, ~16 bytes each).
    """
    return SizedLRU(budget=2_000_000, max_entries=64)


class _Slot:
    """Lives in one thread's ``threading.local``; Python drops it when the
    thread ends, and a finalizer then closes that thread's searcher (servers
    that start a thread per request would otherwise leak one per request)."""

    __slots__ = ("box", "__weakref__")

    def __init__(self) -> None:
        self.box: list[_Open | None] = [None]


def _release(service_ref: "weakref.ref[SearchService]", box: list) -> None:
    service = service_ref()
    opened = box[0]
    if service is not None and opened is not None:
        service._retire(opened)


class SearchService:
    def __init__(self, index_dir: Path, *, facet_time_limit: float = 0.5):
        self.index_dir = Path(index_dir)
        self.facet_time_limit = facet_time_limit
        self._local = threading.local()
        self._lock = threading.Lock()
        self._tables: dict[str, DocTable] = {}
        self._all_open: list[_Open] = []  # every searcher opened, to close them all
        self._closed = False
        self._matches = match_cache()

    # --- searchers -------------------------------------------------------

    def _current(self) -> tuple[_Open, DocTable]:
        if self._closed:
            raise RuntimeError("SearchService is closed")
        gen = store.current_generation(self.index_dir)
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is None:
            slot = self._local.slot = _Slot()
            weakref.finalize(slot, _release, weakref.ref(self), slot.box)
        opened = slot.box[0]
        if opened is None or opened.label != gen.label:
            if opened is not None:
                slot.box[0] = None
                self._retire(opened)
            opened = slot.box[0] = self._open(gen)
        return opened, self._table(opened)

    def _open(self, gen: store.Generation) -> _Open:
        ix = store.open_index(self.index_dir, gen)
        searcher = ix.searcher(weighting=weighting())
        # The index may have committed again between reading the generation
        # and opening it: label what was actually opened.
        label = f"{gen.number}.{searcher.reader().generation()}"
        opened = _Open(label, gen, searcher)
        with self._lock:
            self._all_open.append(opened)
        return opened

    def _retire(self, opened: _Open) -> None:
        with self._lock:
            if opened not in self._all_open:
                return  # already closed (by close())
            self._all_open.remove(opened)
            still_used = {o.label for o in self._all_open}
            for label in [k for k in self._tables if k not in still_used]:
                del self._tables[label]
        opened.searcher.close()

    def _table(self, opened: _Open) -> DocTable:
        table = self._tables.get(opened.label)
        if table is None:
            with self._lock:
                table = self._tables.get(opened.label)
                if table is None:
                    table = DocTable.build(opened.searcher.reader())
                    self._tables[opened.label] = table
        return table

    def warm(self) -> None:
        """Build the current generation's tables now (document table, field
        lengths, spelling words) instead of in the first requests that need them."""
        opened, table = self._current()
        reader = opened.searcher.reader()
        for fieldname in FIELD_BOOSTS:
            table.field_lengths(reader, fieldname)
        table.spelling_words(reader, suggest.SPELLING_FIELDS)

    def clear_match_cache(self) -> None:
        """Forget cached match sets (benchmarks time queries without them)."""
        self._matches.clear()

    def generation(self) -> str:
        return store.current_generation(self.index_dir).label

    def close(self) -> None:
        with self._lock:
            self._closed = True
            opened, self._all_open = self._all_open, []
            self._tables.clear()
        for o in opened:
            try:
                o.searcher.close()
            except Exception:  # already closed by its thread: nothing left to free
                pass

    # --- search ----------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        req, day_range = _validate(request)
        opened, table = self._current()
        searcher = opened.searcher

        # Paging and facet toggles repeat the query text: its match set (and
        # suggestion) is the same for the same generation, so reuse it.
        # The expansion limits shape the compiled query (and may be changed
        # at run time, e.g. by tests): they are part of what is cached.
        key = (opened.label, req.q, req.operator, req.exact, query_mod.MAX_PREFIX_TERMS,
               query_mod.MAX_FUZZY_TERMS, query_mod.MAX_EXPANDED_TERMS)
        matched = self._matches.get(key)
        if matched is None:
            matched = self._match(req, searcher, table)
            self._matches.put(key, matched, matched.size)
        compiled, scored, text_mask = matched.compiled, matched.scored, matched.text_mask
        warnings = list(compiled.warnings)

        sections = Selection(req.sections, table.sections.ordinals(req.sections))
        authors = Selection(req.authors, table.authors.ordinals(req.authors))
        sec_mask = table.section_mask(sections.all_ordinals()) if req.sections else None
        auth_mask = table.author_mask(authors.all_ordinals()) if req.authors else None
        date_mask = table.day_mask(day_range.lo, day_range.hi) if day_range else None

        base = text_mask if date_mask is None else text_mask & date_mask
        without_section = base if auth_mask is None else base & auth_mask
        without_author = base if sec_mask is None else base & sec_mask
        matches = without_section if sec_mask is None else without_section & sec_mask
        filtered = sec_mask is not None or auth_mask is not None or date_mask is not None
        total = int(matches.sum())

        start = (req.page - 1) * req.per_page
        end = start + req.per_page
        sort = req.sort
        if sort == "relevance" and not compiled.scored:
            sort = "newest"  # nothing to rank by: newest first

        page_docs: list[tuple[int, float]] = []
        if start < total:
            if sort == "relevance" and scored is not None:
                page_docs = fastrank.top(scored, matches, end)[start:end]
            elif sort == "relevance":
                assert compiled.query is not None
                results = searcher.search(compiled.query, limit=end,
                                          filter=_Mask(matches) if filtered else None)
                page_docs = [(docnum, float(score)) for score, docnum in results.top_n[start:end]]
            else:
                ordered = table.date_order(np.flatnonzero(matches), sort == "newest", end)
                page = ordered[start:end]
                if scored is not None:
                    # Relevance scores are known anyway: report them.
                    at = np.searchsorted(scored.ids, page)
                    page_docs = [(int(d), float(scored.scores[i])) for d, i in zip(page, at)]
                else:
                    page_docs = [(int(d), 0.0) for d in page]

        decided: dict[str, bool] = {}  # word -> marked?, shared by the page's snippets
        hits = [self._hit(searcher, d, score, compiled.highlight, decided) for d, score in page_docs]

        found, facet_warnings = facet_mod.compute(
            table, FacetMasks(matches, without_section, without_author), sections, authors,
            self.facet_time_limit)
        warnings.extend(facet_warnings)

        suggestion = matched.suggestion

        understood = replace(req, sort=sort)  # e.g. relevance without words means newest
        return SearchResponse(
            query=understood,
            total=total,
            page=req.page,
            per_page=req.per_page,
            pages=math.ceil(total / req.per_page) if total else 0,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            hits=hits,
            facets=found,
            suggestion=suggestion,
            warnings=warnings,
        )

    def _match(self, req: SearchRequest, searcher, table: DocTable) -> _Matched:
        reader = searcher.reader()
        compiled = compile_query(req.q, reader, operator=req.operator, exact=req.exact,
                                 days=table.dated_between)
        # Match set as a boolean mask over document numbers; scored with
        # numpy when the query's shape allows (see fastrank), else by Whoosh.
        scored: fastrank.Scored | None = None
        if compiled.query is None:
            text_mask = table.live.copy()
        else:
            text_mask = np.zeros(table.size, dtype=bool)
            if compiled.scored:
                scored = fastrank.evaluate(compiled.query, searcher, table)
            if scored is not None:
                text_mask[scored.ids] = True
                text_mask &= table.live
            else:
                text_mask[matching_docnums(compiled.query, searcher, table.live)] = True
        # Shared between requests from now on: nobody may write to it.
        text_mask.setflags(write=False)
        suggestion = suggest.suggest(reader, req.q, compiled.words,
                                     lambda fields: table.spelling_words(reader, fields))
        return _Matched(compiled, scored, text_mask, suggestion)

    def _hit(self, searcher, docnum: int, score: float, spec: HighlightSpec,
             decided: dict[str, bool] | None = None) -> Hit:
        stored = searcher.stored_fields(docnum)
        title = stored.get("title") or ""
        body = stored.get("body") or ""
        return Hit(
            id=stored["id"],
            url=stored.get("url"),
            title=title,
            date=stored.get("date"),
            section=stored.get("section") or None,
            author=stored.get("author") or None,
            score=round(score, 4),
            snippet=highlight.snippet(body, spec, decided=decided),
            title_html=highlight.mark(title, spec, decided),
        )

    # --- single articles -------------------------------------------------

    def article(self, doc_id: str) -> StoredArticle | None:
        opened, _ = self._current()
        stored = opened.searcher.document(id=doc_id)
        if stored is None:
            return None
        return StoredArticle(
            id=stored["id"],
            url=stored.get("url"),
            title=stored.get("title") or "",
            body=stored.get("body") or "",
            date=stored.get("date"),
            section=stored.get("section") or None,
            author=stored.get("author") or None,
            source=stored.get("source") or "",
        )

    def related(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """More like this: the article's most telling words, OR-ed and BM25-ranked."""
        if not 1 <= limit <= MAX_PER_PAGE:
            raise SearchError(f"limit must be between 1 and {MAX_PER_PAGE}", "limit")
        opened, table = self._current()
        searcher = opened.searcher
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
        scored = []
        for w, count in tf.items():
            df = searcher.doc_frequency("body", w) + searcher.doc_frequency("title", w)
            if df <= 1:
                continue  # only in this article: says nothing about others
            scored.append((count * lucene_idf(n, df), w))
        scored.sort(reverse=True)
        top = scored[:RELATED_TERMS]
        if not top:
            return []
        best = top[0][0]
        clauses = [wq.Term(f, w, boost=FIELD_BOOSTS[f] * weight / best)
                   for weight, w in top for f in ("title", "body")]
        q = wq.Or(clauses)
        mask = table.live.copy()
        mask[docnum] = False
        spec = HighlightSpec(stems={w for _, w in top})
        scored = fastrank.evaluate(q, searcher, table)
        if scored is not None:
            best_docs = fastrank.top(scored, mask, limit)
        else:
            results = searcher.search(q, limit=limit, filter=_Mask(mask))
            best_docs = [(hit.docnum, float(hit.score)) for hit in results]
        return [self._hit(searcher, d, score, spec) for d, score in best_docs]

    def stats(self) -> IndexStats:
        opened, table = self._current()
        live = table.live
        counts = np.bincount(table.section[live & (table.section >= 0)],
                             minlength=len(table.sections.values))
        sections = [FacetValue(v, int(c), False) for v, c in zip(table.sections.values, counts) if c]
        sections.sort(key=lambda fv: (-fv.count, fv.value))
        dated = table.day[live & (table.day != 0)]
        gen = opened.gen
        try:
            when = store.last_indexed(gen)
        except FileNotFoundError:
            when = time.time()
        return IndexStats(
            documents=int(live.sum()),
            sections=sections,
            date_min=dates.day_text(int(dated.min())) if len(dated) else None,
            date_max=dates.day_text(int(dated.max())) if len(dated) else None,
            generation=opened.label,
            last_indexed=dt.datetime.fromtimestamp(when, dt.timezone.utc).isoformat(timespec="seconds"),
            size_bytes=store.size_on_disk(gen.directory),
        )


def _validate(request: SearchRequest) -> tuple[SearchRequest, dates.DayRange | None]:
    """Check limits and normalise; raises SearchError naming the parameter."""
    q = request.q if isinstance(request.q, str) else ""
    check_length(q)
    if request.sort not in SORTS:
        raise SearchError(f"sort must be one of {', '.join(SORTS)}", "sort")
    if request.operator not in OPERATORS:
        raise SearchError("operator must be 'and' or 'or'", "operator")
    if not isinstance(request.per_page, int) or not 1 <= request.per_page <= MAX_PER_PAGE:
        raise SearchError(f"per_page must be between 1 and {MAX_PER_PAGE}", "per_page")
    if not isinstance(request.page, int) or request.page < 1:
        raise SearchError("page must be 1 or more", "page")
    if request.page * request.per_page > MAX_DEPTH:
        raise SearchError(
            f"page {request.page} is too deep: results beyond the first {MAX_DEPTH:,} cannot be "
            "paged to (narrow the search instead)", "page")
    for name in ("sections", "authors"):
        values = getattr(request, name)
        if len(values) > MAX_FILTER_VALUES:
            raise SearchError(f"at most {MAX_FILTER_VALUES} {name} may be selected", name)
    try:
        lo_range = dates.bounds(request.date_from, None)
    except dates.BadDate as e:
        raise SearchError(f"date_from: {e}", "date_from") from None
    try:
        hi_range = dates.bounds(None, request.date_to)
    except dates.BadDate as e:
        raise SearchError(f"date_to: {e}", "date_to") from None
    day_range = None
    if lo_range or hi_range:
        day_range = dates.DayRange(lo_range.lo if lo_range else dates.FIRST_DAY,
                                   hi_range.hi if hi_range else dates.LAST_DAY)
    normalised = replace(
        request,
        q=q.strip(),
        sections=list(dict.fromkeys(s for s in request.sections if s)),
        authors=list(dict.fromkeys(a for a in request.authors if a)),
        date_from=request.date_from or None,
        date_to=request.date_to or None,
    )
    return normalised, day_range
