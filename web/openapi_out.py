"""The OpenAPI description of the routes that take results away: export, saved sets, feed, metrics.

Merged into the one document by :mod:`web.openapi`.
"""

from __future__ import annotations

from typing import Any

from search.limits import MAX_FILTER_VALUES
from search.models import ROW_FIELDS

from .openapi_parts import (AUTHORS, DATE_PATTERN, DOC_ID_PATTERN, NOT_MODIFIED, NULLABLE_STRING, TIMESTAMP,
                            UNAVAILABLE, error, json_response, ref)
from .params import FILTER_PARAMS, OPERATORS, SORTS

SET_ID_PATTERN = r"^[A-Za-z0-9_-]{22}$"
_FIELDS_PATTERN = "^(({0})(,({0}))*)?$".format("|".join(ROW_FIELDS))
_STATUSES = ["unchanged", "changed", "removed", "unknown"]


def _integer(minimum: int, maximum: int | None = None) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, **({"maximum": maximum} if maximum else {})}


def schemas() -> dict[str, Any]:
    article = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "url", "title", "date", "section", "authors", "indexed_at", "changed_at"],
        "properties": {
            "id": {"type": "string", "pattern": DOC_ID_PATTERN},
            "url": NULLABLE_STRING, "title": {"type": "string"}, "date": NULLABLE_STRING,
            "section": NULLABLE_STRING, "authors": AUTHORS, "indexed_at": TIMESTAMP, "changed_at": TIMESTAMP,
        },
    }
    return {
        "SetQuery": {
            "type": "object",
            "description": "The /api/search parameters of a result set (its page does not matter).",
            "additionalProperties": False,
            "properties": {
                "q": {"type": "string"},
                "section": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_FILTER_VALUES},
                "author": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_FILTER_VALUES},
                "publication": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_FILTER_VALUES},
                "from": {"type": "string", "pattern": DATE_PATTERN},
                "to": {"type": "string", "pattern": DATE_PATTERN},
                "sort": {"enum": list(SORTS)},
                "operator": {"enum": list(OPERATORS)},
                "exact": {"type": "boolean"},
                "indexed_since": {"type": "string"},
                "story": {"type": "string"},
            },
        },
        "SetCreated": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "url", "total"],
            "properties": {
                "id": {"type": "string", "pattern": SET_ID_PATTERN},
                "url": {"type": "string", "description": "The set's page (also in Location)."},
                "total": {"type": "integer", "minimum": 0},
            },
        },
        "SetArticle": article,
        "SavedSet": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "url", "created", "query", "sort", "total", "generation", "last_indexed",
                         "index", "summary", "page", "per_page", "pages", "items"],
            "properties": {
                "id": {"type": "string", "pattern": SET_ID_PATTERN},
                "url": {"type": "string"},
                "created": {"type": "string", "format": "date-time"},
                "query": {"type": "object", "description": "As saved (see SetQuery)."},
                "sort": {"enum": list(SORTS), "description": "The order used."},
                "total": {"type": "integer", "minimum": 0},
                "generation": {"type": "string", "description": "The index state the set was taken from."},
                "last_indexed": {**TIMESTAMP, "description": "The time of that state's last indexing commit."},
                "index": ref("IndexState"),
                "summary": {
                    "type": "object", "additionalProperties": False, "required": _STATUSES,
                    "properties": {s: {"type": "integer", "minimum": 0} for s in _STATUSES},
                    "description": "How many of the set's articles are in each status now.",
                },
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 0},
                "items": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["position", "id", "status", "article"],
                    "properties": {
                        "position": {"type": "integer", "minimum": 1},
                        "id": {"type": "string"},
                        "status": {"enum": _STATUSES,
                                   "description": "changed: changed_at is at or after the set's last_indexed; "
                                                  "removed: no longer in the archive; unknown: the index "
                                                  "predates change tracking."},
                        "article": {"oneOf": [ref("SetArticle"), {"type": "null"}],
                                    "description": "As the archive holds it now; null once removed."},
                    },
                }},
            },
        },
    }


def _text(media_type: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def paths(search_parameters: list[dict[str, Any]]) -> dict[str, Any]:
    by_name = {p["name"]: p for p in search_parameters}
    filters = [by_name[name] for name in FILTER_PARAMS]
    bad = error("A parameter is malformed, unknown or out of range; 'param' names it.")
    export_headers = {name: {"required": True, "schema": {"type": "string"}, "description": text}
                      for name, text in [("X-Total-Count", "How many rows the body holds."),
                                         ("X-Index-Generation", "The index state the rows come from."),
                                         ("Content-Disposition", "attachment; a file name made of the query "
                                                                 "and the generation.")]}
    return {
        "/api/export": {"get": {
            "operationId": "export",
            "summary": "Every matching article, streamed in the search's order",
            "description": "Not capped at the 10,000 results a search can page to.",
            "parameters": [*filters, by_name["sort"],
                           {"name": "format", "in": "query", "required": False,
                            "schema": {"enum": ["ndjson", "csv"], "default": "ndjson"},
                            "description": "NDJSON (authors a list) or CSV (RFC 4180, UTF-8, header row, "
                                           "authors joined with '; ', formula cells neutralised)."},
                           {"name": "fields", "in": "query", "required": False,
                            "schema": {"type": "string", "pattern": _FIELDS_PATTERN},
                            "description": "Columns, comma-separated (empty or absent: all but "
                                           "changed_at and publication; score in relevance order only)."}],
            "responses": {
                "200": {"description": "The rows.", "headers": export_headers, "content": {
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}}}},
                "400": bad,
                "413": error("More articles match than an export may hold; 'limit' and 'total' say how many."),
                "503": UNAVAILABLE,
            },
        }},
        "/api/sets": {"post": {
            "operationId": "saveSet",
            "summary": "Save a search's whole result set, to cite it",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("SetQuery")}}},
            "responses": {
                "201": {**json_response(ref("SetCreated"), "Saved."),
                        "headers": {"Location": {"schema": {"type": "string"}, "required": True}}},
                "400": bad,
                "413": error("The set would hold more articles than allowed, or the body is too large."),
                "415": error("The body is not JSON."),
                "429": error("Too many sets saved from this address lately (see Retry-After)."),
                "503": UNAVAILABLE,
            },
        }},
        "/api/sets/{id}": {"get": {
            "operationId": "getSet",
            "summary": "A saved result set, a page at a time, each article flagged if changed or removed since",
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": SET_ID_PATTERN}},
                {"name": "page", "in": "query", "required": False, "schema": {**_integer(1), "default": 1}},
                {"name": "per_page", "in": "query", "required": False,
                 "schema": {**_integer(1, 1000), "default": 100}},
            ],
            "responses": {
                "200": json_response(ref("SavedSet"), "The set.", headers=True),
                "304": NOT_MODIFIED,
                "400": bad,
                "404": error("No saved set has this id."),
                "503": UNAVAILABLE,
            },
        }},
        "/feed.atom": {"get": {
            "operationId": "feed",
            "summary": "The search's 50 most recently indexed articles, as an Atom 1.0 feed",
            "parameters": filters,
            "responses": {
                "200": _text("application/atom+xml", "Atom 1.0 (RFC 4287), newest-indexed first."),
                "304": NOT_MODIFIED,
                "400": bad,
                "503": UNAVAILABLE,
            },
        }},
        "/metrics": {"get": {
            "operationId": "metrics",
            "summary": "Prometheus metrics (text format)",
            "responses": {"200": _text("text/plain", "Requests, latencies, searches, the index's state.")},
        }},
    }
