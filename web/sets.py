"""Citable result sets: save a search's whole result set, show exactly that set later.

``POST /api/sets`` (JSON: the /api/search parameters) or the search page's
button (``POST /sets``) stores the ordered ids of every match, with the query,
the order, the total, the index state and the time (``web.setstore``).
``GET /api/sets/<id>`` and ``/sets/<id>`` list that set, a page at a time,
after any reindex, and flag each article that has changed since (its
``changed_at`` is at or after the commit the set was taken from, see
``search.stamps``) or is no longer in the archive.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from search import stamps
from search.models import ArticleRow, ResultTooLarge, SearchRequest

from . import params
from .context import cached, service
from .errors import html_error, json_error, wants_json
from .setstore import RateLimited, SavedSet, SetStore, client_key

bp = Blueprint("sets", __name__)

#: Where ``create_app`` keeps the SetStore in ``app.extensions``.
EXTENSION = "newsarchive.sets"
SET_ID = re.compile(r"[A-Za-z0-9_-]{22}")
ITEMS_PER_PAGE = 100
MAX_ITEMS_PER_PAGE = 1000
STATUSES = ("unchanged", "changed", "removed", "unknown")
#: Whole-set status counts, by (set, index generation): sets never change, so
#: only a new generation can change their counts.
_SUMMARIES: OrderedDict[tuple[str, str], dict[str, int]] = OrderedDict()
_SUMMARIES_LOCK = threading.Lock()
_SUMMARIES_MAX = 256


def store() -> SetStore:
    return current_app.extensions[EXTENSION]


#: The JSON types of the body's members (``SetQuery`` in the OpenAPI document).
_BODY_TYPES: dict[str, type] = {"q": str, "section": list, "author": list, "publication": list, "from": str, "to": str,
                                "sort": str, "operator": str, "exact": bool, "indexed_since": str,
                                "story": str}


def _request_from_json(body: Any) -> SearchRequest:
    if not isinstance(body, dict):
        raise params.ParamError("the body must be a JSON object of /api/search parameters, "
                                'e.g. {"q": "oil", "section": ["Business"], "sort": "newest"}')
    multi: MultiDict[str, str] = MultiDict()
    for key, value in body.items():
        kind = _BODY_TYPES.get(key)
        if kind is None:
            raise params.ParamError(f"unknown parameter {key!r} (a saved set takes the search's filters "
                                    "and sort)", key)
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise params.ParamError(f"{key} must be a list of strings", key)
            for v in value:
                multi.add(key, v)
        elif kind is bool:
            if not isinstance(value, bool):
                raise params.ParamError(f"{key} must be true or false", key)
            multi.add(key, "true" if value else "false")
        elif not isinstance(value, str):
            raise params.ParamError(f"{key} must be a string", key)
        else:
            multi.add(key, value)
    return params.parse_search_args(multi)


def save(req: SearchRequest) -> SavedSet:
    """Run ``req`` over the whole archive and store its result set (rate- and size-limited)."""
    most, seconds = current_app.config["SETS_RATE"]
    client = client_key(request.remote_addr or "")
    now = stamps.now_ms()
    window = now - int(seconds * 1000)
    if store().count_since(client, window) >= most:
        raise RateLimited  # before the work, not only at the insert
    limit = int(current_app.config["EXPORT_MAX_ROWS"])
    try:
        found = service().export(req, ("id",), max_rows=limit)
    except ResultTooLarge as e:
        raise ResultTooLarge(e.total, e.limit, "a saved set") from None
    try:
        ids = [row.id for row in found.rows]
    finally:
        found.rows.close()  # type: ignore[attr-defined]
    query = params.to_query_pairs(replace(req, page=1, per_page=SearchRequest.per_page))
    return store().create(client=client, created_ms=now, query=query, sort=found.sort,
                          generation=found.index.generation, last_indexed=found.index.last_indexed,
                          ids=ids, rate=(most, window))


def _since(saved: SavedSet) -> str:
    """An article changed at or after this changed after the set was taken."""
    return saved.last_indexed or stamps.iso(saved.created_ms) or ""


def status(row: ArticleRow | None, since: str) -> str:
    if row is None:
        return "removed"
    if row.changed_at is None:
        return "unknown"  # an index older than stamps cannot tell
    return "changed" if row.changed_at >= since else "unchanged"


def summary(saved: SavedSet) -> dict[str, int]:
    """How many of the set's articles are unchanged, changed, removed (or unknown) now."""
    key = (saved.id, service().generation())
    with _SUMMARIES_LOCK:
        known = _SUMMARIES.get(key)
    if known is None:
        since = _since(saved)
        counts = Counter({s: 0 for s in STATUSES})
        counts.update(status(row, since) for row in service().rows(store().ids(saved.id), ("id", "changed_at")))
        known = dict(counts)
        with _SUMMARIES_LOCK:
            _SUMMARIES[key] = known
            while len(_SUMMARIES) > _SUMMARIES_MAX:
                _SUMMARIES.popitem(last=False)
    return known


def _query_dict(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if _BODY_TYPES.get(key) is list:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out


def _article(row: ArticleRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row.id, "url": row.url, "title": row.title, "date": row.date, "section": row.section,
            "authors": row.authors, "indexed_at": row.indexed_at, "changed_at": row.changed_at}


def _found(set_id: str) -> SavedSet:
    saved = store().get(set_id) if SET_ID.fullmatch(set_id) else None
    if saved is None:
        if wants_json():
            abort(json_error(404, "no saved result set with this id", "id"))
        abort(404)
    return saved


def view(saved: SavedSet) -> dict[str, Any]:
    """The set as the API and the page show it: its record, the counts, one page of items."""
    page = params.integer(request.args, "page", 1)
    per_page = params.integer(request.args, "per_page", ITEMS_PER_PAGE)
    if not 1 <= per_page <= MAX_ITEMS_PER_PAGE:
        raise params.ParamError(f"per_page must be between 1 and {MAX_ITEMS_PER_PAGE}", "per_page")
    if page < 1:
        raise params.ParamError("page must be 1 or more", "page")
    start = (page - 1) * per_page
    ids = store().ids(saved.id, start, start + per_page)
    rows = service().rows(ids)
    since = _since(saved)
    return {
        "id": saved.id,
        "url": url_for("sets.page", set_id=saved.id),
        "created": stamps.iso(saved.created_ms),
        "query": _query_dict(saved.query),
        "sort": saved.sort,
        "total": saved.total,
        "generation": saved.generation,
        "last_indexed": saved.last_indexed,
        "index": {"generation": (now := service().state()).generation, "last_indexed": now.last_indexed},
        "summary": summary(saved),
        "page": page,
        "per_page": per_page,
        "pages": math.ceil(saved.total / per_page) if saved.total else 0,
        "items": [{"position": start + n + 1, "id": i, "status": status(r, since), "article": _article(r)}
                  for n, (i, r) in enumerate(zip(ids, rows))],
    }


@bp.post("/api/sets")
def create() -> Response:
    if not request.is_json:
        return json_error(415, "send the search parameters as a JSON object (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if body is None:
        raise params.ParamError("the body is not valid JSON")
    saved = save(_request_from_json(body))
    url = url_for("sets.page", set_id=saved.id)
    response = jsonify({"id": saved.id, "url": url, "total": saved.total})
    response.status_code = 201
    response.headers["Location"] = url
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/sets")
def create_from_form() -> Response:
    saved = save(params.parse_search_args(request.form))
    return redirect(url_for("sets.page", set_id=saved.id), code=303)


@bp.get("/api/sets/<set_id>")
def show(set_id: str) -> Response:
    saved = _found(set_id)
    return cached(lambda: jsonify(view(saved)))


@bp.get("/sets/<set_id>")
def page(set_id: str) -> Response:
    saved = _found(set_id)

    def build() -> Response:
        shown = view(saved)
        number = shown["page"]
        return Response(render_template(
            "set.html", saved=shown,
            search_url=params.search_url(params.parse_search_args(MultiDict(saved.query))),
            prev_url=url_for("sets.page", set_id=saved.id, page=number - 1) if number > 1 else None,
            next_url=(url_for("sets.page", set_id=saved.id, page=number + 1)
                      if number < shown["pages"] else None)))

    return cached(build)


@bp.app_errorhandler(RateLimited)
def _rate_limited(_e: RateLimited) -> Response:
    most, seconds = current_app.config["SETS_RATE"]
    message = (f"too many saved result sets: at most {most} in {seconds // 60:g} minutes from one "
               "address; try again later")
    retry = {"Retry-After": str(int(seconds))}
    if wants_json():
        return json_error(429, message, headers=retry)
    response = html_error(429, "Too many saved sets", message)
    response.headers.update(retry)
    return response
