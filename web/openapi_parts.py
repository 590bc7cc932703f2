"""Pieces the OpenAPI document's modules share (``openapi``, ``openapi_article``, ``openapi_out``...)."""

from __future__ import annotations

from typing import Any

#: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD', as search/query/dates.py reads them; empty
#: (as the web form submits an unfilled field) means no bound.
DATE_PATTERN = r"^([0-9]{4}(-[0-9]{1,2}(-[0-9]{1,2})?)?)?$"
DOC_ID_PATTERN = r"^[0-9a-f]{16}$"

NULLABLE_STRING = {"type": ["string", "null"]}
#: search.stamps' times: ISO 8601 UTC with milliseconds; null in an index older than them.
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
AUTHORS = {"type": "array", "items": {"type": "string"}, "description": "As the article names them, in order."}
PUBLICATION = {**NULLABLE_STRING, "description": "The newspaper, agency or site it was published by."}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict[str, Any], description: str, headers: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = {
            "ETag": {"description": "Changes whenever the index (or the software) does.",
                     "schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string"}},
        }
    return response


def error(description: str) -> dict[str, Any]:
    return json_response(ref("Error"), description)


NOT_MODIFIED = {"description": "The client's copy (If-None-Match) is still current."}
UNAVAILABLE = error("No searchable index yet (code `index_unavailable`), or it is damaged and "
                    "being rebuilt (code `index_unreadable`).")
