"""Query-string <-> SearchRequest conversion for the pages and the API.

Only parsing happens here (integers, enumerations, flags). Range checks and
date validation belong to the search service, so the page, the API and the
CLI all reject the same requests with the same messages.
"""

from __future__ import annotations

import re

from collections.abc import Iterable, Mapping
from dataclasses import replace
from urllib.parse import unquote_to_bytes, urlencode

from werkzeug.datastructures import MultiDict

from search.models import SearchError, SearchRequest
from search.service import OPERATORS, SORTS
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

Args = Mapping[str, str] | MultiDict[str, str]


class ParamError(SearchError):
    """A parameter that could not even be parsed (``page=abc``)."""


#: The service names SearchRequest fields; clients know the query parameters.
_PARAM_NAMES = {"date_from": "from", "date_to": "to", "sections": "section", "authors": "author",
                "publications": "publication"}
#: Every parameter ``parse_search_args`` reads.
SEARCH_PARAMS = ("q", "section", "author", "publication", "from", "to", "sort", "page", "per_page", "operator",
                 "exact", "indexed_since", "story", "collapse")
#: The parameters that choose which articles match (not their order, not the page).
FILTER_PARAMS = ("q", "section", "author", "publication", "from", "to", "operator", "exact", "indexed_since",
                 "story")
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def unknown_params(args: Args, known: Iterable[str] = SEARCH_PARAMS) -> list[str]:
    """The names in ``args`` that ``known`` does not list, in order."""
    wanted = set(known)
    return [name for name in dict.fromkeys(args.keys()) if name not in wanted]


def check_query_string(raw: bytes) -> None:
    """Refuse a query string with a malformed percent-escape (``%zz``, a lone
    ``%``) or escapes that are not UTF-8: read leniently, they would silently
    search for something else. Raises ParamError naming the parameter."""
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        label = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace") or None
        for part in (name, value):
            if _BAD_ESCAPE.search(part):
                raise ParamError(f"malformed percent-escape in {part.decode('latin-1')!r}: "
                                 "'%' must be followed by two hexadecimal digits", label)
            try:
                unquote_to_bytes(part).decode("utf-8")
            except UnicodeDecodeError:
                raise ParamError(f"{part.decode('latin-1')!r} is not UTF-8 once its percent-escapes "
                                 "are decoded", label) from None


def as_query_error(e: SearchError) -> SearchError:
    """``e`` with its parameter (and message prefix) as the client spelled it."""
    name = _PARAM_NAMES.get(e.param or "")
    if name is None:
        return e
    message = e.message
    if message.startswith(f"{e.param}: "):
        message = f"{name}: {message[len(e.param) + 2:]}"  # type: ignore[arg-type]
    return SearchError(message, name)


def _single(args: MultiDict[str, str], name: str) -> str | None:
    """The parameter's value, or None when absent or blank.

    The form submits its empty text fields (``from=``); they mean "not set".
    Parameters the form never leaves blank (page, sort...) must have a value.
    """
    value = args.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def integer(args: MultiDict[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    # int() alone would accept "1_0" and " +3"; insist on plain digits.
    if len(raw) > 9 or not _WHOLE_NUMBER.fullmatch(raw):
        raise ParamError(f"{name} must be a whole number, got {raw!r}", name)
    return int(raw)


def choice(args: MultiDict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = args.get(name)
    if raw is None:
        return default
    if raw not in allowed:
        raise ParamError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}", name)
    return raw


def _flag(args: MultiDict[str, str], name: str, default: bool = False) -> bool:
    raw = args.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ParamError(f"{name} must be true or false, got {raw!r}", name)


def _many(args: MultiDict[str, str], name: str) -> list[str]:
    """Repeatable values, blanks dropped, duplicates removed keeping order."""
    seen: dict[str, None] = {}
    for value in args.getlist(name):
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def parse_search_args(args: Args) -> SearchRequest:
    """Build a SearchRequest from query arguments; raises ParamError."""
    multi = args if isinstance(args, MultiDict) else MultiDict(args)
    return SearchRequest(
        q=(multi.get("q") or "").strip(),
        sections=_many(multi, "section"),
        authors=_many(multi, "author"),
        publications=_many(multi, "publication"),
        date_from=_single(multi, "from"),
        date_to=_single(multi, "to"),
        sort=choice(multi, "sort", SORTS, "relevance"),  # type: ignore[arg-type]
        page=integer(multi, "page", 1),
        per_page=integer(multi, "per_page", SearchRequest.per_page),
        operator=choice(multi, "operator", OPERATORS, "and"),  # type: ignore[arg-type]
        exact=_flag(multi, "exact"),
        indexed_since=_single(multi, "indexed_since"),
        story=_single(multi, "story"),
        collapse=_flag(multi, "collapse", default=True),
    )


def is_blank(req: SearchRequest) -> bool:
    """True when nothing was asked: the home page rather than a result list."""
    return not (req.q or req.sections or req.authors or req.publications or req.date_from or req.date_to
                or req.story)


def to_query_pairs(req: SearchRequest) -> list[tuple[str, str]]:
    """The inverse of parse_search_args, leaving out defaults for short URLs."""
    defaults = SearchRequest()
    pairs: list[tuple[str, str]] = []
    if req.q:
        pairs.append(("q", req.q))
    pairs += [("section", s) for s in req.sections]
    pairs += [("author", a) for a in req.authors]
    pairs += [("publication", p) for p in req.publications]
    if req.date_from:
        pairs.append(("from", req.date_from))
    if req.date_to:
        pairs.append(("to", req.date_to))
    if req.sort != defaults.sort:
        pairs.append(("sort", req.sort))
    if req.page != defaults.page:
        pairs.append(("page", str(req.page)))
    if req.per_page != defaults.per_page:
        pairs.append(("per_page", str(req.per_page)))
    if req.operator != defaults.operator:
        pairs.append(("operator", req.operator))
    if req.exact:
        pairs.append(("exact", "1"))
    if req.indexed_since:
        pairs.append(("indexed_since", req.indexed_since))
    if req.story:
        pairs.append(("story", req.story))
    if not req.collapse:
        pairs.append(("collapse", "false"))
    return pairs


def url_args(req: SearchRequest, keep: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """``req`` as ``url_for`` keyword arguments (values as lists), only ``keep`` when given."""
    out: dict[str, list[str]] = {}
    for key, value in to_query_pairs(req):
        if keep is None or key in keep:
            out.setdefault(key, []).append(value)
    return out


def search_url(req: SearchRequest, base: str = "/search") -> str:
    query = urlencode(to_query_pairs(req))
    return f"{base}?{query}" if query else base


def toggled(values: Iterable[str], value: str) -> list[str]:
    """``values`` with ``value`` added, or removed when already present."""
    values = list(values)
    return [v for v in values if v != value] if value in values else [*values, value]


def with_changes(req: SearchRequest, **changes: object) -> SearchRequest:
    """A copy of ``req``; any change but paging itself goes back to page 1."""
    if "page" not in changes:
        changes["page"] = 1
    return replace(req, **changes)  # type: ignore[arg-type]
