"""Which section of the site a story belongs to, when its metadata does not say.

The fallbacks a reader uses, in order: the site's JSON-LD breadcrumb trail,
the breadcrumb or category link shown just above the headline
(``nav[aria-label=breadcrumb]``, ``<div class="category"><a>Europe</a>``),
then the first word-like segment of the canonical URL's path
(``/sport/2024/…`` → "Sport"). Never a teaser's section: only labels in the
story's own header area count.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from indexer.extract.byline import norm_text
from indexer.extract.classes import class_words
from indexer.extract.text import text_of

__all__ = ["fallback_section"]

_BREADCRUMB = re.compile(r"\bbreadcrumbs?\b|\bbread ?crumbs?\b|\bcrumbs?\b")
# Labels sites put above a headline to name its section.
_SECTION_LABEL = re.compile(r"\b(?:category|categories|cat|rubric|rubrik|ressort)\b")
_TEASER = re.compile(r"\b(?:related|teasers?|promo|recommend\w*|popular|trending|most ?read|more ?from)\b")
# Trail entries that are no section: the home page, generic hubs.
_GENERIC = frozenset({
    "home", "homepage", "start", "startseite", "accueil", "inicio", "portada", "news", "nachrichten",
    "noticias", "actualités", "notizie", "vesti", "вести", "новости", "главная", "početna", "index",
    "main", "front page", "frontpage", "you are here", "article", "articles", "story", "stories",
    "blog", "posts", "post", "content", "aktuelles", "artikel", "detail", "details", "page", "pages",
    "noticia", "articulo", "articulos", "artigo", "artigos", "nota", "notas", "beitrag", "meldung",
    "meldungen", "single", "magazin", "magazine", "aktuell", "actualite", "actualites", "info",
})
# URL path segments that are not sections.
_NOT_SECTION_SEGMENT = _GENERIC | frozenset({
    "www", "html", "amp", "view", "item", "items", "id", "p", "s", "web", "cms", "de", "en", "fr",
    "es", "it", "nl", "pl", "ru", "sr", "uk", "us", "int", "edition", "topics", "tag", "tags",
    "category", "categories", "section", "sections", "media", "static", "node", "print", "online",
})
_WORD = re.compile(r"[^\W\d_]{3,20}(?:-[^\W\d_]{2,20})?")
_MAX_LABEL = 40


def _label(text: str) -> str | None:
    text = norm_text(text).strip(" >»›/|:·•-–—")
    if not text or len(text) > _MAX_LABEL or len(text.split()) > 4 or any(c.isdigit() for c in text):
        return None
    if text.casefold() in _GENERIC:
        return None
    return text


def _from_trail(names: list[str], headline: str) -> str | None:
    """The broadest entry of a breadcrumb trail that is neither a generic hub nor the story itself."""
    key = headline.casefold()
    for name in names:
        name = norm_text(name)
        if not name or name.casefold() == key or (key and key.startswith(name.casefold()[:30]) and len(name) > 30):
            continue
        label = _label(name)
        if label:
            return label
    return None


def _ld_breadcrumbs(objects: list[dict[str, Any]], headline: str) -> str | None:
    for obj in objects:
        items = obj.get("itemListElement")
        if not isinstance(items, list):
            continue
        ordered = sorted((i for i in items if isinstance(i, dict)),
                         key=lambda i: i.get("position") if isinstance(i.get("position"), int) else 0)
        names = []
        for item in ordered:
            name = item.get("name")
            inner = item.get("item")
            if not isinstance(name, str) and isinstance(inner, dict):
                name = inner.get("name")
            if isinstance(name, str):
                names.append(name)
        found = _from_trail(names, headline)
        if found:
            return found
    return None


def _above(headline: etree._Element, limit: int = 40) -> list[etree._Element]:
    """Elements just above the headline, nearest first: its preceding siblings and their
    descendants, then its ancestors' preceding siblings (three levels up)."""
    found: list[etree._Element] = []
    node: etree._Element | None = headline
    for _ in range(4):
        if node is None:
            break
        for sibling in node.itersiblings(preceding=True):
            if isinstance(sibling.tag, str):
                found.append(sibling)
                found.extend(el for el in sibling.iterdescendants() if isinstance(el.tag, str))
            if len(found) >= limit:
                return found[:limit]
        node = node.getparent()
    return found


def _in_teaser(el: etree._Element) -> bool:
    for node in el.iterancestors():
        words = class_words(node)
        if words and _TEASER.search(words):
            return True
    return False


def _visible_label(headline: etree._Element, title: str) -> str | None:
    """A breadcrumb trail or a category link shown just above the headline."""
    for el in _above(headline):
        words = class_words(el)
        aria = (el.get("aria-label") or "").lower()
        crumbs = "breadcrumb" in aria or "breadcrumblist" in (el.get("itemtype") or "").lower() \
            or (words and _BREADCRUMB.search(words))
        if crumbs and not _in_teaser(el):
            links = [text_of(a) for a in el.iter("a")]
            found = _from_trail(links, title)
            if found:
                return found
        elif words and _SECTION_LABEL.search(words) and not _in_teaser(el):
            links = [norm_text(text_of(a)) for a in el.iter("a")]
            if len(links) == 1:
                label = _label(links[0])
                if label:
                    return label
    return None


def _url_section(url: str | None) -> str | None:
    """The first word-like segment of the URL path, when more of the path follows it."""
    if not url:
        return None
    segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
    for segment in segments[:-1]:
        low = segment.lower()
        if low in _NOT_SECTION_SEGMENT:
            continue
        if not _WORD.fullmatch(segment):
            return None  # a date, an id, a slug: the sections, if any, were before it
        return segment.replace("-", " ").capitalize()
    return None


def fallback_section(*, breadcrumb_lists: list[dict[str, Any]],
                     headline: etree._Element | None, title: str, url: str | None) -> str | None:
    """The story's section from breadcrumbs, a category label or the URL, or None."""
    return (_ld_breadcrumbs(breadcrumb_lists, title)
            or (_visible_label(headline, title) if headline is not None else None)
            or _url_section(url))
