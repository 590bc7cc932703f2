"""The OpenAPI 3.1 description of the JSON API.

Written as Python so the limits come from the same constants the code uses.
tests/test_openapi.py validates real responses against it and schemathesis
fuzzes the live server with it, so it cannot drift from the code unnoticed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from search.copies import COPIES_LISTED
from search.limits import MAX_STORY_CHARS
from search.models import SearchRequest
from search.service import MAX_DEPTH, MAX_FILTER_VALUES, MAX_PER_PAGE

from search.facets import FACETS, NO_SECTION
from search.matched import SAMPLE

from . import openapi_article, openapi_matched, openapi_out
from .openapi_parts import AUTHORS as _AUTHORS
from .openapi_parts import DATE_PATTERN, DOC_ID_PATTERN, PUBLICATION
from .openapi_parts import NOT_MODIFIED as _NOT_MODIFIED
from .openapi_parts import NULLABLE_STRING as _NULLABLE_STRING
from .openapi_parts import TIMESTAMP as _TIMESTAMP
from .openapi_parts import UNAVAILABLE as _UNAVAILABLE
from .openapi_parts import error as _error
from .openapi_parts import json_response as _json
from .openapi_parts import ref as _ref
from .params import OPERATORS, SORTS

_SEARCH_UNAVAILABLE = _error(
    "No searchable index yet (code `index_unavailable`), or it is damaged and being rebuilt (code "
    "`index_unreadable`); or the search needs more than the server's time budget per search (code "
    "`query_too_expensive`: the message says what to narrow, e.g. a phrase of only very common words, "
    "a long word with ~2, a very wide ~N).")


def _schemas() -> dict[str, Any]:
    facet_value = {
        "type": "object",
        "additionalProperties": False,
        "required": ["value", "count", "selected"],
        "properties": {
            "value": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "selected": {"type": "boolean", "description": "Whether the request filters on it."},
        },
    }
    bucket = {
        "type": "object",
        "additionalProperties": False,
        "required": ["value", "count"],
        "properties": {
            "value": {"type": ["string", "null"],
                      "description": "'2024' or '2024-05'; null counts articles without a date."},
            "count": {"type": "integer", "minimum": 0},
        },
    }
    return {
        "Error": {
            "type": "object",
            "additionalProperties": False,
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code", "message", "param"],
                    "properties": {
                        "code": {"type": "string",
                                 "examples": ["bad_request", "not_found", "query_too_expensive"]},
                        "message": {"type": "string"},
                        "param": {**_NULLABLE_STRING,
                                  "description": "The offending query parameter, when there is one."},
                        "limit": {"type": "integer", "description": "413: the limit the request is over."},
                        "total": {"type": "integer", "description": "413: how many articles matched."},
                        "budget": {"type": "number",
                                   "description": "503 `query_too_expensive`: the seconds one search may take."},
                    },
                }
            },
        },
        "SearchRequest": {
            "type": "object",
            "description": "The request as understood, after defaults.",
            "additionalProperties": False,
            "required": ["q", "sections", "authors", "publications", "date_from", "date_to", "sort", "page",
                         "per_page", "operator", "exact", "indexed_since", "collapse", "story"],
            "properties": {
                "q": {"type": "string"},
                "sections": {"type": "array", "items": {"type": "string"}},
                "authors": {"type": "array", "items": {"type": "string"}},
                "publications": {"type": "array", "items": {"type": "string"}},
                "date_from": _NULLABLE_STRING,
                "date_to": _NULLABLE_STRING,
                "sort": {"enum": list(SORTS)},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "operator": {"enum": list(OPERATORS)},
                "exact": {"type": "boolean"},
                "indexed_since": _NULLABLE_STRING,
                "collapse": {"type": "boolean"},
                "story": _NULLABLE_STRING,
            },
        },
        "Hit": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "url", "title", "date", "section", "authors", "score", "snippet",
                         "title_html", "indexed_at", "changed_at", "publication", "matched", "story", "copies",
                         "same_story"],
            "properties": {
                "id": {"type": "string", "pattern": DOC_ID_PATTERN},
                "url": _NULLABLE_STRING,
                "title": {"type": "string"},
                "date": {**_NULLABLE_STRING, "description": "YYYY-MM-DD as published."},
                "section": _NULLABLE_STRING,
                "authors": _AUTHORS,
                "score": {"type": "number"},
                "snippet": {"type": "string",
                            "description": "Escaped HTML; the only tags are <mark> around matches."},
                "title_html": {"type": "string",
                               "description": "The title as escaped HTML with <mark> around matches."},
                "indexed_at": {**_TIMESTAMP, "description": "When the article first entered the index."},
                "changed_at": {**_TIMESTAMP, "description": "When its text or details last changed."},
                "story": {**_NULLABLE_STRING,
                          "description": "Its story cluster: copies of one story (syndication, near-duplicates) "
                                         "share it; pass it as story= to list them."},
                "copies": {"type": "integer", "minimum": 0,
                           "description": "Collapsed results: how many other articles of its story match "
                                          "the search (0 with collapse=false)."},
                "same_story": {"type": "array", "items": _ref("Copy"), "maxItems": COPIES_LISTED,
                               "description": f"Collapsed results: the first {COPIES_LISTED} of those copies, "
                                              "earliest published first (undated last)."},
                "publication": PUBLICATION,
                "matched": {"type": "array", "items": _ref("MatchedTerm"),
                            "description": "Why it matched: each query term that did, where and how."},
            },
        },
        "FacetValue": facet_value,
        "Bucket": bucket,
        "Facets": {
            "type": "object",
            "additionalProperties": False,
            "required": ["section", "author", "publication", "year", "month", "spellings", "timed_out"],
            "properties": {
                "section": {"type": "array", "items": _ref("FacetValue"),
                            "description": f"Ends with '{NO_SECTION}' (articles without one) when there are "
                                           "any, so the counts add up to the total; as a section= value it "
                                           "selects them."},
                "author": {"type": "array", "items": _ref("FacetValue")},
                "publication": {"type": "array", "items": _ref("FacetValue")},
                "year": {"type": "array", "items": _ref("Bucket")},
                "month": {"type": "array", "items": _ref("Bucket")},
                "spellings": {"type": "array", "items": _ref("Spelling"),
                              "description": "How the query's words are spelled in the results (read from "
                                             f"the first {SAMPLE} matches), with how many matches hold each."},
                "timed_out": {"type": "array",
                              "items": {"enum": [f.name for f in FACETS] + ["spellings"]},
                              "description": "Facets that ran out of their time limit; "
                                             "their lists are empty."},
            },
        },
        "SearchResponse": {
            "type": "object",
            "additionalProperties": False,
            "required": ["query", "total", "page", "per_page", "pages", "took_ms", "hits", "facets",
                         "suggestion", "warnings", "index", "stories"],
            "properties": {
                "query": _ref("SearchRequest"),
                "total": {"type": "integer", "minimum": 0, "description": "Matching articles."},
                "stories": {"type": "integer", "minimum": 0,
                            "description": "Story clusters among them (one hit each when collapsing, and "
                                           "then what pages counts). OpenSearch counts beyond 40,000 "
                                           "stories approximately."},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1},
                "pages": {"type": "integer", "minimum": 0},
                "took_ms": {"type": "number", "minimum": 0},
                "hits": {"type": "array", "items": _ref("Hit")},
                "facets": _ref("Facets"),
                "suggestion": {**_NULLABLE_STRING, "description": "A 'did you mean' query."},
                "warnings": {"type": "array", "items": {"type": "string"},
                             "description": "How a malformed query was read, facets skipped, etc."},
                "index": _ref("IndexState"),
            },
        },
        "IndexState": {
            "type": "object",
            "additionalProperties": False,
            "required": ["generation", "last_indexed"],
            "properties": {
                "generation": {"type": "string", "description": "The index state that answered."},
                "last_indexed": {**_TIMESTAMP,
                                 "description": "Time of its last indexing commit: pass it as indexed_since "
                                                "next time to get only what was indexed since."},
            },
        },
        "Stats": {
            "type": "object",
            "additionalProperties": False,
            "required": ["documents", "sections", "date_min", "date_max", "generation", "last_indexed"],
            "properties": {
                "documents": {"type": "integer", "minimum": 0},
                "sections": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["value", "count"],
                        "properties": {"value": {"type": "string"},
                                       "count": {"type": "integer", "minimum": 0}},
                    },
                },
                "date_min": _NULLABLE_STRING,
                "date_max": _NULLABLE_STRING,
                "generation": {"type": "string"},
                "last_indexed": {"type": "string", "description": "ISO 8601 UTC time of the live commit."},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {"enum": ["ok", "unavailable"]},
                "documents": {"type": "integer", "minimum": 0},
                "generation": {"type": "string"},
                "message": {"type": "string"},
            },
        },
    }


def _search_parameters() -> list[dict[str, Any]]:
    def query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": description, **extra}

    repeatable = {"style": "form", "explode": True}
    return [
        query("q", {"type": "string"},
              'Query text: words, "phrases", "phrase"~N, prefix*, word~ (fuzzy), -word, OR, '
              "field:word for title/body/section/author, date:2024-05."),
        query("section", {"type": "array", "items": {"type": "string"}},
              f"Only these sections (any of them; '{NO_SECTION}': articles without one); repeat the "
              f"parameter, up to {MAX_FILTER_VALUES} times.",
              **repeatable),
        query("author", {"type": "array", "items": {"type": "string"}},
              f"Only these authors (any of them); repeat the parameter, up to {MAX_FILTER_VALUES} times.",
              **repeatable),
        query("publication", {"type": "array", "items": {"type": "string"}},
              f"Only these publications (any of them); repeat the parameter, up to {MAX_FILTER_VALUES} times.",
              **repeatable),
        query("from", {"type": "string", "pattern": DATE_PATTERN},
              "Earliest publication date, inclusive: YYYY, YYYY-MM or YYYY-MM-DD (empty: no bound)."),
        query("to", {"type": "string", "pattern": DATE_PATTERN},
              "Latest publication date, inclusive: YYYY, YYYY-MM or YYYY-MM-DD (empty: no bound)."),
        query("sort", {"enum": list(SORTS), "default": "relevance"},
              "Result order; 'indexed' is newest-indexed first (for polling, with indexed_since)."),
        query("page", {"type": "integer", "minimum": 1, "default": 1},
              f"1-based page number; page x per_page may not exceed {MAX_DEPTH}."),
        query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                           "default": SearchRequest.per_page}, "Hits per page."),
        query("operator", {"enum": list(OPERATORS), "default": "and"},
              "How bare words combine: all of them (and) or any (or)."),
        query("exact", {"type": "boolean", "default": False},
              "Exact spelling: no accent folding, no stemming."),
        query("indexed_since", {"type": "string"},
              "Only articles first indexed at or after this ISO 8601 date or time (UTC when no zone is "
              "given), e.g. the index.last_indexed of a previous answer."),
        query("story", {"type": "string", "maxLength": MAX_STORY_CHARS},
              "Only the articles of this story cluster (a hit's story)."),
        query("collapse", {"type": "boolean", "default": True},
              "One hit per story cluster (its best-ranked article, with copies and same_story); "
              "false lists every article. Exports and feeds list every article."),
    ]


@cache
def openapi_document() -> dict[str, Any]:
    article_id = {"name": "id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": DOC_ID_PATTERN},
                  "description": "16 lowercase hexadecimal characters."}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "newsarchive",
            "version": "1.0.0",
            "description": "Full-text search over the newsroom's archive of published articles. "
                           "Every error is JSON: {\"error\": {\"code\", \"message\", \"param\"}}.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search articles",
                    "parameters": _search_parameters(),
                    "responses": {
                        "200": _json(_ref("SearchResponse"), "One page of ranked results with facets.",
                                     headers=True),
                        "304": _NOT_MODIFIED,
                        "400": _error("A parameter is malformed or out of range; 'param' names it."),
                        "503": _SEARCH_UNAVAILABLE,
                    },
                }
            },
            "/api/articles/{id}": {
                "get": {
                    "operationId": "getArticle",
                    "summary": "One article, full text",
                    "parameters": [article_id],
                    "responses": {
                        "200": _json(_ref("Article"), "The article.", headers=True),
                        "304": _NOT_MODIFIED,
                        "404": _error("No article has this id."),
                        "503": _UNAVAILABLE,
                    },
                }
            },
            "/api/stats": {
                "get": {
                    "operationId": "getStats",
                    "summary": "Index statistics",
                    "responses": {
                        "200": _json(_ref("Stats"), "What the live index holds.", headers=True),
                        "304": _NOT_MODIFIED,
                        "503": _UNAVAILABLE,
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Whether the index can be searched",
                    "responses": {
                        "200": _json(_ref("Health"), "Ready to search."),
                        "503": _json(_ref("Health"), "No searchable index."),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1 document.",
                                "content": {"application/json": {"schema": {"type": "object"}}}},
                        "304": _NOT_MODIFIED,
                    },
                }
            },
            **openapi_out.paths(_search_parameters()),
        },
        "components": {"schemas": {**_schemas(), **openapi_article.schemas(), **openapi_out.schemas(),
                                   **openapi_matched.schemas()}},
    }
