"""Request and query limits, and the validation that enforces the request's.

Every engine answers within the same limits: the paging cap, the number of
filter values, the query length, how far prefixes and fuzzy words may
expand (an engine reads the expansion caps from here when it expands them),
and the time budget of one search (the engine stops at the request's
deadline; :func:`too_expensive` says what to narrow).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import replace
from typing import get_args

from .errors import QueryTooExpensive
from .facets import VALUE_FILTERS
from . import stamps
from .models import Operator, SearchError, SearchRequest, Sort, ValidRequest
from .query import Junction, Negation, Node, Phrase, Word, dates
from .text import STOP_WORDS, TOKEN_PATTERN, fold

MAX_PER_PAGE = 100
#: Deepest result reachable by paging (page * per_page).
MAX_DEPTH = 10_000
MAX_FILTER_VALUES = 100
#: Most articles one export (or saved result set) may hold; over it the whole
#: request is refused (``ResultTooLarge``), never cut short.
MAX_EXPORT_ROWS = 1_000_000
SORTS: tuple[str, ...] = get_args(Sort)
OPERATORS: tuple[str, ...] = get_args(Operator)

#: Longest query text accepted (characters). Long enough for pasted paragraphs
#: (the relevance collections have 2,000-character queries), short enough
#: to bound the work one request can cause.
MAX_QUERY_CHARS = 2_500
#: Most index words one prefix (``word*``) may stand for.
MAX_PREFIX_TERMS = 1_000
#: Most index words one fuzzy word (``word~``) may stand for.
MAX_FUZZY_TERMS = 200
#: Most expanded words a whole query may hold.
MAX_EXPANDED_TERMS = 2_000

#: Seconds one search may take before it is stopped (QueryTooExpensive):
#: ordinary queries on a half-million-article archive take a small fraction
#: of it, and a few pathological ones cannot hold every server thread.
DEFAULT_SEARCH_BUDGET = 2.0
#: The environment variable that sets the budget (seconds; 0 = no budget).
BUDGET_ENV = "NEWSARCHIVE_SEARCH_BUDGET"
#: A proximity this wide (``"a b"~N``) is named when a search runs out of time.
WIDE_SLOP = 10


def check_length(text: str) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise SearchError(
            f"query is too long: {len(text)} characters (the limit is {MAX_QUERY_CHARS})", "q")


def expansion_limits() -> tuple[int, int, int]:
    """(prefix, fuzzy, whole query) expansion caps as they stand now (tests change them)."""
    return MAX_PREFIX_TERMS, MAX_FUZZY_TERMS, MAX_EXPANDED_TERMS


def search_budget(value: float | str | None = None) -> float:
    """The time budget of one search in seconds: ``value``, else
    ``$NEWSARCHIVE_SEARCH_BUDGET``, else :data:`DEFAULT_SEARCH_BUDGET`;
    0 means no budget (``math.inf``). Raises ValueError for anything else."""
    if value is None or value == "":
        value = os.environ.get(BUDGET_ENV) or DEFAULT_SEARCH_BUDGET
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"the search budget must be a number of seconds, not {value!r}") from None
    if not seconds >= 0:  # also refuses NaN
        raise ValueError(f"the search budget must be 0 (none) or a positive number of seconds, not {value!r}")
    return seconds or math.inf


def too_expensive(tree: Node | None, budget: float) -> QueryTooExpensive:
    """The error for a search stopped at its budget, naming what to narrow."""
    return QueryTooExpensive(f"this search needs more than its {budget:g}-second time budget: "
                             f"{_narrowing_hint(tree)}", budget)


def _words(text: str) -> list[str]:
    return [fold(t) for t in re.findall(TOKEN_PATTERN, text)]


def _positive_clauses(node: Node | None) -> list[Node]:
    if isinstance(node, Junction):
        return [c for child in node.children for c in _positive_clauses(child)]
    if node is None or isinstance(node, Negation):
        return []
    return [node]


def _narrowing_hint(tree: Node | None) -> str:
    """What most likely made the search expensive, as advice: the query's
    clauses that are known to be costly, most costly first."""
    clauses = _positive_clauses(tree)
    phrases = [c for c in clauses if isinstance(c, Phrase) and len(_words(c.text)) > 1]
    words = [c for c in clauses if isinstance(c, Word)]
    for p in phrases:
        if all(w in STOP_WORDS for w in _words(p.text)):
            return (f'the phrase "{p.text}" is made only of very common words, which occur in almost '
                    "every article: add a rarer word to it")
    for p in phrases:
        if p.slop >= WIDE_SLOP:
            return (f'"{p.text}"~{p.slop} lets its words lie up to {p.slop} words apart: use a smaller '
                    "~N (such as ~3), or the phrase alone")
    for w in words:
        if w.fuzzy >= 2:
            return f"'{w.text}~{w.fuzzy}' stands for every spelling up to {w.fuzzy} letters off: use ~1, or the word alone"
    for p in phrases:
        common = [w for w in _words(p.text) if w in STOP_WORDS]
        if common:
            return (f'the phrase "{p.text}" holds very common words ({", ".join(dict.fromkeys(common))}): '
                    "add a rarer word to it")
    for w in words:
        if w.prefix:
            return f"'{w.text}*' stands for many words: type more letters"
    for w in words:
        if w.fuzzy:
            return f"'{w.text}~' stands for many spellings: search for the word alone"
    return "narrow it with rarer words, a phrase, a section or a date range"


def check_word_expansions(text: str, prefix: bool, distinct: int, cap: int) -> None:
    """One prefix (``prefix``) or fuzzy word's distinct index words against its cap."""
    if distinct > cap:
        kind = "prefix" if prefix else "fuzzy"
        raise SearchError(f"'{text}{'*' if prefix else '~'}' matches more than {cap} words (the {kind} "
                          f"expansion limit): type more letters", "q")


def fuzzy_capped(text: str, found: int, cap: int, *, at_least: bool = False) -> str:
    """The warning for a fuzzy word with ``found`` spellings within reach (``at_least``: the
    engine stopped counting there), of which only the ``cap`` closest were searched."""
    count = f"at least {found:,}" if at_least else f"{found:,}"
    return f"'{text}~' has {count} spellings within reach: searched the {cap} closest (the fuzzy expansion limit)"


def check_query_expansions(total: int) -> None:
    """A whole query's expanded words against MAX_EXPANDED_TERMS."""
    if total > MAX_EXPANDED_TERMS:
        raise SearchError(f"the query's prefixes and fuzzy words expand to more than {MAX_EXPANDED_TERMS} "
                          f"words (the expansion limit): use fewer or longer ones", "q")


def check_related_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PER_PAGE:
        raise SearchError(f"limit must be between 1 and {MAX_PER_PAGE}", "limit")


#: Longest ``story`` filter value (story ids are far shorter).
MAX_STORY_CHARS = 200


def validate(request: SearchRequest) -> ValidRequest:
    """Check limits and normalise; raises SearchError naming the parameter."""
    q = request.q if isinstance(request.q, str) else ""
    check_length(q)
    if request.sort not in SORTS:
        raise SearchError(f"sort must be one of {', '.join(SORTS)}", "sort")
    if request.operator not in OPERATORS:
        raise SearchError("operator must be 'and' or 'or'", "operator")
    if not isinstance(request.per_page, int) or not 1 <= request.per_page <= MAX_PER_PAGE:
        raise SearchError(f"per_page must be between 1 and {MAX_PER_PAGE}", "per_page")
    if not isinstance(request.page, int) or request.page < 1:
        raise SearchError("page must be 1 or more", "page")
    if request.page * request.per_page > MAX_DEPTH:
        raise SearchError(
            f"page {request.page} is too deep: results beyond the first {MAX_DEPTH:,} cannot be "
            "paged to (narrow the search instead)", "page")
    for name in VALUE_FILTERS.values():
        values = getattr(request, name)
        if len(values) > MAX_FILTER_VALUES:
            raise SearchError(f"at most {MAX_FILTER_VALUES} {name} may be selected", name)
    try:
        lo_range = dates.bounds(request.date_from, None)
    except dates.BadDate as e:
        raise SearchError(f"date_from: {e}", "date_from") from None
    try:
        hi_range = dates.bounds(None, request.date_to)
    except dates.BadDate as e:
        raise SearchError(f"date_to: {e}", "date_to") from None
    if lo_range and hi_range and lo_range.lo > hi_range.hi:
        raise SearchError(f"date_from: {request.date_from} is after the end of the range, {request.date_to}",
                          "date_from")
    if request.story is not None and len(request.story) > MAX_STORY_CHARS:
        raise SearchError(f"story must be a story id (at most {MAX_STORY_CHARS} characters)", "story")
    since = None
    if request.indexed_since:
        try:
            since = stamps.parse_instant(request.indexed_since)
        except ValueError as e:
            raise SearchError(f"indexed_since: {e}", "indexed_since") from None
    day_range = None
    if lo_range or hi_range:
        day_range = dates.DayRange(lo_range.lo if lo_range else dates.FIRST_DAY,
                                   hi_range.hi if hi_range else dates.LAST_DAY)
    normalised = replace(
        request,
        q=q.strip(),
        sections=list(dict.fromkeys(s for s in request.sections if s)),
        authors=list(dict.fromkeys(a for a in request.authors if a)),
        publications=list(dict.fromkeys(p for p in request.publications if p)),
        date_from=request.date_from or None,
        date_to=request.date_to or None,
        indexed_since=request.indexed_since or None,
        story=request.story or None,
    )
    filters = {field: getattr(normalised, name) for field, name in VALUE_FILTERS.items()
               if getattr(normalised, name)}
    return ValidRequest(normalised, day_range, filters, since)
