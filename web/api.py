"""The JSON API: the same search service as the pages, as JSON."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from flask import Blueprint, Response, current_app, jsonify, request

from search.models import IndexStats, StoredArticle
from search.ids import is_doc_id
from search import IndexMissing, IndexUnreadable

from . import params
from .context import EXTENSION, cached, service
from .errors import json_error
from .openapi import openapi_document

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)


class NotFound(Exception):
    pass


def _article_json(article: StoredArticle) -> dict[str, Any]:
    # ``source`` is a path on the indexing host: not for the public.
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "date": article.date,
        "section": article.section,
        "authors": article.authors,
        "publication": article.publication,
        "indexed_at": article.indexed_at,
        "changed_at": article.changed_at,
        "story": article.story,
        "body": article.body,
        "blocks": [{"kind": b.kind, "text": b.text} for b in article.blocks],
    }


def _stats_json(stats: IndexStats) -> dict[str, Any]:
    return {
        "documents": stats.documents,
        "sections": [{"value": s.value, "count": s.count} for s in stats.sections],
        "date_min": stats.date_min,
        "date_max": stats.date_max,
        "generation": stats.generation,
        "last_indexed": stats.last_indexed,
    }


def _not_found(doc_id: str) -> NoReturn:
    raise NotFound(doc_id)


@bp.errorhandler(NotFound)
def _article_missing(e: NotFound) -> Response:
    return json_error(404, "no article with this id", "id")


@bp.get("/api/search")
def search() -> Response:
    def build() -> Response:
        # ParamError / SearchError propagate to errors.py: 400 with ``param``.
        req = params.parse_search_args(request.args)
        response = service().search(req)
        response.warnings += [f"unknown parameter {name!r} was ignored"
                              for name in params.unknown_params(request.args)]
        return jsonify(response.to_dict())

    return cached(build)


@bp.get("/api/articles/<doc_id>")
def article(doc_id: str) -> Response:
    if not is_doc_id(doc_id):
        _not_found(doc_id)

    def build() -> Response:
        found = service().article(doc_id)
        if found is None:
            _not_found(doc_id)
        return jsonify(_article_json(found))

    return cached(build)


@bp.get("/api/stats")
def stats() -> Response:
    return cached(lambda: jsonify(_stats_json(service().stats())))


@bp.get("/api/openapi.json")
def openapi() -> Response:
    response = jsonify(openapi_document())
    # The document describes the code, not the index: cache it by content.
    response.add_etag()
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)


@bp.get("/healthz")
def healthz() -> Response:
    """200 only when a search would work: load balancers route on this."""
    try:
        summary = current_app.extensions[EXTENSION].summary()  # statistics once per generation
    except IndexMissing:
        response = jsonify({"status": "unavailable", "message": "no search index yet"})
        response.status_code = 503
    except IndexUnreadable as e:
        log.error("health check: index damaged: %s", e)
        response = jsonify({"status": "unavailable", "message": "the search index is damaged and must be rebuilt"})
        response.status_code = 503
    except Exception:  # any failure to read the index means "do not route here"
        log.exception("health check failed")
        response = jsonify({"status": "unavailable", "message": "the search index cannot be read"})
        response.status_code = 503
    else:
        response = jsonify({"status": "ok", "documents": summary.documents, "generation": summary.generation})
    response.headers["Cache-Control"] = "no-store"
    return response
