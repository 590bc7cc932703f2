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

from indexer.dates import find_text_date, is_decoy_label, parse_date
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
        content = _norm(content)
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                key = key.strip().lower()
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
    # Past the headline element itself, keep reading the elements after it,
    # then those after its parent.
    if anchor is not None:
        parent = anchor.getparent()
        for following in (anchor.itersiblings(), parent.itersiblings() if parent is not None else ()):
            for el in following:
                if budget <= 0:
                    break
                for sub in el.iter():
                    if sub.tag in skip or not isinstance(sub.tag, str):
                        continue
                    for chunk in (sub.text, sub.tail):
                        if chunk and chunk.strip():
                            texts.append(chunk)
                            budget -= len(chunk)
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


# ---------------------------------------------------------------- visible bylines

# "By", "Von", "Par", "Por", "Di", "Door", "Av", "Przez", "Piše", "Автор"... then the names.
_BYLINE_LABEL = re.compile(
    r"^\s*(?:(?:written|words|story|reporting|text|photos?)\s+)?"
    r"(?:by|von|par|por|di|door|av|af|przez|autor(?:in)?|author(?:s)?|"
    r"pi[šs]e|pi[šs]u|napisao|napisala|пише|пишу|аутор|автор|написао|написала)\b\s*[:\-–—]?\s*",
    re.IGNORECASE,
)
# Plain contains() ("byline", "Byline", "post-byline") is far faster in libxml2
# than a case-folding translate(); _BYLINE_CLASS confirms the match.
_BYLINE_XPATH = etree.XPath("descendant::*[contains(@class, 'yline') or contains(@id, 'yline')]")
_BYLINE_CLASS = re.compile(r"by[-_]?line", re.IGNORECASE)
# Containers of other people's names: comments, teaser lists, sidebars, footers.
_NOT_ARTICLE = re.compile(
    r"comment|reply|respon|discussion|related|teaser|sidebar|widget|footer|promo|recommend|"
    r"popular|most-?read|trending|more-?(?:from|stories|news)|newsletter|breadcrumb|(?:^|[\s_-])nav",
    re.IGNORECASE,
)
_NOT_ARTICLE_TAGS = frozenset({"nav", "footer", "aside", "form"})
# Job titles and desk names that follow names in bylines ("By Ann Lee, Political Editor").
_ROLE_WORDS = re.compile(
    r"\b(?:correspondent|editor|reporter|writer|staff|columnist|contributor|contributing|"
    r"photographer|producer|journalist|analyst|desk|bureau|team|newsroom|agency|wire|"
    r"redaktion|korrespondent(?:in)?|redakcija|редакција|newsletter)\b",
    re.IGNORECASE,
)
_CREDENTIALS = frozenset({"phd", "ph.d", "md", "mba", "msc", "bsc", "rd", "rn", "jr", "sr", "esq",
                          "ii", "iii", "iv"})
_NAME_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "da", "das", "do", "dos", "del", "della", "di", "du", "la",
    "le", "bin", "ibn", "al", "el", "ten", "ter", "zu", "y", "e", "st.",
})


def _looks_like_name(name: str) -> bool:
    """A person's name as bylines write it: 1-5 capitalised words, no digits."""
    words = name.split()
    if not 1 <= len(words) <= 5 or len(name) > 60 or any(ch.isdigit() for ch in name):
        return False
    if any(ch in name for ch in "!?:;()[]{}<>|/\\@#=+*\"") or _ROLE_WORDS.search(name):
        return False
    if not words[0][:1].isupper():
        return False
    if len(words) == 1 and (len(name) <= 4 and name.replace(".", "").isupper()
                            or name.lower().strip(".") in _CREDENTIALS):
        return False  # "MS", "PhD", "Jr."
    return all(w[:1].isupper() or w.lower() in _NAME_PARTICLES or w[:1] in "'’" for w in words)


_PAGE_WRAPPERS = frozenset({"html", "body", "main"})


def _outside_article(el: etree._Element, headline: etree._Element | None = None) -> bool:
    """Is ``el`` inside comments, a teaser list, a sidebar or the page footer?

    Wrappers that hold the headline are the story's own (whatever page-state
    classes they carry, such as "comments-open" or "with-sidebar").
    """
    node: etree._Element | None = el
    around = set(headline.iterancestors()) if headline is not None else set()
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _PAGE_WRAPPERS or node in around:
            node = node.getparent()
            continue
        if tag in _NOT_ARTICLE_TAGS:
            return True
        cid = f"{node.get('class') or ''} {node.get('id') or ''}"
        if cid.strip() and _NOT_ARTICLE.search(cid):
            return True
        node = node.getparent()
    return False


_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "cite", "data", "em", "font", "i", "mark", "q", "s", "small",
    "span", "strong", "sub", "sup", "time", "u", "var",
})
# Parts of a byline that hold just the names ("<span class='author'>").
_NAME_PART = re.compile(r"author|(?:^|[\s_-])name|contributor|writer|reporter", re.IGNORECASE)
_NOT_NAME_PART = re.compile(r"image|img|photo|avatar|bio|title|role|job|desc", re.IGNORECASE)


def _lines_of(el: etree._Element) -> list[str]:
    """The text of ``el`` split where a reader sees line breaks (<br>, block elements)."""
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        line = _norm("".join(parts))
        if line:
            lines.append(line)
        parts.clear()

    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag not in _INLINE:
                flush()
            if node.text:
                parts.append(node.text)
        else:
            if tag not in _INLINE:
                flush()
            if node is not el and node.tail:
                parts.append(node.tail)
    flush()
    return lines


# "By Ann Lee on Monday, ...", "By Ann Lee in Berlin", "By Ann Lee at 10:04".
_BYLINE_TAIL = re.compile(r"\s+(?:on|at|in|for|am|um|le|el)\s+(?=[A-Z0-9])")


def _names_in_line(line: str, *, need_label: bool) -> list[str]:
    labelled = _BYLINE_LABEL.match(line)
    if need_label and not labelled:
        return []
    if labelled:
        line = line[labelled.end():]
    line = _BYLINE_TAIL.split(line, 1)[0]
    return [n for n in split_authors(line) if _looks_like_name(n)]


def _byline_names(el: etree._Element, *, need_label: bool) -> list[str]:
    """Names in one byline element ("By A, B and C"), or [] if it is not one."""
    if len(text_of(el)) > 400:
        return []
    if not need_label:
        # A byline box often holds the names apart from the outlet and the date.
        names: list[str] = []
        for part in el.iterdescendants():
            cid = f"{part.get('class') or ''} {part.get('itemprop') or ''} {part.get('rel') or ''}"
            if _NAME_PART.search(cid) and not _NOT_NAME_PART.search(cid):
                names.extend(n for line in _lines_of(part) for n in _names_in_line(line, need_label=False))
        if names:
            return names
    lines = _lines_of(el)
    if len(lines) > 1 and _BYLINE_LABEL.fullmatch(lines[0]):
        lines[:2] = [f"{lines[0]} {lines[1]}"]  # "By" on a line of its own
    for line in lines[:3]:
        names = _names_in_line(line, need_label=need_label)
        if names:
            return names
        if need_label:
            if not _BYLINE_LABEL.match(line):
                return []  # a "By ..." line must come first in the element
            break
    # Names only in links ("<a>Ann Lee</a><a>Bo Chan</a>").
    names = []
    for link in el.iter("a"):
        names.extend(n for n in split_authors(text_of(link)) if _looks_like_name(n))
    return names


def _following_blocks(anchor: etree._Element, limit: int) -> Iterator[etree._Element]:
    """Elements after ``anchor`` in document order (its siblings, then its parent's)."""
    count = 0
    node: etree._Element | None = anchor
    for _ in range(3):
        if node is None:
            return
        for sibling in node.itersiblings():
            for sub in sibling.iter():
                if not isinstance(sub.tag, str):
                    continue
                yield sub
                count += 1
                if count >= limit:
                    return
        node = node.getparent()


def _visible_byline(root: etree._Element, h1: etree._Element | None) -> list[str]:
    """Authors from the byline readers see: a "byline" element, else "By ..." under the headline."""
    candidates = [el for el in _BYLINE_XPATH(root)
                  if el.tag not in ("meta", "script", "style")
                  and _BYLINE_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}")
                  and not _outside_article(el, h1)]
    if candidates:
        # Nested byline wrappers: the first that yields names, in page order,
        # preferring bylines after the headline (earlier ones may be teasers).
        after: list[etree._Element] = []
        if h1 is not None:
            following = set(h1.itersiblings())
            for el in candidates:
                node = el
                while node is not None and node not in following and node is not h1:
                    node = node.getparent()
                if node is not None and node is not h1:
                    after.append(el)
        for el in after + [c for c in candidates if c not in after]:
            names = _byline_names(el, need_label=False)
            if names:
                return names
    if h1 is None:
        return []
    for el in _following_blocks(h1, 40):
        if el.tag in ("p", "div", "span", "address", "small", "li", "strong", "em", "b", "font"):
            names = _byline_names(el, need_label=True)
            if names and not _outside_article(el, h1):
                return names
    return []


_PUBLISHED_HINT = re.compile(r"publish|posted|created|issued|pubdate|dateline", re.IGNORECASE)
_UPDATED_HINT = re.compile(r"updat|modif|edited|revis|changed|comment", re.IGNORECASE)


def _published_time(root: etree._Element, headline: etree._Element | None) -> str | None:
    """The ``<time datetime>`` that dates the story, not an update, a comment or a teaser."""
    plain: str | None = None
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
        if _UPDATED_HINT.search(hints) or is_decoy_label(before) or _outside_article(time_el, headline):
            continue
        if time_el.get("pubdate") is not None or _PUBLISHED_HINT.search(hints):
            return value
        if plain is None:
            plain = value
    return plain


# ---------------------------------------------------------------- main entry

def extract_metadata(root: etree._Element, *, use_htmldate: bool = True) -> PageMeta:
    """Collect title, canonical url, date, section and authors from ``root``."""
    ld, by_id = _json_ld(root)
    meta, meta_all = _meta_maps(root)
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
    for value in dates:
        parsed_date = parse_date(value)
        if parsed_date is not None:
            result.date = parsed_date
            break
    if result.date is None:
        result.date = parse_date(_published_time(root, h1_el))
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

    # Authors. Structured sources first; the visible byline only without them.
    authors: list[str] = []
    if ld and ld.get("author"):
        authors = _ld_authors(ld["author"], by_id)
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
        authors = _visible_byline(root, h1_el)
    if not authors:
        for el in root.xpath("//a[@rel='author']")[:10]:
            if not _outside_article(el, h1_el):
                authors.extend(split_authors(text_of(el)))
    result.authors = _dedupe(authors)[:20]
    return result
