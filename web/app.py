"""The Flask application factory: configuration, blueprints, error pages, security headers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response

from search import absolute_target, default_index_target, index_ready
from search.limits import search_budget

from . import api, errors, views
from .context import EXTENSION, ServiceHolder

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


def create_app(index_dir: Path | str | None = None, *, config: dict[str, Any] | None = None) -> Flask:
    """Build the app; raises UnsafeIndex when others could write the index."""
    target = absolute_target(index_dir if index_dir is not None else default_index_target())
    # Refuses to start (UnsafeIndex) rather than read an index others could write.
    if not index_ready(target):
        log.warning("no index at %s yet; serving 'no index' pages until it appears", target)

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
    )
    app.config.update(config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # Autoescaping is on for .html templates (Flask's default); these only
    # tidy the whitespace that block tags leave behind.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # A bad budget stops the app here, not at its first search.
    budget = search_budget(app.config["SEARCH_BUDGET"])
    app.extensions[EXTENSION] = ServiceHolder(target, float(app.config["FACET_TIME_LIMIT"]), budget)

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    errors.register(app)
    app.after_request(_security_headers)
    return app
