"""The Flask application factory: configuration, blueprints, error pages, security headers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import os

from flask import Flask, Response, request
from flask_cors import CORS

from search import IndexUnavailable, absolute_target, default_index_target, display_target, index_ready
from search.limits import MAX_EXPORT_ROWS, search_budget

from . import api, errors, export, feed, metrics, params, sets, views
from .context import EXTENSION, ServiceHolder
from .setstore import SetStore, checked_data_dir

log = logging.getLogger(__name__)

#: No inline script or style anywhere: the chart is styled from style.css and
#: enhance.js is a file, so the policy can forbid everything inline.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


#: The read-only routes other sites' scripts may call (CORS, GET only).
READ_ONLY_ROUTES = [r"^/api/(search|export|stats|openapi\.json)$", r"^/api/articles/[^/]+$",
                    r"^/api/sets/[^/]+$", r"^/feed\.atom$", r"^/healthz$"]
#: Response headers a cross-origin script may read.
EXPOSED_HEADERS = ["ETag", "X-Total-Count", "X-Index-Generation", "Content-Disposition"]


def _check_query_string() -> None:
    params.check_query_string(request.query_string)


def create_app(index_dir: Path | str | None = None, *, config: dict[str, Any] | None = None) -> Flask:
    """Build the app; raises UnsafeIndex when others could write the index,
    BadIndexTarget for a malformed index URL, and DataDirError when the data
    directory would be inside the index."""
    target = absolute_target(index_dir if index_dir is not None else default_index_target())
    # Refuses to start (UnsafeIndex, BadIndexTarget) rather than read an index others could write.
    try:
        if not index_ready(target):
            log.warning("no index at %s yet; serving 'no index' pages until it appears", display_target(target))
    except IndexUnavailable as e:  # a cluster that is down now may be back soon
        log.warning("%s; answering 503 until it can be reached", e)

    app = Flask(__name__)
    app.config.update(
        DEBUG=False,
        JSON_SORT_KEYS=False,
        FACET_TIME_LIMIT=0.5,
        # Seconds a search may take (None: $NEWSARCHIVE_SEARCH_BUDGET, else 2; 0: no limit).
        SEARCH_BUDGET=None,
        # Search pages change only when the index does; clients revalidate
        # with the generation-derived ETag instead of trusting an age.
        CACHE_CONTROL="public, no-cache",
        # Most rows one export (or saved set) may hold (over it: 413 naming the limit and the total).
        EXPORT_MAX_ROWS=int(os.environ.get("NEWSARCHIVE_EXPORT_MAX_ROWS") or MAX_EXPORT_ROWS),
        # Where the server may write (saved result sets): beside the index, never inside it.
        DATA_DIR=os.environ.get("NEWSARCHIVE_DATA_DIR") or None,
        # Saved result sets one client address may create: (how many, per seconds).
        SETS_RATE=(int(os.environ.get("NEWSARCHIVE_SETS_PER_HOUR") or 30), 3600),
        # Request bodies (the JSON of POST /api/sets) are small.
        MAX_CONTENT_LENGTH=64 * 1024,
        # Origins whose scripts may call the read-only API: "*" or a comma-separated list.
        CORS_ORIGINS=os.environ.get("NEWSARCHIVE_CORS_ORIGINS") or "*",
    )
    app.config.update(config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # Autoescaping is on for .html templates (Flask's default); these only
    # tidy the whitespace that block tags leave behind.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # A bad budget stops the app here, not at its first search.
    budget = search_budget(app.config["SEARCH_BUDGET"])
    app.extensions[EXTENSION] = ServiceHolder(target, float(app.config["FACET_TIME_LIMIT"]), budget,
                                              metrics.MeteredService)
    app.extensions[sets.EXTENSION] = SetStore(checked_data_dir(target, app.config["DATA_DIR"]))

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(feed.bp)
    app.register_blueprint(sets.bp)
    metrics.register(app)  # first, so that requests refused below are counted too
    app.before_request(_check_query_string)
    origins = str(app.config["CORS_ORIGINS"])
    CORS(app, resources=READ_ONLY_ROUTES, methods=["GET"], allow_headers=["If-None-Match"],
         expose_headers=EXPOSED_HEADERS, max_age=86400,
         origins="*" if origins.strip() == "*" else [o.strip() for o in origins.split(",") if o.strip()],
         send_wildcard=origins.strip() == "*")
    errors.register(app)
    app.after_request(_security_headers)
    return app
