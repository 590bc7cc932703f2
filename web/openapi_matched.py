"""OpenAPI schemas of why a hit matched and of the spellings facet (``search.matched``)."""

from __future__ import annotations

from typing import Any

from search.matched import KINDS

from .openapi_parts import ref

_HOW = {"enum": list(KINDS),
        "description": "exact: as typed; case: but for case; accents: once accents are dropped; "
                       "transliteration: Cyrillic read as Latin (or back); stem: the same English stem; "
                       "fuzzy: within the word's edit distance (word~); prefix: word*; phrase: in a quoted phrase."}


def schemas() -> dict[str, Any]:
    return {
        "MatchedTerm": {
            "type": "object",
            "additionalProperties": False,
            "required": ["term", "fields", "words"],
            "properties": {
                "term": {"type": "string", "description": "The query term as written (elect*, \"a b\")."},
                "fields": {"type": "array", "items": {"enum": ["title", "body", "section", "author"]},
                           "description": "Where it matched."},
                "words": {"type": "array", "items": ref("MatchedWord"),
                          "description": "The article's words (or phrases) that matched it, as spelled there."},
            },
        },
        "MatchedWord": {
            "type": "object",
            "additionalProperties": False,
            "required": ["text", "how"],
            "properties": {"text": {"type": "string"}, "how": _HOW},
        },
        "Spelling": {
            "type": "object",
            "additionalProperties": False,
            "required": ["term", "text", "how", "count", "q"],
            "properties": {
                "term": {"type": "string", "description": "The query term it spells."},
                "text": {"type": "string", "description": "The spelling, as the articles write it."},
                "how": _HOW,
                "count": {"type": "integer", "minimum": 1,
                          "description": "Matches whose title or body holds this spelling (case ignored) "
                                         "and the query's other words as typed: what q finds with exact=true "
                                         "(for words joined by AND)."},
                "q": {"type": "string",
                      "description": "The query with the term so spelled: search it with exact=true to "
                                     "keep only this spelling."},
            },
        },
    }
