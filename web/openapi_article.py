"""OpenAPI schemas of an article as ``/api/articles/<id>`` returns it: its typed
blocks (``search.blocks``), and another copy of its story (``search.copies``)."""

from __future__ import annotations

from typing import Any

from search.blocks import KINDS

from .openapi_parts import AUTHORS, DOC_ID_PATTERN, NULLABLE_STRING, PUBLICATION, TIMESTAMP, ref


def schemas() -> dict[str, Any]:
    return {
        "Article": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "url", "title", "date", "section", "authors", "publication", "indexed_at",
                         "changed_at", "story", "body", "blocks"],
            "properties": {
                "id": {"type": "string", "pattern": DOC_ID_PATTERN},
                "url": NULLABLE_STRING,
                "title": {"type": "string"},
                "date": NULLABLE_STRING,
                "section": NULLABLE_STRING,
                "authors": AUTHORS,
                "publication": PUBLICATION,
                "indexed_at": {**TIMESTAMP, "description": "When the article first entered the index."},
                "changed_at": {**TIMESTAMP, "description": "When its text or details last changed."},
                "story": {**NULLABLE_STRING, "description": "Its story cluster (see Hit.story)."},
                "body": {"type": "string", "description": "Plain text; paragraphs separated by blank lines."},
                "blocks": {
                    "type": "array",
                    "description": "The paragraphs of body, in order, each with how the page set it: a "
                                   "subheading, an item of a bulleted or numbered list, a block quote, or a "
                                   "paragraph (every one, for an article indexed before kinds were recorded).",
                    "items": ref("TextBlock"),
                },
            },
        },
        "TextBlock": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "text"],
            "properties": {"kind": {"type": "string", "enum": list(KINDS)}, "text": {"type": "string"}},
        },
        "Copy": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "url", "date", "publication"],
            "description": "Another article of a hit's story.",
            "properties": {
                "id": {"type": "string", "pattern": DOC_ID_PATTERN},
                "url": NULLABLE_STRING,
                "date": {**NULLABLE_STRING, "description": "YYYY-MM-DD as published."},
                "publication": {**NULLABLE_STRING, "description": "Its publication, when the index records one."},
            },
        },
    }
