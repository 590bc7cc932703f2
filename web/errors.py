"""Error responses: JSON under /api and /healthz, site-styled HTML elsewhere.

Every failure is turned into a response here, so no traceback or Werkzeug
default page ever reaches a client, whatever the debug setting.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.models import ResultTooLarge, SearchError
from search import IndexError_, IndexMissing, IndexUnreadable, QueryTooExpensive, UnsafeIndex

from .params import as_query_error

log = logging.getLogger(__name__)

#: Machine-readable codes for the JSON error body, by HTTP status.
CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "index_unavailable",
}


#: Machine-read routes outside /api: their errors are JSON too.
_MACHINE_ROUTES = ("/healthz", "/feed.atom", "/metrics")


def wants_json() -> bool:
    path = request.path
    return path == "/api" or path.startswith("/api/") or path in _MACHINE_ROUTES


def json_error(status: int, message: str, param: str | None = None,
               headers: dict[str, str] | None = None, code: str | None = None, **details: float) -> Response:
    """The one error shape; ``details`` (e.g. ``limit``, ``total``, ``budget``) join it for scripts."""
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message, "param": param, **details}}
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def html_error(status: int, title: str, message: str) -> Response:
    response = Response(render_template("error.html", status=status, title=title, message=message),
                        status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _http_error(e: HTTPException) -> Response:
    status = e.code or 500
    # Keep protocol headers such as Allow on 405, but not Werkzeug's content type.
    headers = {k: v for k, v in e.get_headers() if k.lower() != "content-type"}
    if wants_json():
        message = "no such API endpoint" if status == 404 else (e.description or e.name)
        return json_error(status, message, headers=headers)
    titles = {404: "Page not found", 405: "Method not allowed"}
    messages = {404: "There is no page at this address. It may have moved, or the link may be mistyped."}
    response = html_error(status, titles.get(status, e.name), messages.get(status, e.description or e.name))
    for name, value in headers.items():
        response.headers[name] = value
    return response


def _search_error(e: SearchError) -> Response:
    e = as_query_error(e)
    if wants_json():
        return json_error(400, e.message, e.param)
    return html_error(400, "Bad request", e.message)


def _too_expensive(e: QueryTooExpensive) -> Response:
    # The server's limit, not a malformed request: 503, with what to narrow.
    if wants_json():
        return json_error(503, e.message, "q", code="query_too_expensive", budget=e.budget)
    return html_error(503, "Search too expensive", e.message)


def _too_large(e: ResultTooLarge) -> Response:
    if wants_json():
        return json_error(413, e.message, e.param, limit=e.limit, total=e.total)
    return html_error(413, "Too many results", e.message)


def _index_error(e: IndexError_) -> Response:
    code, title = None, "Index unavailable"
    if isinstance(e, IndexUnreadable):
        # Which file is damaged is for the operator (the log), not the public.
        log.error("index damaged: %s; rebuild it with: newsarchive index --rebuild", e)
        code, title = "index_unreadable", "Archive under repair"
        message = ("The search index is damaged and is being repaired. "
                   "Searching will work again once it has been rebuilt; please try again later.")
    elif isinstance(e, UnsafeIndex):
        # The path and the fix belong in the server log, not on a public page.
        log.error("refusing to open index: %s", e)
        message = "The search index is misconfigured; the server log says how to fix it."
    elif isinstance(e, IndexMissing):
        message = "There is no search index yet. It will appear here once the archive has been indexed."
    else:
        log.error("index unavailable: %s", e)
        message = "The search index is unavailable right now. Please try again shortly."
    if wants_json():
        return json_error(503, message, headers={"Retry-After": "30"}, code=code)
    response = html_error(503, "No index yet" if isinstance(e, IndexMissing) else title, message)
    response.headers["Retry-After"] = "30"
    return response


def _unexpected(e: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500, "internal server error")
    return html_error(500, "Something went wrong",
                      "The server hit an unexpected error. It has been logged; please try again.")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(QueryTooExpensive, _too_expensive)
    app.register_error_handler(ResultTooLarge, _too_large)
    app.register_error_handler(IndexError_, _index_error)
    app.register_error_handler(Exception, _unexpected)
