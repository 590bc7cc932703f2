"""Delete boilerplate inside the chosen container: furniture, bylines, captions, widgets."""

from __future__ import annotations

from lxml import etree

from indexer.extract.classes import (
    CONTENT_WORDS, FURNITURE_ROLES, FURNITURE_TAGS, MEDIA_WORDS, WEAK_WORDS, class_words, is_hidden,
    tag_name,
)
from indexer.extract.measure import Stats

__all__ = ["remove", "strip_boilerplate"]


def remove(el: etree._Element) -> None:
    """Delete an element but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def strip_boilerplate(container: etree._Element, stats: Stats) -> None:
    total = max(stats.raw_paras.get(container, 0), stats.prose.get(container, 0) // 2, 1)
    doomed: list[etree._Element] = []
    it = container.iter()
    next(it)  # the container itself stays
    for el in it:
        if el in stats.furniture:
            doomed.append(el)
            continue
        weak = (
            tag_name(el) in FURNITURE_TAGS
            or (el.get("role") or "").lower() in FURNITURE_ROLES
            or is_hidden(el)
        )
        words = class_words(el)
        if not weak and words:
            weak = WEAK_WORDS.search(words) is not None and not CONTENT_WORDS.search(words)
        share = stats.raw_paras.get(el, 0)
        # Never delete something that holds real prose: a large share of the
        # container, or more than a byline or tag list ever does.
        if weak and share < min(0.4 * total, 400):
            doomed.append(el)
        elif (share < 0.4 * total and words and MEDIA_WORDS.search(words) and not CONTENT_WORDS.search(words)
              and not (share and el.find(".//blockquote") is not None)):  # an embedded post is quoted text
            doomed.append(el)
    # Remove outermost first; removing a descendant of a removed element is harmless.
    for el in doomed:
        remove(el)
