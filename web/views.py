"""HTML pages: the search form and results, articles, query-syntax help."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, render_template, request, url_for
from markupsafe import Markup

from search.models import Hit, SearchError, SearchRequest, SearchResponse, StoredArticle
from search.errors import QueryTooExpensive
from search.ids import is_doc_id
from search.matchinfo import how_label
from search.service import MAX_DEPTH
from search.snippets import render

from . import params, reading
from .context import cached, service
from .chart import build_histogram

bp = Blueprint("pages", __name__)
log = logging.getLogger(__name__)

#: How many page links to show on either side of the current page.
PAGE_WINDOW = 2


@dataclass(frozen=True)
class FacetLink:
    value: str
    count: int
    selected: bool
    href: str


@dataclass(frozen=True)
class SpellingLink:
    term: str
    text: str
    how: str
    count: int
    selected: bool  # the search is for exactly this spelling
    href: str  # exactly this spelling; when selected, every spelling again


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None draws an ellipsis
    href: str | None
    current: bool = False


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a web address, else None.

    Article URLs come from crawled pages; a ``javascript:`` URL in an href
    would run script on click, escaping or not.
    """
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in {"http", "https"} else None


#: Facet list -> the SearchRequest list its links toggle.
_FACET_PARAMS = {"section": "sections", "author": "authors", "publication": "publications"}


def _facet_links(req: SearchRequest, resp: SearchResponse) -> dict[str, list[FacetLink]]:
    def link(field: str, value: str) -> str:
        current = getattr(req, field)
        return params.search_url(params.with_changes(req, **{field: params.toggled(current, value)}))

    return {name: [FacetLink(f.value, f.count, f.selected, link(field, f.value)) for f in getattr(resp.facets, name)]
            for name, field in _FACET_PARAMS.items()}


def _spelling_links(req: SearchRequest, resp: SearchResponse) -> list[SpellingLink]:
    out = []
    for s in resp.facets.spellings:
        selected = req.exact and req.q == s.q
        href = params.search_url(params.with_changes(req, q=s.q, exact=not selected))
        out.append(SpellingLink(s.term, s.text, s.how, s.count, selected, href))
    return out


def _pagination(req: SearchRequest, pages: int) -> list[PageLink]:
    if pages <= 1:
        return []
    wanted = {1, pages, *range(req.page - PAGE_WINDOW, req.page + PAGE_WINDOW + 1)}
    numbers = sorted(n for n in wanted if 1 <= n <= pages)
    links: list[PageLink] = []
    previous = 0
    for n in numbers:
        if n - previous > 1:
            links.append(PageLink(None, None))
        links.append(PageLink(n, params.search_url(params.with_changes(req, page=n)), n == req.page))
        previous = n
    return links


def _results_context(req: SearchRequest, resp: SearchResponse) -> dict[str, object]:
    here = params.search_url(req)
    histogram = build_histogram(
        resp.facets,
        lambda period: params.search_url(params.with_changes(req, date_from=period, date_to=period)),
        unit=request.args.get("chart"),
        switch_link=lambda unit: f"{here}{'&' if '?' in here else '?'}chart={unit}",
    )
    # The service refuses to page beyond MAX_DEPTH results: link no further.
    pages = min(resp.pages, MAX_DEPTH // req.per_page)
    return {
        "resp": resp,
        "facets": _facet_links(req, resp),
        "spellings": _spelling_links(req, resp),
        "histogram": histogram,
        "pagination": _pagination(req, pages),
        "prev_url": params.search_url(params.with_changes(req, page=req.page - 1)) if req.page > 1 else None,
        "next_url": params.search_url(params.with_changes(req, page=req.page + 1)) if req.page < pages else None,
        "suggestion_url": (params.search_url(params.with_changes(req, q=resp.suggestion))
                           if resp.suggestion else None),
        # Result links carry the search, for the article page's marks and its way back.
        "article_args": params.url_args(req),
        "first": (resp.page - 1) * resp.per_page + 1,
        "last": (resp.page - 1) * resp.per_page + len(resp.hits),
        "collapse_toggle_url": params.search_url(params.with_changes(req, collapse=not req.collapse)),
        # Copies counts a story's articles matching this search and filters: so does their list.
        "story_url": lambda story: params.search_url(params.with_changes(req, story=story, collapse=False,
                                                                         sort="oldest")),
        "active_filters": (len(req.sections) + len(req.authors) + len(req.publications)
                           + bool(req.date_from or req.date_to)),
        "clear_filters_url": (params.search_url(params.with_changes(req, sections=[], authors=[], publications=[],
                                                                      date_from=None, date_to=None))
                              if req.sections or req.authors or req.publications or req.date_from or req.date_to
                              else None),
        **_take_away(req),
    }


def _take_away(req: SearchRequest) -> dict[str, object]:
    """Links to take the whole result set away: files, a feed, a saved set."""
    whole = params.url_args(params.with_changes(req, per_page=SearchRequest.per_page))
    return {
        "export_urls": {fmt: url_for("export.export", format=fmt, **whole) for fmt in ("csv", "ndjson")},
        "feed_url": url_for("feed.feed", **params.url_args(req, params.FILTER_PARAMS)),
        "save_fields": params.to_query_pairs(params.with_changes(req, per_page=SearchRequest.per_page)),
    }


def _render_search() -> Response:
    try:
        req = params.parse_search_args(request.args)
    except SearchError as e:
        # Show the form again with the problem next to it, not a bare error page.
        body = render_template("search.html", req=SearchRequest(q=request.args.get("q", "")),
                               error=e, sorts=params.SORTS, stats=None)
        return Response(body, status=400)
    if params.is_blank(req):
        stats = service().stats()
        return Response(render_template("search.html", req=req, error=None, sorts=params.SORTS,
                                        stats=stats))
    try:
        resp = service().search(req)
    except QueryTooExpensive as e:
        # Said in words beside the form, as the server's limit (503), not a bad request.
        body = render_template("search.html", req=req, error=e, sorts=params.SORTS, stats=None)
        return Response(body, status=503)
    except SearchError as e:
        body = render_template("search.html", req=req, error=params.as_query_error(e), sorts=params.SORTS, stats=None)
        return Response(body, status=400)
    return Response(render_template("search.html", req=req, error=None, sorts=params.SORTS,
                                    stats=None, **_results_context(req, resp)))


@bp.get("/")
@bp.get("/search")
def search() -> Response:
    return cached(_render_search)


@bp.get("/help")
def help_page() -> Response:
    return Response(render_template("help.html"))


@bp.get("/articles/<doc_id>")
def article(doc_id: str) -> Response:
    # Validated before touching the index: anything else is not an article.
    if not is_doc_id(doc_id):
        abort(404)

    def build() -> Response:
        found = service().article(doc_id)
        if found is None:
            abort(404)
        related = service().related(doc_id)
        came_from = _came_from()
        marks = reading.search_marks(service(), found, came_from)
        return Response(render_template(
            "article.html", article=found, title_html=Markup(render(found.title, marks.title)),
            groups=reading.groups(found.body, found.blocks, marks.body),
            back_url=params.search_url(came_from) if came_from and not params.is_blank(came_from) else None,
            original_url=safe_url(found.url), related=related, story_copies=_story_copies(found),
            safe_url=safe_url))

    return cached(build)


#: Copies of a story the article page lists.
STORY_COPIES_LISTED = 20


def _story_copies(article: StoredArticle) -> list[Hit]:
    """The other articles of ``article``'s story cluster, earliest first."""
    if not article.story:
        return []
    found = service().search(SearchRequest(story=article.story, collapse=False, sort="oldest",
                                           per_page=STORY_COPIES_LISTED + 1), with_facets=False)
    return [h for h in found.hits if h.id != article.id][:STORY_COPIES_LISTED]


def _came_from() -> SearchRequest | None:
    """The search the reader came from: result links carry its parameters."""
    try:
        return params.parse_search_args(request.args)
    except SearchError as e:
        log.info("article link with unreadable search parameters: %s", e)
        return None


@bp.app_template_filter("took")
def took(ms: float) -> str:
    """'0.8 ms', '12 ms', '1.35 s': precision where it matters."""
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{math.floor(ms)} ms"
    return f"{ms / 1000:.2f} s"


@bp.app_template_filter("longdate")
def longdate(iso: str | None) -> str:
    """'2024-05-01' -> '1 May 2024': how a newspaper prints dates."""
    if not iso:
        return ""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B} {day.year}"


bp.add_app_template_filter(how_label, "how")


@bp.app_template_filter("thousands")
def thousands(n: int) -> str:
    return f"{n:,}"


@bp.app_template_global("safe_url")
def safe_url_global(url: str | None) -> str | None:
    return safe_url(url)
