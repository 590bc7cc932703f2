"""Who wrote the story: author-name splitting and the visible-byline finder.

Kept apart from the metadata sources because reading a byline is its own
heuristic (labels in many languages, role words, comment and teaser boxes to
skip). ``norm_text`` lives here, the lowest of the metadata modules, so the
JSON-LD reader and the metadata extractor share one copy.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from lxml import etree

from indexer.extract.text import text_of

__all__ = ["norm_text", "outside_article", "split_authors", "visible_byline"]

_BY_PREFIX = re.compile(r"^\s*(?:written\s+|posted\s+|words\s+|story\s+)?by[:\s]+", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\bund\b|\bi\b|\bet\b|\by\b|\be\b)\s*")
_WS = re.compile(r"\s+")


def norm_text(text: str | None) -> str:
    """``text`` unescaped and with its whitespace collapsed (None reads as "")."""
    text = text or ""
    if "&" in text and ";" in text:
        # JSON-LD and meta values are often HTML-escaped a second time ("&#8216;").
        text = html.unescape(text)
    return _WS.sub(" ", text).strip()


# ---------------------------------------------------------------- author names

def split_authors(text: str) -> list[str]:
    """"By Ann Lee and Bo Chan" -> ["Ann Lee", "Bo Chan"]."""
    text = norm_text(text)
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


def outside_article(el: etree._Element, headline: etree._Element | None = None) -> bool:
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
        line = norm_text("".join(parts))
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


def visible_byline(root: etree._Element, h1: etree._Element | None) -> list[str]:
    """Authors from the byline readers see: a "byline" element, else "By ..." under the headline."""
    candidates = [el for el in _BYLINE_XPATH(root)
                  if el.tag not in ("meta", "script", "style")
                  and _BYLINE_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}")
                  and not outside_article(el, h1)]
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
            if names and not outside_article(el, h1):
                return names
    return []

