"""Article metadata (title, url, date, section, authors, publication) from a parsed page.

Sources in order of trust: JSON-LD, OpenGraph / ``article:*`` meta, other
common meta names, microdata, ``link rel=canonical``, and finally what the page
shows (``<h1>``, ``<title>``, a byline). Its own modules hold the harder parts:
JSON-LD (:mod:`~indexer.extract.jsonld`), bylines (:mod:`~indexer.extract.byline`),
the headline (:mod:`~indexer.extract.titles`), the publication date
(:mod:`~indexer.extract.pubdate`), the publication (:mod:`~indexer.extract.publication`) and the section's fallbacks
(:mod:`~indexer.extract.sections`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from lxml import etree

from indexer.extract.byline import norm_text, outside_article, split_authors, visible_byline
from indexer.extract.jsonld import article_json_ld, first_str, ld_authors
from indexer.extract.pubdate import publication_date
from indexer.extract.publication import publication
from indexer.extract.sections import fallback_section
from indexer.extract.text import text_of
from indexer.extract.titles import clean_title, headline_element, is_site_name, shown_in, words_agree

__all__ = ["PageMeta", "extract_metadata"]

_META_TITLE_KEYS = ("og:title", "parsely-title", "twitter:title", "dc.title", "headline",
                    "sailthru.title", "title")
_META_SECTION_KEYS = ("article:section", "og:article:section", "parsely-section", "section",
                      "articlesection", "article.section", "category", "dc.subject",
                      "cxenseparse:recs:articlesection", "sailthru.section")
_META_AUTHOR_KEYS = ("author", "article:author", "og:article:author", "parsely-author", "byl",
                     "sailthru.author", "dc.creator", "dcterms.creator", "citation_author",
                     "article.author", "twitter:creator:name")
_META_URL_KEYS = ("og:url", "parsely-link", "twitter:url")
# A title of this many words or fewer may be a section's or the site's name.
_SHORT_TITLE_WORDS = 3



@dataclass
class PageMeta:
    title: str = ""
    url: str | None = None
    date: dt.datetime | None = None
    section: str | None = None
    authors: list[str] = field(default_factory=list)
    site_name: str | None = None
    publication: str | None = None
    implausible_date: str | None = None
    headline: etree._Element | None = None  # the story's <h1>


# ---------------------------------------------------------------- meta and microdata

# Dublin Core is written "DC.date.issued" in HTML and "dc:date.issued" or
# "dcterms:created" in RDFa: one spelling, the dotted one.
_DUBLIN_CORE_PREFIX = re.compile(r"^(dc|dcterms):")

def _meta_maps(root: etree._Element) -> tuple[dict[str, str], dict[str, list[str]]]:
    """First value per meta key, and every value (page order) per key.

    The lists come from ``property``/``name`` only: an ``itemprop`` meta
    belongs to a microdata scope (perhaps a comment's), read with its scope.
    """
    found: dict[str, str] = {}
    every: dict[str, list[str]] = {}
    for meta in root.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        content = norm_text(content)
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                key = _DUBLIN_CORE_PREFIX.sub(r"\1.", key.strip().lower())
                found.setdefault(key, content)
                if attr in ("property", "name"):
                    values = every.setdefault(key, [])
                    if len(values) < 50:
                        values.append(content)
    return found, every


def _itemprop_value(el: etree._Element) -> str:
    for attr in ("content", "datetime"):
        value = el.get(attr)
        if value:
            return norm_text(value)
    if el.tag == "a" and el.get("href") and not norm_text(text_of(el)):
        return el.get("href", "")
    return norm_text(text_of(el))[:300]


def _microdata(root: etree._Element) -> dict[str, list[etree._Element]]:
    props: dict[str, list[etree._Element]] = {}
    for el in root.iterfind(".//*[@itemprop]"):
        for name in (el.get("itemprop") or "").split():
            props.setdefault(name.lower(), []).append(el)
    return props


# Microdata scopes whose "author" is not the article's author.
_FOREIGN_SCOPE = re.compile(r"comment|review|answer|question|rating", re.IGNORECASE)


def _in_foreign_scope(el: etree._Element) -> bool:
    """Is ``el`` inside a comment/review item rather than the article item?"""
    parent = el.getparent()
    while parent is not None:
        if parent.get("itemscope") is not None or parent.get("itemtype") or parent.get("itemprop"):
            kind = f"{parent.get('itemtype') or ''} {parent.get('itemprop') or ''}".lower()
            if "article" in kind or "posting" in kind:
                return False  # the story's own scope (ReviewNewsArticle included)
            if _FOREIGN_SCOPE.search(kind):
                return True
        parent = parent.getparent()
    return False


# ---------------------------------------------------------------- helpers

def _dedupe(names: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for name in names:
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            result.append(name)
    return result


# ---------------------------------------------------------------- main entry

def extract_metadata(root: etree._Element, *, skip_date_sources: frozenset[str] = frozenset()) -> PageMeta:
    """Collect title, canonical url, date, section and authors from ``root``."""
    ld, by_id, trails = article_json_ld(root)
    meta, meta_all = _meta_maps(root)
    micro = _microdata(root)
    result = PageMeta(site_name=meta.get("og:site_name") or meta.get("application-name"))

    # URL: canonical links are what the site says the page is.
    urls: list[str | None] = []
    if ld:
        urls.append(first_str(ld.get("url")))
        main = ld.get("mainEntityOfPage")
        urls.append(main.get("@id") if isinstance(main, dict) else main if isinstance(main, str) else None)
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            urls.insert(0, link.get("href"))
            break
    urls.extend(meta.get(k) for k in _META_URL_KEYS)
    for url in urls:
        if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
            result.url = url.strip()
            break

    result.publication = publication(meta, ld, by_id, result.url)

    # Title.
    page_title = root.find(".//title")
    page_title_text = norm_text(text_of(page_title)) if page_title is not None else ""
    ld_headline = (first_str(ld.get("headline")) or first_str(ld.get("name"))) if ld else None
    h1, h1_el = headline_element(root, result.site_name, page_title_text,
                                 tuple(filter(None, (meta.get("og:title"), ld_headline))))
    result.headline = h1_el
    titles: list[str | None] = []
    # Some pages put a description in JSON-LD "headline": trust it only
    # when the page shows it (in the <h1> or the <title>).
    if ld_headline and (not (h1 or page_title_text) or shown_in(ld_headline, h1, page_title_text)):
        titles.append(ld_headline)
    titles.extend(meta.get(k) for k in _META_TITLE_KEYS)
    titles.extend(_itemprop_value(el) for el in micro.get("headline", [])[:1])
    if (h1 and page_title_text and h1.casefold() in page_title_text.casefold()
            and not is_site_name(h1, result.site_name, page_title_text)):
        # The headline and the <title> agree: a short meta or microdata title
        # that shares few words with them is a section's or the site's name
        # ("Pressemitteilungen", a theme's itemprop="headline" on the logo).
        titles = [title for title in titles
                  if title and (len(title.split()) > _SHORT_TITLE_WORDS or words_agree(title, h1))]
        titles.append(h1)
    titles.append(page_title_text)
    titles.append(h1)
    for title in titles:
        if title and len(title) >= 2:
            result.title = clean_title(title, result.site_name, h1)
            break

    # Date.
    found = publication_date(root, ld=ld, meta=meta, micro=micro, headline=h1_el, url=result.url,
                             skip=skip_date_sources)
    result.date, result.implausible_date = found.date, found.implausible

    # Section.
    sections: list[str | None] = []
    if ld:
        sections.append(first_str(ld.get("articleSection")))
    sections.extend(meta.get(k) for k in _META_SECTION_KEYS)
    sections.extend(_itemprop_value(el) for el in micro.get("articlesection", [])[:1])
    for section in sections:
        if section and len(section) <= 100 and not section.startswith(("http://", "https://")):
            result.section = section
            break
    if result.section is None:
        result.section = fallback_section(breadcrumb_lists=trails, headline=h1_el,
                                          title=h1 or result.title, url=result.url)

    # Authors. Structured sources first; the visible byline only without them.
    authors: list[str] = []
    if ld and ld.get("author"):
        authors = ld_authors(ld["author"], by_id)
    if not authors:
        for key in _META_AUTHOR_KEYS:
            # One meta per author is the OpenGraph convention: keep them all.
            for value in meta_all.get(key, []):
                authors.extend(split_authors(value))
            if authors:
                break
    if not authors:
        for el in micro.get("author", [])[:20]:
            if _in_foreign_scope(el):
                continue
            names = el.xpath(".//*[@itemprop='name']")
            value = _itemprop_value(names[0]) if names else _itemprop_value(el)
            authors.extend(split_authors(value))
    if not authors:
        authors = visible_byline(root, h1_el)
    if not authors:
        for el in root.xpath("//a[@rel='author']")[:10]:
            if not outside_article(el, h1_el):
                authors.extend(split_authors(text_of(el)))
    result.authors = _dedupe(authors)[:20]
    return result
