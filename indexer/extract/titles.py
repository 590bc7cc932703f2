"""The headline: which ``<h1>`` is the story's, and a title without the site's name."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from indexer.extract.byline import norm_text
from indexer.extract.classes import OTHER_STORIES_WORDS, class_words

__all__ = ["clean_title", "headline_element", "is_site_name", "shown_in", "words_agree"]

_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—:·•»›~/]|::)\s+")
_SEP_AFTER = re.compile(r"\s+(?:[|\-–—:·•»›~/]|::)\s")
_SEP_BEFORE = re.compile(r"\s(?:[|\-–—:·•»›~/]|::)\s+$")
_SEPARATOR_CHARS = " |-–—:·•»›~/"


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


def shown_in(text: str, *shown: str) -> bool:
    """Does ``text`` appear in (or contain) one of the ``shown`` texts, ignoring case and punctuation?"""
    key = _key(text)
    return bool(key) and any(k and (key in k or k in key) for k in map(_key, shown))


def is_site_name(text: str, site_name: str | None, page_title: str) -> bool:
    """Is an <h1> the site's name (a blog's header) rather than a headline?"""
    key = _key(text)
    if site_name and key == _key(site_name):
        return True
    # "Headline | Site": the site is an end segment of the <title>, not its longest one.
    parts = _TITLE_SEPARATORS.split(page_title)
    if len(parts) < 2 or (site_name and any(_key(part) == _key(site_name) for part in parts)):
        return False  # the segment that names the site is known ("Scherenschnitt (3) | gnaddrig ad libitum")
    longest = max(parts, key=len)
    return any(key == _key(part) and part is not longest for part in (parts[0], parts[-1]))


# The words of an element without those of a <style> or <script> inside it.
_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::style) and not(ancestor::script)]")
_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def words_agree(a: str, b: str) -> bool:
    """Do two titles share at least half the words of the shorter one?"""
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and 2 * len(wa & wb) >= min(len(wa), len(wb))


def _coverage(heading: str, title: str, most: float = 0.6) -> float:
    """How well ``title`` (an og:title, the <title>) names ``heading`` as the story's
    headline: the share of the title's words that the heading gives, when at least
    the share ``most`` of the heading's words are in the title (else 0). A logo's
    "KBS WORLD" at the end of a long <title> covers little of it; the headline most of it."""
    heading_words, title_words = _words(heading), _words(title)
    shared = len(heading_words & title_words)
    if not heading_words or shared < most * len(heading_words):
        return 0.0
    return shared / len(title_words)


def _links_home(el: etree._Element) -> bool:
    """An <h1> around a link to the site's home page ("/", "index.htm") is the site's logo."""
    for link in el.iter("a"):
        path = urlsplit(link.get("href") or "").path.strip("/. ")
        if not path or path.startswith("index."):
            return True
    return False


def _in_other_stories(el: etree._Element) -> bool:
    """Is ``el`` inside a list of other stories (related posts, recommendations)?"""
    return any(OTHER_STORIES_WORDS.search(class_words(node)) for node in el.iterancestors())


# An <h1> that the page's titles name this weakly (a share of their words),
# of this many words or fewer, is a site's, a section's or a logo's name
# ("Literatur", "OutdoorNews | Eintrag", "€10"): a lower heading the titles
# name well (half their words or more) is the headline. A longer <h1>, or one
# that starts the <title>, stays the headline (titles written for search engines).
_WEAK = 1 / 3
_NAME_WORDS = 4
_LOWER_HEADINGS = 40


def _heading_text(el: etree._Element) -> str:
    """The heading's words, or "" when they cannot be a headline (too short or long, no word)."""
    text = norm_text(" ".join(_VISIBLE_TEXT(el)))
    return text if 3 <= len(text) <= 400 and _WORD.search(text) else ""


def headline_element(root: etree._Element, site_name: str | None = None, page_title: str = "",
                     titles: tuple[str, ...] = ()) -> tuple[str, etree._Element | None]:
    """The story's headline heading and its text.

    Of the ``<h1>``s that are not the site's name or logo, the one the page's
    titles (``<title>`` and ``titles``: og:title, JSON-LD headline) name best
    if any covers a third of one, else the first. When that is a short name,
    the first ``<h2>``/``<h3>`` the titles name well.
    """
    named = [t for t in (page_title, *titles) if t]
    segments = _TITLE_SEPARATORS.split(page_title)
    if len(segments) > 1:
        # "Headline : Blog | Its motto | Founded 2005": the headline is the longest segment.
        named.append(max(segments, key=len))
    fallback: tuple[str, etree._Element | None] = ("", None)
    first: tuple[str, etree._Element | None] = ("", None)
    best: tuple[str, etree._Element | None] = ("", None)
    best_score = 0.0
    for h1 in root.iter("h1"):
        text = _heading_text(h1)
        if not text:
            continue
        if is_site_name(text, site_name, page_title) or _links_home(h1):
            if fallback[1] is None:
                fallback = (text, h1)
            continue
        if first[1] is None:
            first = (text, h1)
        score = max((_coverage(text, title) for title in named), default=0.0)
        if score > best_score:
            best, best_score = (text, h1), score
    if best_score >= _WEAK:
        return best
    # Nothing the titles name well: the first <h1>, unless it is a short name
    # (or only the site's name or logo is there), when a lower heading they
    # name well is the headline.
    weak = first[1] is None or (len(first[0].split()) <= _NAME_WORDS
                                and not _key(page_title).startswith(_key(first[0])))
    if named and weak:
        for count, heading in enumerate(root.iter("h2", "h3")):
            if count >= _LOWER_HEADINGS:
                break
            # Not a related post's teaser that shares the story's words.
            text = _heading_text(heading)
            if (text and any(2 * _coverage(text, title) >= 1 for title in named)
                    and not _in_other_stories(heading)):
                return text, heading
    return first if first[1] is not None else fallback


def clean_title(title: str, site_name: str | None = None, h1: str | None = None) -> str:
    """Strip a site-name prefix/suffix such as " | The Daily Post" from a title."""
    title = norm_text(title)
    if not title:
        return ""
    if h1:
        h1n = norm_text(h1)
        if h1n == title:
            return title  # the page shows exactly this as its headline
        # "<h1> | Site" or "Site - <h1>": the headline is the h1 exactly. A
        # title that merely starts with the h1 words is a longer headline.
        if h1n:
            if title.startswith(h1n) and _SEP_AFTER.match(title[len(h1n):] + " "):
                return h1n
            if title.endswith(h1n) and _SEP_BEFORE.search(" " + title[: -len(h1n)]):
                return h1n
    if site_name and norm_text(site_name):
        site = re.escape(norm_text(site_name))
        stripped = re.sub(rf"^\s*{site}\s*[:|\-–—·•»›/]\s*|\s*[:|\-–—·•»›/]\s*{site}\s*$", "", title,
                          flags=re.IGNORECASE)
        if stripped and stripped != title:
            return stripped.strip()
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    # No known site name: drop a short last (or first) segment that reads like a brand.
    last, first = parts[-1], parts[0]
    rest_last = title[: title.rfind(last)].rstrip(_SEPARATOR_CHARS)
    if len(last.split()) <= 4 and len(last) < len(rest_last) and _brand_like(last, title[len(rest_last):]):
        return rest_last.strip()
    rest_first = title[len(first):].lstrip(_SEPARATOR_CHARS)
    if len(first.split()) <= 3 and len(first) * 2 < len(rest_first) and _brand_like(first, title[len(first):]):
        return rest_first.strip()
    return title


_STRONG_SEPARATOR = re.compile(r"[|·•»›]|::")


def _brand_like(segment: str, separator: str) -> bool:
    """A title segment that names the site: set off by "|" and the like, or a
    capitalised name (after a dash, "– ein Projekt" or "- und mehr?" are the headline's own)."""
    if _STRONG_SEPARATOR.search(separator):
        return True
    return (segment[:1].isupper() or segment[:1].isdigit()) and not segment.rstrip().endswith(("?", "!", "."))
