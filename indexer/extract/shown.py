"""Dates a page shows its readers: the one written beside the headline.

Measured on real pages, a date written within a few hundred characters of the
headline (a byline line, a kicker above it) is the publication date far more
often than one further down the story.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from lxml import etree

from indexer.extract.byline import outside_article
from indexer.extract.dates import text_dates
from indexer.extract.text import text_of

__all__ = ["date_near", "day_first", "labelled_date"]

_SKIP = frozenset({"script", "style", "noscript", "template"})
# How far from the headline a written date still dates the story, in
# characters: measured on real pages, a date within 400 characters after the
# headline (a byline line, a standfirst) is the publication date 9 times in 10,
# one further down the story barely half the time (htmldate does better then).
_AFTER = 400
_BEFORE = 200
# How many wrappers around the headline the text after it is read through: a
# headline often sits alone in three or four nested <div>s, the byline line
# with its date in a sibling of an outer one (a grid layout puts it in another
# column: eight levels up). The character budget bounds the reading.
_LEVELS_AFTER = 10
# And the text before it through four: Blogger's themes put the day's
# heading ("Samstag, 9. September 2017") above the post's third wrapper.
_LEVELS_BEFORE = 4
_STORY_CONTAINERS = frozenset({"article", "main", "section", "body", "html"})
_SPACES = re.compile(r"\s+")


def _chunks(el: etree._Element, with_tail: bool) -> Iterator[str | None]:
    """The text pieces of ``el``'s subtree in document order (scripts and styles left out)."""
    for sub in el.iter():
        if isinstance(sub.tag, str) and sub.tag not in _SKIP:
            yield sub.text
        if sub is not el or with_tail:
            yield sub.tail


# Blocks beside the story by their tag; class names are left alone here, as
# layouts name whole columns "sidebar" (lanacion's byline line sits in one).
_ASIDE_TAGS = frozenset({"nav", "aside", "footer", "form"})


def _text_after(anchor: etree._Element) -> str:
    """Visible text from the headline on, in document order, climbing out of the
    wrappers around it; navigation, asides and footers are passed over."""
    texts: list[str] = []
    budget = len(text_of(anchor)) + _AFTER + 100

    def take(chunks: Iterable[str | None]) -> bool:
        nonlocal budget
        for chunk in chunks:
            if chunk and chunk.strip():
                texts.append(chunk)
                budget -= len(chunk)
                if budget <= 0:
                    return True
        return False

    if take(_chunks(anchor, with_tail=False)):
        return " ".join(texts)
    node: etree._Element | None = anchor
    for _ in range(_LEVELS_AFTER):
        if node is None or take((node.tail,)):
            break
        for sibling in node.itersiblings():
            if sibling.tag in _ASIDE_TAGS:
                if take((sibling.tail,)):
                    return " ".join(texts)
            elif take(_chunks(sibling, with_tail=True)):
                return " ".join(texts)
        node = node.getparent()
        if node is not None and node.tag in ("body", "html"):
            break
    return " ".join(texts)


def _text_before(anchor: etree._Element) -> str:
    """Visible text just above the headline ("May 30, 2025", a kicker, a brand line),
    nearest last; navigation and teaser or related blocks end it."""
    parts: list[str] = []
    budget = _BEFORE + 100
    node: etree._Element | None = anchor
    for _ in range(_LEVELS_BEFORE):
        if node is None or budget <= 0:
            break
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or sibling.tag in _SKIP:
                continue
            if sibling.tail and sibling.tail.strip():
                parts.append(sibling.tail)
            if sibling.tag == "nav" or outside_article(sibling, anchor):
                return " ".join(reversed(parts))
            # Piece by piece: "<span>Research</span><span>7 April 2020</span>"
            # glued into one string would hide the date ("Research7").
            text = " ".join(chunk for chunk in _chunks(sibling, with_tail=False) if chunk and chunk.strip())
            parts.append(text[-budget:])
            budget -= len(text)
            if budget <= 0:
                break
        node = node.getparent()
        if node is not None and node.text and node.text.strip():
            parts.append(node.text)
        if node is None or node.tag in _STORY_CONTAINERS:
            # The <head> (JSON-LD, titles) is not text above the headline, nor
            # is what precedes the story's own container (a masthead with today's date).
            break
    return " ".join(reversed(parts))


# Languages whose readers write the month first ("10/2/2020" is October 2);
# everywhere else the day comes first. A page that names no language is read
# the US way, as before.
_MONTH_FIRST = frozenset({"", "en", "en-us", "en-ca"})


# Without a lang attribute, the language the page declares in its head.
_LANGUAGE_METAS = etree.XPath(
    "head/meta[translate(@http-equiv, 'CONTENTLAGU', 'contentlagu')='content-language'"
    " or @property='og:locale' or @name='language']/@content")


def day_first(root: etree._Element) -> bool:
    lang = root.get("lang") or root.get("xml:lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        declared = _LANGUAGE_METAS(root)
        lang = str(declared[0]) if declared else ""
    return lang.strip().lower().replace("_", "-") not in _MONTH_FIRST


def date_near(anchor: etree._Element, day_first: bool = False) -> dt.datetime | None:
    """The date written closest to the headline, just above or below it (a
    date inside the headline element counts when a child element holds it:
    "<h1>Title <span>02.02.2022</span></h1>")."""
    after = _SPACES.sub(" ", _text_after(anchor))
    start = len(_SPACES.sub(" ", anchor.text or "").strip())
    found = [(not _labelled(after, found_at), found_at - start, date)
             for found_at, _, date in text_dates(after, day_first=day_first)[:3]
             if 0 <= found_at - start <= _AFTER]
    before = _SPACES.sub(" ", _text_before(anchor)).rstrip()
    found += [(True, len(before) - end, date) for _, end, date in text_dates(before, day_first=day_first)[-1:]
              if len(before) - end <= _BEFORE]
    # A date labelled as published ("Published On May 10, 2022") beats a
    # nearer unlabelled one (today's date in the masthead above the headline).
    return min(found, key=lambda f: f[:2])[2] if found else None


# A date the page itself labels as the publication date ("Erschienen am:
# 01.11.2023", "Published on March 3, 2024"), wherever it stands: read before
# htmldate's guesses, which take the nearest "last changed" or comment date.
# A book review's "Erschienen: 14.08.2017" or "Erscheinungsdatum" is the book's
# release: "erschienen" counts only as "erschienen am" (on).
_PUBLISHED_LABEL = re.compile(
    r"\b(?:(?:published|posted|veröffentlicht|publiziert|publié|publicado|pubblicato|gepubliceerd|"
    r"opublikowano)(?:\s+(?:on|am|le|el|il|op|dnia))?|erschienen\s+am)\s*:?\s*",
    re.IGNORECASE,
)
_LABEL_WINDOW = 40
# A weekday may stand between the label and the date ("Posted on Wednesday, May 19th, 2010").
_WEEKDAY_GAP = re.compile(r"(?:[^\W\d_]{2,12}\.?,?\s+)?")
# The German blog formula with the verb after the date: "wurde am 19. Mai 2010
# um 23:03 Uhr gepostet" (veröffentlicht, publiziert).
_WURDE_AM = re.compile(r"\bwurde\s+am\s+", re.IGNORECASE)
_POSTED_AFTER = re.compile(r"\s*(?:um\s+\d{1,2}[:.]\d{2}\s*(?:uhr\s*)?)?(?:gepostet|veröffentlicht|publiziert)\b",
                           re.IGNORECASE)


def _labelled(text: str, start: int) -> bool:
    """Is the date at ``start`` introduced by a "published" label?"""
    return any(_WEEKDAY_GAP.fullmatch(text, label.end(), start)
               for label in _PUBLISHED_LABEL.finditer(text, max(0, start - _LABEL_WINDOW), start))


def labelled_date(root: etree._Element, day_first: bool = False) -> dt.datetime | None:
    """The first date in the page's visible text that follows a "published" label."""
    body = root.find("body")
    text = _SPACES.sub(" ", " ".join(chunk for chunk in _chunks(body, with_tail=False) if chunk)) if body is not None else ""
    for label in _PUBLISHED_LABEL.finditer(text):
        window = text[label.end():label.end() + _LABEL_WINDOW]
        dates = text_dates(window, day_first=day_first)
        if dates and _WEEKDAY_GAP.fullmatch(window, 0, dates[0][0]):
            return dates[0][2]
    for label in _WURDE_AM.finditer(text):
        window = text[label.end():label.end() + _LABEL_WINDOW]
        dates = text_dates(window, day_first=day_first)
        if dates and dates[0][0] == 0 and _POSTED_AFTER.match(window, dates[0][1]):
            return dates[0][2]
    return None
