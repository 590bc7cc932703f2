"""The start of a story that sits apart from its chosen body: the standfirst and lead paragraphs.

Many pages put the first paragraph or a summary between the headline and the
element the rest of the story is in (a marked body, the best-scored block).
Taken: a block named as a standfirst ("intro", "teaser", "perex"...), and any
plain paragraph of the story's wrapper there, the headline's own <header>
included (many sites put the standfirst beside the headline in it). Not
taken: what another <header>, a list, a quote box, a caption or a byline
holds there (key points, tickers, pull quotes, photo credits), nor the text
of another marked body. A page without a headline, or whose headline sits
far from the body, still has its standfirst-named block just above the body.
"""

from __future__ import annotations

import re

from lxml import etree

from indexer.extract.classes import MEDIA_WORDS, WEAK_WORDS, class_words
from indexer.extract.measure import Stats, inside
from indexer.extract.text import text_of

__all__ = ["lead_blocks"]

# The summary paragraph some sites set apart before the body text, in the
# languages of the archive's sources (German "Vorspann", French "chapô",
# Czech/Slovak "perex", Spanish "entradilla"/"bajada", Italian "sommario").
_STANDFIRST = re.compile(
    r"\b(?:summary|standfirst|lede|lead|intro|introduction|teaser|dek|deck|excerpt|abstract|subtitle|"
    r"sub ?headline|subline|vorspann|chapo|chapeau|perex|entradilla|bajada|sommario)\b")
_LEAD_CHARS = (80, 1500)  # a lead paragraph: more than a label, less than a whole story
_SUBTITLE_MIN = 150       # a heading this long is a sentence set as a subtitle, not a label
_QUOTE = re.compile(r"quote")
_SENTENCE_END = re.compile(r"[.!?…\"'”’»)]\s*$")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SET_APART = frozenset({"header", "li", "ul", "ol", "dl", "table"})


def lead_blocks(first: etree._Element, stats: Stats, headline: etree._Element | None) -> list[etree._Element]:
    """The standfirst and lead paragraphs between ``headline`` and the body's ``first`` element."""
    if headline is None:
        return _named_before(first, stats)
    around = set(headline.iterancestors())
    wrapper = next((a for a in first.iterancestors() if a in around), None)
    if wrapper is None or wrapper.tag in ("body", "html"):
        return _named_before(first, stats)  # the headline is far from the body: as without one
    found: list[etree._Element] = []
    seen_headline = False
    for el in wrapper.iter():
        if el is headline:
            seen_headline = True
        elif el is first:
            break
        elif (seen_headline and isinstance(el.tag, str) and stats.raw_paras.get(el)
              and not any(f in found for f in el.iterancestors())
              and not _in_furniture(el, stats, around) and headline not in el.iterancestors()
              and not _in_other_body(el, wrapper, stats, first)):
            if _in_own_header(el, wrapper, stats, around) and not _story_opening(text_of(el)):
                continue
            words = class_words(el)
            if (words and _STANDFIRST.search(words)) or _lead_paragraph(el, wrapper, stats, around):
                found.append(el)
    return found


def _in_own_header(el: etree._Element, wrapper: etree._Element, stats: Stats,
                   around: set[etree._Element]) -> bool:
    """Is ``el`` in the headline's own <header> (or a wrapper furniture by class around it)?"""
    for a in el.iterancestors():
        if a is wrapper:
            return False
        if a in around and (a.tag == "header" or a in stats.furniture):
            return True
    return False


# A dek beside the headline (one sentence of display copy) is not the story;
# a paragraph of two or more sentences there is its opening.
_SENTENCE_BREAK = re.compile(r"[.!?…][\"'”’»)]?\s+(?=[\"'„“«(]?[^\W\d_])")
_OPENING_CHARS = 150


def _story_opening(text: str) -> bool:
    text = text.strip()
    return len(text) >= _OPENING_CHARS and _SENTENCE_BREAK.search(text) is not None


def _in_furniture(el: etree._Element, stats: Stats, around: set[etree._Element]) -> bool:
    """Is ``el`` in furniture other than the headline's own wrappers (its <header>)?"""
    return any(a in stats.furniture and a not in around for a in (el, *el.iterancestors()))


_NAMED_SCOPE = 3  # levels above the body searched for a standfirst when the page has no headline


def _named_before(first: etree._Element, stats: Stats) -> list[etree._Element]:
    """The standfirst-named blocks just above the body ``first``, within a few levels of
    it, written as sentences (a second title is no lead)."""
    scope = first
    for _ in range(_NAMED_SCOPE):
        scope = scope.getparent()
        if scope is None or scope.tag in ("body", "html"):
            return []
        found: list[etree._Element] = []
        for el in scope.iter():
            if el is first:
                break
            words = class_words(el) if isinstance(el.tag, str) else ""
            if (words and _STANDFIRST.search(words) and stats.raw_paras.get(el)
                    and not any(f in found for f in el.iterancestors()) and not inside(el, stats.furniture)
                    and first not in el.iterdescendants() and _SENTENCE_END.search(text_of(el))):
                found.append(el)
        if found:
            return found
    return []


def _in_other_body(el: etree._Element, wrapper: etree._Element, stats: Stats, first: etree._Element) -> bool:
    """Is ``el`` part of another marked body as long as the chosen one (a second copy of the story)?"""
    for a in (el, *el.iterancestors()):
        if a is wrapper:
            return False
        if a in stats.markers and stats.raw_paras.get(a, 0) >= 0.5 * stats.raw_paras.get(first, 0):
            return True
    return False


def _lead_paragraph(el: etree._Element, wrapper: etree._Element, stats: Stats,
                    around: set[etree._Element]) -> bool:
    """A plain paragraph of the story: a sentence or more, not set apart in a box."""
    if any(stats.raw_paras.get(child) for child in el):
        return False  # not a single paragraph
    size = stats.raw_paras[el]
    if not _LEAD_CHARS[0] <= size <= _LEAD_CHARS[1] or _SENTENCE_END.search(text_of(el)) is None:
        return False
    for a in (el, *el.iterancestors()):
        if a is wrapper:
            break
        if ((a.tag in _SET_APART and a not in around) or a.tag in ("figure", "figcaption")
                or (a.tag in _HEADINGS and size < _SUBTITLE_MIN)):
            return False
        words = class_words(a)
        if words and (WEAK_WORDS.search(words) or MEDIA_WORDS.search(words) or _QUOTE.search(words)):
            return False
    # The only text beside a picture is its caption.
    for block in (el, el.getparent()):
        if (block is not None and stats.raw_paras.get(block) == size
                and (block.find(".//img") is not None or block.find(".//picture") is not None)):
            return False
    return True
