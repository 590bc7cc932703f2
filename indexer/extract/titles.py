"""The headline: which ``<h1>`` is the story's, and a title without the site's name."""

from __future__ import annotations

import re

from lxml import etree

from indexer.extract.byline import norm_text

__all__ = ["clean_title", "headline_element", "shown_in"]

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


def _is_site_name(text: str, site_name: str | None, page_title: str) -> bool:
    """Is an <h1> the site's name (a blog's header) rather than a headline?"""
    key = _key(text)
    if site_name and key == _key(site_name):
        return True
    # "Headline | Site": the site is an end segment of the <title>, not its longest one.
    parts = _TITLE_SEPARATORS.split(page_title)
    if len(parts) < 2:
        return False
    longest = max(parts, key=len)
    return any(key == _key(part) and part is not longest for part in (parts[0], parts[-1]))


# The words of an element without those of a <style> or <script> inside it.
_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::style) and not(ancestor::script)]")


def headline_element(root: etree._Element, site_name: str | None = None,
                     page_title: str = "") -> tuple[str, etree._Element | None]:
    """The first ``<h1>`` that reads like a headline (not the site's name), and its text."""
    fallback: tuple[str, etree._Element | None] = ("", None)
    for h1 in root.iter("h1"):
        text = norm_text(" ".join(_VISIBLE_TEXT(h1)))
        if not 3 <= len(text) <= 400:
            continue
        if not _is_site_name(text, site_name, page_title):
            return text, h1
        if fallback[1] is None:
            fallback = (text, h1)
    return fallback


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
