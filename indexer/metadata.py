"""Article metadata (title, url, date, section, authors) from a parsed page.

Sources in order of trust: JSON-LD, OpenGraph / ``article:*`` meta, other
common meta names, microdata, ``<time datetime>``, ``link rel=canonical``,
and finally what the page shows (``<h1>``, ``<title>``, a date near the headline).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from lxml import etree

from indexer.dates import find_text_date, parse_date
from indexer.htmltext import text_of

__all__ = ["PageMeta", "extract_metadata", "clean_title", "split_authors"]

_ARTICLE_TYPES = frozenset({
    "newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "socialmediaposting",
    "liveblogposting", "scholarlyarticle", "techarticle", "report", "advertisercontentarticle",
    "satiricalarticle", "posting", "webpage",
})
# Generic page types are only used when no real article object is present.
_WEAK_TYPES = frozenset({"webpage", "posting"})

_META_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "article:published",
    "og:published_time", "published_time", "datepublished", "publishdate", "publish-date",
    "publish_date", "pubdate", "article.published", "article_date_original",
    "original-publish-date", "parsely-pub-date", "sailthru.date", "dc.date.issued",
    "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created", "dc.date.created",
    "date", "article:post_date", "cxenseparse:recs:publishtime", "displaydate", "dat",
    "release_date", "og:pubdate", "citation_publication_date", "citation_date",
)
_META_TITLE_KEYS = ("og:title", "parsely-title", "twitter:title", "dc.title", "headline",
                    "sailthru.title", "title")
_META_SECTION_KEYS = ("article:section", "og:article:section", "parsely-section", "section",
                      "articlesection", "article.section", "category", "dc.subject",
                      "cxenseparse:recs:articlesection", "sailthru.section")
_META_AUTHOR_KEYS = ("author", "article:author", "og:article:author", "parsely-author", "byl",
                     "sailthru.author", "dc.creator", "dcterms.creator", "citation_author",
                     "article.author", "twitter:creator:name")
_META_URL_KEYS = ("og:url", "parsely-link", "twitter:url")

_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—:·•»~/]|::)\s+")
_SEP_AFTER = re.compile(r"\s+(?:[|\-–—:·•»~/]|::)\s")
_SEP_BEFORE = re.compile(r"\s(?:[|\-–—:·•»~/]|::)\s+$")
_BY_PREFIX = re.compile(r"^\s*(?:written\s+|posted\s+|words\s+|story\s+)?by[:\s]+", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\bund\b|\bi\b|\bet\b|\by\b|\be\b)\s*")
_WS = re.compile(r"\s+")


@dataclass
class PageMeta:
    title: str = ""
    url: str | None = None
    date: dt.datetime | None = None
    section: str | None = None
    authors: list[str] = field(default_factory=list)
    site_name: str | None = None


def _norm(text: str | None) -> str:
    text = text or ""
    if "&" in text and ";" in text:
        # JSON-LD and meta values are often HTML-escaped a second time ("&#8216;").
        text = html.unescape(text)
    return _WS.sub(" ", text).strip()


# ---------------------------------------------------------------- JSON-LD

def _loads_tolerant(raw: str) -> Any:
    """Parse JSON-LD, repairing the usual breakage instead of giving up."""
    text = raw.strip()
    if text.startswith("<!--") or text.startswith("<![CDATA["):
        text = re.sub(r"^(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)$", "", text).strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    # Trailing commas, stray semicolons, raw control characters, several objects glued.
    fixed = re.sub(r",\s*([}\]])", r"\1", text).rstrip(";").strip()
    fixed = re.sub(r"[\x00-\x1f]", " ", fixed)
    try:
        return json.loads(fixed, strict=False)
    except ValueError:
        pass
    try:
        return json.loads("[" + re.sub(r"}\s*{", "},{", fixed) + "]", strict=False)
    except ValueError:
        return _regex_fields(text)


def _regex_fields(text: str) -> dict[str, Any] | None:
    """Last resort for JSON that will not parse: pull quoted scalar fields out."""
    found: dict[str, Any] = {}
    for key in ("@type", "headline", "datePublished", "articleSection", "url"):
        match = re.search(rf'"{re.escape(key)}"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
        if match:
            found[key] = match.group(1).replace('\\"', '"').replace("\\/", "/")
    authors = re.findall(r'"author"\s*:\s*(?:\[\s*)?\{[^{}]*?"name"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
    if authors:
        found["author"] = authors
    return found or None


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind.lower().rsplit("/", 1)[-1]}
    if isinstance(kind, list):
        return {k.lower().rsplit("/", 1)[-1] for k in kind if isinstance(k, str)}
    return set()


def _walk_json(data: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON value, breadth-first, without recursion."""
    queue: list[Any] = [data]
    seen = 0
    while queue and seen < 5000:
        item = queue.pop(0)
        seen += 1
        if isinstance(item, dict):
            yield item
            queue.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            queue.extend(v for v in item if isinstance(v, (dict, list)))


def _first_str(value: Any) -> str | None:
    if isinstance(value, str):
        return _norm(value) or None
    if isinstance(value, list):
        for item in value:
            found = _first_str(item)
            if found:
                return found
    if isinstance(value, dict):
        return _first_str(value.get("name") or value.get("@id") or value.get("url"))
    return None


def _ld_authors(value: Any, by_id: dict[str, dict[str, Any]]) -> list[str]:
    names: list[str] = []
    items = value if isinstance(value, list) else [value]
    people = [i for i in items if isinstance(i, dict) and "person" in _types(i)]
    if people:
        # Bylines that list the publisher next to the reporters: keep the people.
        items = people
    for item in items[:50]:
        if isinstance(item, str):
            names.extend(split_authors(item))
        elif isinstance(item, dict):
            if "name" not in item and isinstance(item.get("@id"), str):
                item = by_id.get(item["@id"], item)
            name = item.get("name")
            if isinstance(name, list):
                name = " ".join(n for n in name if isinstance(n, str))
            if isinstance(name, str):
                names.extend(split_authors(name))
            elif "givenName" in item or "familyName" in item:
                names.append(_norm(f"{item.get('givenName', '')} {item.get('familyName', '')}"))
    return names


def _json_ld(root: etree._Element) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """The most article-like JSON-LD object on the page and an @id index."""
    best: dict[str, Any] | None = None
    weak: dict[str, Any] | None = None
    by_id: dict[str, dict[str, Any]] = {}
    for script in root.iter("script"):
        kind = (script.get("type") or "").lower()
        if "ld+json" not in kind or not script.text:
            continue
        data = _loads_tolerant(script.text[:2_000_000])
        if data is None:
            continue
        for obj in _walk_json(data):
            if isinstance(obj.get("@id"), str):
                by_id.setdefault(obj["@id"], obj)
            types = _types(obj)
            if best is None and types & (_ARTICLE_TYPES - _WEAK_TYPES):
                best = obj
            elif weak is None and types & _WEAK_TYPES and obj.get("datePublished"):
                weak = obj
    return best or weak, by_id


# ---------------------------------------------------------------- meta and microdata

def _meta_map(root: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        content = _norm(content)
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                found.setdefault(key.strip().lower(), content)
    return found


def _itemprop_value(el: etree._Element) -> str:
    for attr in ("content", "datetime"):
        value = el.get(attr)
        if value:
            return _norm(value)
    if el.tag == "a" and el.get("href") and not _norm(text_of(el)):
        return el.get("href", "")
    return _norm(text_of(el))[:300]


def _microdata(root: etree._Element) -> dict[str, list[etree._Element]]:
    props: dict[str, list[etree._Element]] = {}
    for el in root.iterfind(".//*[@itemprop]"):
        for name in (el.get("itemprop") or "").split():
            props.setdefault(name.lower(), []).append(el)
    return props


# ---------------------------------------------------------------- helpers

def split_authors(text: str) -> list[str]:
    """"By Ann Lee and Bo Chan" -> ["Ann Lee", "Bo Chan"]."""
    text = _norm(text)
    if not text or text.startswith(("http://", "https://", "www.", "/")):
        return []
    text = _BY_PREFIX.sub("", text)
    text = re.split(r"\s+[|•·]\s+|\s+-\s+|\bupdated\b|\bpublished\b", text, flags=re.IGNORECASE)[0]
    names = []
    for part in _AUTHOR_SPLIT.split(text):
        part = _BY_PREFIX.sub("", part).strip(" .:;,-")
        # Names are short; long parts are sentences or job titles glued on.
        if part and len(part) <= 60 and len(part.split()) <= 6 and not part.startswith("@"):
            names.append(part)
    return names


def _dedupe(names: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for name in names:
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            result.append(name)
    return result


def clean_title(title: str, site_name: str | None = None, h1: str | None = None) -> str:
    """Strip a site-name prefix/suffix such as " | The Daily Post" from a title."""
    title = _norm(title)
    if not title:
        return ""
    if h1:
        h1n = _norm(h1)
        # "<h1> | Site" or "Site - <h1>": the headline is the h1 exactly. A
        # title that merely starts with the h1 words is a longer headline.
        if h1n and h1n != title:
            if title.startswith(h1n) and _SEP_AFTER.match(title[len(h1n):] + " "):
                return h1n
            if title.endswith(h1n) and _SEP_BEFORE.search(" " + title[: -len(h1n)]):
                return h1n
    if site_name and _norm(site_name):
        site = re.escape(_norm(site_name))
        stripped = re.sub(rf"^\s*{site}\s*[:|\-–—·•»/]\s*|\s*[:|\-–—·•»/]\s*{site}\s*$", "", title,
                          flags=re.IGNORECASE)
        if stripped and stripped != title:
            return stripped.strip()
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    # No known site name: drop a short last (or first) segment that reads like a brand.
    last, first = parts[-1], parts[0]
    rest_last = title[: title.rfind(last)].rstrip(" |-–—:·•»~/")
    if len(last.split()) <= 4 and len(last) < len(rest_last):
        return rest_last.strip()
    rest_first = title[len(first):].lstrip(" |-–—:·•»~/")
    if len(first.split()) <= 3 and len(first) * 2 < len(rest_first):
        return rest_first.strip()
    return title


def _h1_text(root: etree._Element) -> tuple[str, etree._Element | None]:
    for h1 in root.iter("h1"):
        text = _norm(text_of(h1))
        if 3 <= len(text) <= 400:
            return text, h1
    return "", None


def _date_near(root: etree._Element, anchor: etree._Element | None) -> dt.datetime | None:
    """A date written in the visible text close to the headline (or page top)."""
    texts: list[str] = []
    budget = 2500
    start = anchor if anchor is not None else root.find(".//body")
    if start is None:
        return None
    skip = {"script", "style", "noscript", "template"}
    for el in start.iter():
        if el.tag in skip or not isinstance(el.tag, str):
            continue
        chunk = el.text or ""
        if chunk.strip():
            texts.append(chunk)
            budget -= len(chunk)
        if el is not start and el.tail and el.tail.strip():
            texts.append(el.tail)
            budget -= len(el.tail)
        if budget <= 0:
            break
    # Past the headline element itself, keep reading the following elements.
    if anchor is not None and budget > 0:
        for el in anchor.itersiblings():
            for sub in el.iter():
                if sub.tag in skip or not isinstance(sub.tag, str):
                    continue
                for chunk in (sub.text, sub.tail):
                    if chunk and chunk.strip():
                        texts.append(chunk)
                        budget -= len(chunk)
            if budget <= 0:
                break
        parent = anchor.getparent()
        if budget > 0 and parent is not None:
            for el in parent.itersiblings():
                for sub in el.iter():
                    if sub.tag in skip or not isinstance(sub.tag, str):
                        continue
                    for chunk in (sub.text, sub.tail):
                        if chunk and chunk.strip():
                            texts.append(chunk)
                            budget -= len(chunk)
                if budget <= 0:
                    break
    return find_text_date(" ".join(texts))


def _htmldate(root: etree._Element) -> dt.datetime | None:
    """Slow last resort: htmldate's heuristics over the whole page."""
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover - htmldate is a declared dependency
        return None
    try:
        found = find_date(root, extensive_search=True, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # noqa: BLE001 - a third-party failure must not fail the page
        return None
    return parse_date(found) if found else None


# ---------------------------------------------------------------- main entry

def extract_metadata(root: etree._Element, *, use_htmldate: bool = True) -> PageMeta:
    """Collect title, canonical url, date, section and authors from ``root``."""
    ld, by_id = _json_ld(root)
    meta = _meta_map(root)
    micro = _microdata(root)
    result = PageMeta(site_name=meta.get("og:site_name") or meta.get("application-name"))

    # URL: canonical links are what the site says the page is.
    urls: list[str | None] = []
    if ld:
        urls.append(_first_str(ld.get("url")))
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

    # Title.
    h1, h1_el = _h1_text(root)
    titles: list[str | None] = []
    if ld:
        titles.append(_first_str(ld.get("headline")) or _first_str(ld.get("name")))
    titles.extend(meta.get(k) for k in _META_TITLE_KEYS)
    titles.extend(_itemprop_value(el) for el in micro.get("headline", [])[:1])
    page_title = root.find(".//title")
    page_title_text = _norm(text_of(page_title)) if page_title is not None else ""
    if h1 and page_title_text and h1.casefold() in page_title_text.casefold():
        titles.append(h1)
    titles.append(page_title_text)
    titles.append(h1)
    for title in titles:
        if title and len(title) >= 2:
            result.title = clean_title(title, result.site_name, h1)
            break

    # Date.
    dates: list[str | None] = []
    if ld:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            dates.append(_first_str(ld.get(key)))
    dates.extend(meta.get(k) for k in _META_DATE_KEYS)
    parsely = meta.get("parsely-page")
    if parsely:
        try:
            parsed = json.loads(parsely)
            if isinstance(parsed, dict):
                dates.append(_first_str(parsed.get("pub_date")))
        except ValueError:
            pass
    dates.extend(_itemprop_value(el) for el in micro.get("datepublished", [])[:2])
    for time_el in root.iter("time"):
        if time_el.get("datetime"):
            dates.append(time_el.get("datetime"))
            break
    for value in dates:
        parsed_date = parse_date(value)
        if parsed_date is not None:
            result.date = parsed_date
            break
    if result.date is None:
        result.date = _date_near(root, h1_el)
    if result.date is None and use_htmldate:
        result.date = _htmldate(root)

    # Section.
    sections: list[str | None] = []
    if ld:
        sections.append(_first_str(ld.get("articleSection")))
    sections.extend(meta.get(k) for k in _META_SECTION_KEYS)
    sections.extend(_itemprop_value(el) for el in micro.get("articlesection", [])[:1])
    for section in sections:
        if section and len(section) <= 100 and not section.startswith(("http://", "https://")):
            result.section = section
            break

    # Authors.
    authors: list[str] = []
    if ld and ld.get("author"):
        authors = _ld_authors(ld["author"], by_id)
    if not authors:
        for key in _META_AUTHOR_KEYS:
            if meta.get(key):
                authors = split_authors(meta[key])
                if authors:
                    break
    if not authors:
        for el in micro.get("author", [])[:10]:
            names = el.xpath(".//*[@itemprop='name']")
            value = _itemprop_value(names[0]) if names else _itemprop_value(el)
            authors.extend(split_authors(value))
    if not authors:
        for el in root.xpath("//a[@rel='author']")[:10]:
            authors.extend(split_authors(text_of(el)))
    result.authors = _dedupe(authors)[:20]
    return result
