"""Plain records that cross layer borders: no engine objects, no Flask requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from .blocks import TextBlock
from .copies import Copy
from .counting import FacetCounter
from .deadline import NO_DEADLINE, Deadline, OutOfTime  # noqa: F401 - part of the records' vocabulary
from .matchinfo import MatchedTerm, MatchedWord, Spelling  # noqa: F401 - records of hits and responses

if TYPE_CHECKING:
    from .query.dates import DayRange

#: "indexed": newest-indexed first (see ``search.stamps``).
Sort = Literal["relevance", "newest", "oldest", "indexed"]
Operator = Literal["and", "or"]


@dataclass
class Article:
    """One article as extracted from a saved page, ready to be indexed.

    ``date`` is the publication time as published: timezone-aware when the page
    said which zone, naive otherwise (a bare date is midnight). Its calendar date
    (``date.date()``) is the date readers saw, never shifted to UTC.
    ``body`` holds paragraphs separated by blank lines; ``blocks`` the kind of
    each (``search.blocks``), stored beside it.
    """

    id: str
    url: str | None
    title: str
    body: str
    date: dt.datetime | None = None
    section: str | None = None
    authors: list[str] = field(default_factory=list)
    source: str = ""
    #: The newspaper, agency or site (see ``indexer.extract.publication``).
    publication: str | None = None
    blocks: list[str] = field(default_factory=list)  # one kind per paragraph of body
    #: A publication date the page claimed but that was not trusted (later than
    #: the time of indexing or before 1800), ISO; the indexer counts such pages.
    implausible_date: str | None = None
    #: The story cluster it belongs to, and the MinHash signature of its body
    #: that decided it (see ``indexer.stories``); set by the indexer.
    story: str | None = None
    signature: bytes = b""


@dataclass(frozen=True)
class SourceState:
    """What the indexer remembers about a file, to skip unchanged ones cheaply."""

    content_hash: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class KnownFile:
    """A source file the index holds an article of."""

    doc_id: str
    state: SourceState


@dataclass(frozen=True)
class KnownFailure:
    """A file that could not be indexed, remembered so that an unchanged one is
    not parsed again (see ``WriterSession.record_failure``)."""

    #: The SHA-1 of the file's bytes, or, when they could not be read, a token
    #: naming what stood in the way (e.g. ``unreadable:EACCES``): the same
    #: value on a later run means nothing changed.
    content_hash: str
    reason: str


@dataclass
class Sources:
    """What an index was built from: the roots given to the indexer (files or
    directories, rescanned by a run without paths), every indexed file and
    every file known to fail."""

    roots: list[str] = field(default_factory=list)
    files: dict[str, KnownFile] = field(default_factory=dict)  # source path -> what is indexed
    failures: dict[str, KnownFailure] = field(default_factory=dict)  # source path -> why it failed


def article_record(stored: Mapping[str, Any], **computed: Any) -> dict[str, Any]:
    """The fields every record of an article (StoredArticle, ArticleRow) has: id,
    url, title, date, section and publication as an engine stores them, the rest
    (authors, source, stamps) as ``computed`` by the engine from its own storage."""
    return {"id": stored["id"], "url": stored.get("url"), "title": stored.get("title") or "",
            "date": stored.get("date"), "section": stored.get("section") or None,
            "publication": stored.get("publication") or None, **computed}


@dataclass
class StoredArticle:
    """An article as read back from the index."""

    id: str
    url: str | None
    title: str
    body: str
    date: str | None  # YYYY-MM-DD
    section: str | None
    authors: list[str]
    source: str
    indexed_at: str | None  # ISO 8601 UTC (search.stamps); None in an index older than stamps
    changed_at: str | None
    story: str | None = None  # its story cluster; None in an index older than them
    publication: str | None = None  # None also in an index older than publications
    #: The body's paragraphs with their kinds (plain paragraphs in an index older than kinds).
    blocks: list[TextBlock] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchRequest:
    q: str = ""
    sections: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    publications: list[str] = field(default_factory=list)
    date_from: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    date_to: str | None = None
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 10
    operator: Operator = "and"
    exact: bool = False  # exact spelling: no accent folding, no stemming
    indexed_since: str | None = None  # ISO 8601 date or time: only articles first indexed then or later
    #: One hit per story (the best-ranked of its articles), see ``Hit.copies``.
    collapse: bool = True
    story: str | None = None  # only the articles of this story (``Hit.story``)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Hit:
    id: str
    url: str | None
    title: str
    date: str | None
    section: str | None
    authors: list[str]
    score: float
    snippet: str  # escaped HTML with <mark>
    title_html: str  # escaped HTML with <mark>
    indexed_at: str | None  # ISO 8601 UTC, see search.stamps
    changed_at: str | None
    story: str | None = None  # its story cluster (``SearchRequest.story``)
    #: Collapsed results only: how many other articles of its story match the
    #: search, and the first ``COPIES_LISTED`` of them, earliest first (undated last).
    copies: int = 0
    same_story: list[Copy] = field(default_factory=list)
    publication: str | None = None
    #: Why it matched: per query term, the fields and the article's words (search.matched).
    matched: list[MatchedTerm] = field(default_factory=list)


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
    publication: list[FacetValue] = field(default_factory=list)
    year: list[Bucket] = field(default_factory=list)
    month: list[Bucket] = field(default_factory=list)
    #: Spellings of the query's words in the result set (``search.matched.SpellingFacet``).
    spellings: list[Spelling] = field(default_factory=list)
    #: Facets that ran out of their time limit (their lists are left empty).
    timed_out: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IndexState:
    """Which state of the index answered, and the time of its last indexing commit.

    ``last_indexed`` (ISO 8601 UTC, milliseconds) is a safe ``indexed_since``
    cursor for the next poll (see ``search.stamps``); None when unknown.
    """

    generation: str
    last_indexed: str | None


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
    index: IndexState
    #: Story clusters among the ``total`` matching articles (one hit each when
    #: collapsing; ``pages`` then counts stories).
    stories: int = 0

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


def plain(value: Any) -> Any:
    """``dataclasses.asdict`` for records whose leaves are strings, numbers and
    None: the same dicts and lists in half the time (no deep copy of each
    leaf); it was most of what a search's JSON cost."""
    names = _FIELD_NAMES.get(type(value))
    if names is None and hasattr(type(value), "__dataclass_fields__"):
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


@dataclass(frozen=True)
class ValidRequest:
    """A request that passed validation, as an engine is asked it."""

    request: SearchRequest  # normalised: q stripped, filter values deduplicated
    days: DayRange | None  # the date_from..date_to filter
    filters: dict[str, list[str]]  # value field ("section", "author", "publication") -> selected values
    indexed_since: int | None = None  # epoch ms: only articles first indexed at or after it
    #: When the engine must stop working on it (raising :class:`OutOfTime`).
    deadline: Deadline = NO_DEADLINE


@dataclass
class Answer:
    """An engine's answer to one search, before the product adds facets and timing."""

    total: int
    hits: list[Hit]
    sort: Sort  # the order used (relevance without any ranked word is newest)
    suggestion: str | None
    warnings: list[str]  # how the engine read the query (parse warnings come first)
    counts: FacetCounter  # counts the facets over this search's matches
    index: IndexState  # the index state that answered
    stories: int = 0  # story clusters among the matches (``SearchResponse.stories``)
    #: For each hit: field -> the article's words (or phrases) its highlighting
    #: marked, distinct, as spelled; ``search.matched`` says how each matched.
    surfaces: list[dict[str, list[str]]] = field(default_factory=list)


#: Every field a row (:class:`ArticleRow`) can carry, in export column order.
ROW_FIELDS = ("id", "url", "title", "date", "section", "authors", "source", "indexed_at",
              "changed_at", "score", "publication")


@dataclass
class ArticleRow:
    """An article without its text, as an export or a saved set lists it.

    A field the caller did not ask for may be left None (``authors`` empty).
    """

    id: str
    url: str | None = None
    title: str | None = None
    date: str | None = None
    section: str | None = None
    authors: list[str] = field(default_factory=list)
    source: str | None = None
    indexed_at: str | None = None
    changed_at: str | None = None
    score: float | None = None  # relevance order only
    publication: str | None = None


@dataclass
class Export:
    """A whole result set, ready to stream (see ``Engine.export``).

    ``rows`` yields every match in order; close it (``rows.close()``) when
    stopping early, so the engine can let go of the index state it holds.
    """

    total: int
    sort: Sort
    index: IndexState
    rows: Iterator[ArticleRow]
    warnings: list[str] = field(default_factory=list)  # how the query was read


class SearchError(ValueError):
    """A request that cannot be answered at all (HTTP 400 / CLI exit 2).

    ``param`` names the offending request parameter when there is one.
    """

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param


class ResultTooLarge(SearchError):
    """A whole result set asked for (export, saved set) holds more than ``limit``
    articles (HTTP 413): nothing is cut short silently."""

    def __init__(self, total: int, limit: int, what: str = "an export"):
        super().__init__(f"{total:,} articles match, more than the {limit:,} {what} may hold: "
                         "narrow the search", None)
        self.total = total
        self.limit = limit


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
