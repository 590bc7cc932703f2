"""``GET /feed.atom``: a search as an Atom 1.0 feed (RFC 4287) of the articles most recently indexed.

Alerts without accounts: a journalist pastes the feed of a search into any
feed reader and is told when new matching stories enter the archive. Each
entry's ``updated`` is when the article entered the index, ``published`` its
publication date; entries come newest-indexed first. The feed changes only
when the index does, so readers revalidate it with the generation's ETag.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

from flask import Blueprint, Response, current_app, request, url_for

from search.models import Hit, IndexState, SearchRequest

from . import params
from .context import cached, service
from .views import safe_url

bp = Blueprint("feed", __name__)

#: Entries in a feed: the articles most recently added that match.
FEED_ENTRIES = 50
MEDIA_TYPE = "application/atom+xml"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _stamp(iso: str | None, fallback: str) -> str:
    return iso or fallback


def _title(req: SearchRequest) -> str:
    parts = [f"“{req.q}”" if req.q else "all articles"]
    if req.sections:
        parts.append("in " + ", ".join(req.sections))
    if req.authors:
        parts.append("by " + ", ".join(req.authors))
    if req.date_from or req.date_to:
        parts.append(f"published {req.date_from or '…'} to {req.date_to or '…'}")
    return "The Newsroom Archive: " + " ".join(parts)


def _entry_id(hit: Hit) -> str:
    url = safe_url(hit.url)
    if url:
        return url
    authority = current_app.config.get("FEED_TAG_AUTHORITY") or request.host.split(":")[0]
    return f"tag:{authority},2024:article:{hit.id}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom(req: SearchRequest, hits: list[Hit], index: IndexState) -> bytes:
    """The feed document. ElementTree escapes every text and attribute; characters
    XML cannot carry at all are dropped (``xml_text``)."""
    fallback = index.last_indexed or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", request.url)
    _add(feed, "title", _title(req))
    _add(feed, "updated", max((_stamp(h.indexed_at, fallback) for h in hits), default=fallback))
    _add(_add(feed, "author"), "name", "The Newsroom Archive")  # entries without a byline fall back to it
    _add(feed, "link", href=request.url, rel="self", type=MEDIA_TYPE)
    _add(feed, "link", href=url_for("pages.search", _external=True, **params.url_args(req)), rel="alternate",
         type="text/html")
    _add(feed, "generator", "newsarchive")
    for hit in hits:
        entry = _add(feed, "entry")
        _add(entry, "id", _entry_id(hit))
        _add(entry, "title", hit.title or hit.id, type="text")
        _add(entry, "link", href=url_for("pages.article", doc_id=hit.id, _external=True), rel="alternate",
             type="text/html")
        original = safe_url(hit.url)
        if original:
            _add(entry, "link", href=original, rel="related")
        if hit.date:
            _add(entry, "published", f"{hit.date}T00:00:00Z")
        _add(entry, "updated", _stamp(hit.indexed_at, fallback))
        for name in hit.authors:
            if xml_text(name).strip():
                _add(_add(entry, "author"), "name", name)
        if hit.section:
            _add(entry, "category", term=hit.section)
        # The snippet is escaped HTML with <mark>: carried as html, escaped once more as XML text.
        _add(entry, "summary", hit.snippet, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@bp.get("/feed.atom")
def feed() -> Response:
    unknown = params.unknown_params(request.args, params.FILTER_PARAMS)
    if unknown:
        raise params.ParamError(f"unknown parameter {unknown[0]!r} (a feed takes the search's filters)",
                                unknown[0])

    def build() -> Response:
        # Every article, copies of a story included: a feed follows what was indexed.
        req = replace(params.parse_search_args(request.args), sort="indexed", page=1, per_page=FEED_ENTRIES,
                      collapse=False)
        found = service().search(req, with_facets=False)
        shown = replace(req, sort=SearchRequest.sort, per_page=SearchRequest.per_page,
                        collapse=SearchRequest.collapse)
        return Response(atom(shown, found.hits, found.index), mimetype=MEDIA_TYPE)

    return cached(build)
