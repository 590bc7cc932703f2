"""When a page was published: structured metadata, the URL, the visible text, htmldate.

Sources, most trusted first: JSON-LD, meta tags, microdata, ``<time
datetime>``, a generic ``date``/``dc.date`` meta, then the date written beside
the headline, then a date the page labels as published ("Erschienen am"),
then htmldate's heuristics over the whole page (slow: only when
nothing cheaper answered). When the machine-readable sources name different
days, the one the page shows beside the headline wins (a story republished
later carries both), and it outranks a generic ``date`` meta that is the
page's only machine-readable date (often its last edit). A date in the page's URL (``/2024/03/14/``) is strong
evidence too: it settles a machine timestamp given in UTC that falls on the
next or previous day (the story's calendar date is the one where it was
published; a time in the publisher's own offset already is), and wins over
metadata that disagrees with it by more than a day. A date written beside
the headline moves a UTC time a day only where some time zone (UTC-12 to
UTC+14) puts that time on the written day. Without such evidence, a UTC time
is read in the offset the page's other times are written in (its last change
included), else one on the whole hour just before midnight (21:00 to 23:00)
as the local midnight of the next day that a CMS wrote out in UTC.

A machine value that reads both ways ("10/05/2022") takes the reading nearest
the page's other dates (its last change included); without them, month first.

A date later than the time of indexing (plus a day) or earlier than 1800 is
not trusted (a CMS placeholder such as 2099-06-01): the next source is tried,
and the rejected value is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from indexer.extract.byline import outside_article
from indexer.extract.dates import is_decoy_label, parse_date, swapped_reading, url_date
from indexer.extract.jsonld import first_str
from indexer.extract.shown import date_near, day_first, labelled_date
from indexer.extract.text import text_of

__all__ = ["DATE_SOURCES", "PageDate", "publication_date"]

log = logging.getLogger(__name__)

DATE_SOURCES = ("jsonld", "meta", "microdata", "time", "url", "text", "htmldate")

_META_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "article:published",
    "og:published_time", "published_time", "datepublished", "publishdate", "publish-date",
    "publish_date", "pubdate", "article.published", "article_date_original",
    "original-publish-date", "parsely-pub-date", "sailthru.date", "dc.date.issued",
    "dcterms.issued", "dcterms.created", "dc.date.created", "article:post_date",
    "cxenseparse:recs:publishtime", "cxenseparse:publishtime", "displaydate", "dat", "release_date", "og:pubdate",
    "citation_publication_date", "citation_date", "prism.publicationdate", "pub_date", "published_at",
    "shareaholic:article_published_time", "article.created", "published",
)
_MODIFIED_META_KEYS = ("article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
                       "dc.date.modified", "dcterms.modified", "article_date_updated", "article.updated",
                       "shareaholic:article_modified_time")
# Dublin Core's plain "date" (and a bare "date") is any date of the document's
# life, often its last edit: weaker than a date the story's markup marks.
_GENERIC_META_DATE_KEYS = ("dc.date", "dcterms.date", "date")
# The source name of those generic metas (switched off with "meta").
_GENERIC = "meta-generic"
_EARLIEST = dt.datetime(1800, 1, 1, tzinfo=dt.timezone.utc)
_SLACK = dt.timedelta(days=1)


@dataclass
class PageDate:
    date: dt.datetime | None = None
    source: str | None = None
    #: The first implausible date the page gave (ISO), passed over.
    implausible: str | None = None


def _aware(date: dt.datetime) -> dt.datetime:
    return date if date.tzinfo else date.replace(tzinfo=dt.timezone.utc)


def _utc_time(date: dt.datetime) -> bool:
    """A machine timestamp in UTC: its calendar date may be a day off the local one."""
    return date.utcoffset() == dt.timedelta(0) and (date.hour, date.minute) != (0, 0)


# ---------------------------------------------------------------- the sources

_PUBLISHED_HINT = re.compile(r"publish|posted|created|issued|pubdate|dateline", re.IGNORECASE)
_UPDATED_HINT = re.compile(r"updat|modif|edited|revis|changed|comment", re.IGNORECASE)


def _published_time(root: etree._Element, headline: etree._Element | None) -> list[str]:
    """The ``<time datetime>`` that dates the story, not an update, a comment or a teaser."""
    marked: list[str] = []
    plain: list[str] = []
    for count, time_el in enumerate(root.iter("time")):
        if count >= 200:
            break
        value = time_el.get("datetime")
        if not value:
            continue
        parent = time_el.getparent()
        hints = " ".join(filter(None, (
            time_el.get("class"), time_el.get("itemprop"), time_el.get("id"),
            parent.get("class") if parent is not None else None,
            parent.get("itemprop") if parent is not None else None)))
        previous = time_el.getprevious()
        before = (previous.tail if previous is not None else parent.text if parent is not None else "") or ""
        if _UPDATED_HINT.search(hints) or is_decoy_label(before) or outside_article(time_el, headline):
            continue
        if time_el.get("pubdate") is not None or _PUBLISHED_HINT.search(hints):
            marked.append(value)
        else:
            plain.append(value)
    return marked + plain[:1]


# htmldate's whole-page heuristics take seconds on pages far larger than any
# article page (the largest real ones hold about 10,000 elements).
_HTMLDATE_MAX_ELEMENTS = 30_000


def _htmldate(root: etree._Element, url: str | None) -> dt.datetime | None:
    """Slow last resort: htmldate's heuristics over the whole page (an lxml.html tree).

    The first page that needs its external date parser (dateparser) loads that
    parser's locale data once per process, which takes a few seconds.
    """
    from htmldate import find_date

    size = int(root.xpath("count(//*)"))
    if size > _HTMLDATE_MAX_ELEMENTS:
        log.debug("htmldate skipped: %d elements", size)
        return None
    try:
        # url="" keeps htmldate from reading the URL itself when the caller does not want it.
        found = find_date(root, extensive_search=True, original_date=True, url=url or "")
    except Exception as exc:  # noqa: BLE001 - a third-party failure must not fail the page
        log.debug("htmldate failed: %s: %s", type(exc).__name__, exc)
        return None
    return parse_date(found) if found else None


# ---------------------------------------------------------------- choosing

def _structured(ld: dict[str, Any] | None, meta: dict[str, str], micro: dict[str, list],
                root: etree._Element, headline: etree._Element | None,
                skip: frozenset[str]) -> list[tuple[str, str]]:
    """(source, raw value) pairs from the machine-readable sources, most trusted first."""
    values: list[tuple[str, str | None]] = []
    if ld and "jsonld" not in skip:
        values.extend(("jsonld", first_str(ld.get(key))) for key in ("datePublished", "dateCreated", "uploadDate"))
    if "meta" not in skip:
        values.extend(("meta", meta.get(key)) for key in _META_DATE_KEYS)
        parsely = meta.get("parsely-page")
        if parsely:
            try:
                parsed = json.loads(parsely)
            except ValueError:
                log.debug("unreadable parsely-page meta: %.80s", parsely)
                parsed = None
            if isinstance(parsed, dict):
                values.append(("meta", first_str(parsed.get("pub_date"))))
    if "microdata" not in skip:
        for el in micro.get("datepublished", [])[:2]:
            values.append(("microdata", el.get("content") or el.get("datetime") or text_of(el)[:100]))
    if "time" not in skip:
        values.extend(("time", value) for value in _published_time(root, headline))
    if "meta" not in skip:
        values.extend((_GENERIC, meta.get(key)) for key in _GENERIC_META_DATE_KEYS)
    return [(source, value) for source, value in values if value]


def _modified(ld: dict[str, Any] | None, meta: dict[str, str]) -> list[str]:
    """The page's own last-modified dates (raw values)."""
    values = [meta.get(key) for key in _MODIFIED_META_KEYS]
    values.append(first_str(ld.get("dateModified")) if ld else None)
    return [value for value in values if value]


def _settle_order(value: str, date: dt.datetime | None, evidence: list[dt.datetime]) -> dt.datetime | None:
    """A numeric date that reads both ways, in the order that puts it nearest the
    page's other dates (without them, as ``parse_date`` reads it: month first)."""
    other = swapped_reading(value) if date is not None and evidence else None
    if other is None:
        return date
    assert date is not None

    def gap(candidate: dt.datetime) -> int:
        return min(abs((candidate.date() - known.date()).days) for known in evidence)

    return other if gap(other) < gap(date) else date


def _local_time(date: dt.datetime) -> bool:
    """A timestamp in the publisher's own clock: a non-UTC offset, or naive with a time."""
    if date.tzinfo is None:
        return (date.hour, date.minute) != (0, 0)
    return date.utcoffset() != dt.timedelta(0)


def _own_offset(date: dt.datetime) -> bool:
    return date.tzinfo is not None and date.utcoffset() != dt.timedelta(0)


# A date without a time, stored as local midnight and written out in UTC: in
# the zones east of Greenwich (UTC+1 to UTC+3, Europe's among them) that is
# 21:00, 22:00 or 23:00 UTC on the day before.
_MIDNIGHT_EAST_HOURS = (21, 22, 23)


def _local_midnight(date: dt.datetime) -> dt.datetime:
    """A UTC time on the whole hour just before midnight as the local midnight it
    stands for (2022-11-06T23:00Z is 2022-11-07T00:00+01:00); other times unchanged."""
    if date.hour in _MIDNIGHT_EAST_HOURS and date.minute == date.second == date.microsecond == 0:
        return date.astimezone(dt.timezone(dt.timedelta(hours=24 - date.hour)))
    return date


def _one_day_apart(a: dt.datetime, b: dt.datetime) -> bool:
    return abs((a.date() - b.date()).days) == 1


# Clocks run from UTC-12 to UTC+14: a UTC time of 13:10 is that day's
# afternoon or evening everywhere, never the previous day.
_WESTMOST = dt.timedelta(hours=-12)
_EASTMOST = dt.timedelta(hours=14)


def _local_day_possible(date: dt.datetime, day: dt.date) -> bool:
    """Can ``date`` (a UTC or zoneless time of day) fall on ``day`` in some time zone?
    A bare date (midnight) can, as the CMS may have cut it from any instant."""
    if (date.hour, date.minute, date.second) == (0, 0, 0):
        return True
    return (date + _WESTMOST).date() <= day <= (date + _EASTMOST).date()


def _shown(structured: list[tuple[str, dt.datetime]], near: dt.datetime | None) -> tuple[str, dt.datetime] | None:
    """The machine-readable date that the date written beside the headline confirms,
    when the machine-readable sources name more than one day."""
    if near is None or len({date.date() for _, date in structured}) < 2:
        return None
    return next((found for found in structured if found[1].date() == near.date()), None)


def publication_date(root: etree._Element, *, ld: dict[str, Any] | None, meta: dict[str, str],
                     micro: dict[str, list], headline: etree._Element | None, url: str | None,
                     skip: frozenset[str] = frozenset(), now: dt.datetime | None = None) -> PageDate:
    """The page's publication date and where it came from.

    Measured on real pages against the dates their URLs carry, the date
    written beside the headline is right more often than any machine-readable
    one, above all when the metadata gives a UTC time that falls on another
    calendar day; metadata is right more often when the two differ by more
    than a day (the text date may be an event the story mentions).
    """
    latest = (now or dt.datetime.now(dt.timezone.utc)) + _SLACK
    result = PageDate()

    def plausible(date: dt.datetime | None) -> bool:
        if date is None:
            return False
        if _EARLIEST <= _aware(date) <= latest:
            return True
        if result.implausible is None:
            result.implausible = date.isoformat()
        return False

    in_url = url_date(url) if "url" not in skip else None
    near = date_near(headline, day_first(root)) if headline is not None and "text" not in skip else None
    values = _structured(ld, meta, micro, root, headline, skip)
    parsed = [(source, value, parse_date(value)) for source, value in values]
    # The page's other dates (its last change too) settle a numeric date that
    # reads both ways ("10/05/2022": 10 May or 5 October).
    evidence = [date for _, value, date in parsed if date is not None and swapped_reading(value) is None]
    modified = [date for date in map(parse_date, _modified(ld, meta)) if date is not None]
    evidence += [date for date in (in_url, near, *modified) if date is not None]
    structured = [(source, date) for source, date in
                  ((source, _settle_order(value, date, evidence)) for source, value, date in parsed)
                  if plausible(date)]
    chosen = structured[0] if structured else None
    shown = _shown(structured, near) if plausible(near) else None
    if shown is not None:
        # What the page shows beside the headline settles a disagreement
        # between its machine-readable dates, and is already the reader's day.
        chosen = shown
    elif plausible(in_url):
        assert in_url is not None
        if chosen is None or (chosen[1].date() != in_url.date()
                              and not (_own_offset(chosen[1]) and _one_day_apart(chosen[1], in_url))):
            chosen = ("url", in_url)
    elif plausible(near):
        assert near is not None
        # A day apart: metadata in UTC (or without a zone) names another day
        # than the publisher's calendar, if some time zone puts its time on the
        # written day; a time with the publisher's own offset, from any source,
        # is already in it.
        # A generic "date" meta alone (often the last edit) does not outrank it either.
        if chosen is None or chosen[0] == _GENERIC or (
                _one_day_apart(chosen[1], near) and _local_day_possible(chosen[1], near.date())
                and not any(_own_offset(d) for _, d in structured)):
            chosen = ("text", near)
    if chosen and chosen is not shown and chosen[0] not in ("url", "text") and _utc_time(chosen[1]):
        # The same instant in the publisher's clock, from another source; else
        # in the offset the page's other times (its last change too) are written in.
        local = [found for found in structured[1:] if _local_time(found[1]) and _one_day_apart(found[1], chosen[1])]
        offsets = [date.tzinfo for date in [d for _, d in structured] + modified if _own_offset(date)]
        if local:
            chosen = local[0]
        elif offsets:
            chosen = (chosen[0], chosen[1].astimezone(offsets[0]))
        else:
            chosen = (chosen[0], _local_midnight(chosen[1]))
    if chosen is None and "text" not in skip:
        labelled = labelled_date(root, day_first(root))
        if plausible(labelled):
            assert labelled is not None
            chosen = ("text", labelled)
    if chosen is None and "htmldate" not in skip:
        date = _htmldate(root, url if "url" not in skip else None)
        if plausible(date):
            assert date is not None
            chosen = ("htmldate", date)
    if chosen:
        result.source, result.date = chosen
    return result
