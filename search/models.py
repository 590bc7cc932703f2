"""Plain records that cross layer borders: no Whoosh objects, no Flask requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Sort = Literal["relevance", "newest", "oldest"]
Operator = Literal["and", "or"]


@dataclass
class Article:
    """One article as extracted from a saved page, ready to be indexed.

    ``date`` is the publication time as published: timezone-aware when the page
    said which zone, naive otherwise (a bare date is midnight). Its calendar date
    (``date.date()``) is the date readers saw, never shifted to UTC.
    ``body`` holds paragraphs separated by blank lines.
    """

    id: str
    url: str | None
    title: str
    body: str
    date: dt.datetime | None = None
    section: str | None = None
    authors: list[str] = field(default_factory=list)
    source: str = ""
    #: A publication date the page claimed but that was not trusted (later than
    #: the time of indexing or before 1800), ISO; the indexer counts such pages.
    implausible_date: str | None = None


@dataclass
class StoredArticle:
    """An article as read back from the index."""

    id: str
    url: str | None
    title: str
    body: str
    date: str | None  # YYYY-MM-DD
    section: str | None
    author: str | None  # authors joined with ", "
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchRequest:
    q: str = ""
    sections: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    date_from: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    date_to: str | None = None
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 10
    operator: Operator = "and"
    exact: bool = False  # exact spelling: no accent folding, no stemming

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Hit:
    id: str
    url: str | None
    title: str
    date: str | None
    section: str | None
    author: str | None
    score: float
    snippet: str  # escaped HTML with <mark>
    title_html: str  # escaped HTML with <mark>


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass
class Bucket:
    value: str | None  # "2025" or "2025-05"; None for articles without a date
    count: int


@dataclass
class Facets:
    section: list[FacetValue] = field(default_factory=list)
    author: list[FacetValue] = field(default_factory=list)
    year: list[Bucket] = field(default_factory=list)
    month: list[Bucket] = field(default_factory=list)


@dataclass
class SearchResponse:
    query: SearchRequest
    total: int
    page: int
    per_page: int
    pages: int
    took_ms: float
    hits: list[Hit]
    facets: Facets
    suggestion: str | None
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SearchError(ValueError):
    """A request that cannot be answered at all (HTTP 400 / CLI exit 2).

    ``param`` names the offending request parameter when there is one.
    """

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param


@dataclass
class IndexStats:
    documents: int
    sections: list[FacetValue]  # every section with its article count (selected=False)
    date_min: str | None
    date_max: str | None
    generation: str  # "<generation dir>.<commit>": changes whenever the index changes
    last_indexed: str  # ISO 8601 UTC time of the live commit
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
