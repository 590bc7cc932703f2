"""Delete boilerplate inside the chosen container: furniture, bylines, captions, widgets."""

from __future__ import annotations

from collections import Counter

from lxml import etree

from indexer.extract.classes import (
    CONTENT_WORDS, FURNITURE_ROLES, FURNITURE_TAGS, MEDIA_WORDS, WEAK_WORDS, class_words, is_hidden,
    tag_name,
)
from indexer.extract.measure import Stats
from indexer.extract.text import text_of

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


_GALLERY_ITEMS = 4     # repeated picture items that make a gallery ...
_CAPTION_CHARS = 150   # ... when their text is caption-length on average
_STORY_BESIDE = 300    # paragraph text outside the gallery that makes it an inset
_MEDIA_TEXT = 0.5      # share of the text in slides and captions that makes them the article
_THREAD_SHARE = 0.8    # share of a container's text in posts/comments that makes it a thread ...
_THREAD_OWN = 500      # ... when the text outside them is shorter than this
# Numbered steps, tables and paragraphs with inline pictures (formulas, icons) are content.
_NOT_GALLERY = frozenset({"ol", "table", "tbody", "thead", "tr", "td", "th", "p", "dl", "dd", "dt"})


def _gallery_items(el: etree._Element) -> list[etree._Element]:
    """The slides of a slideshow or gallery, found by structure: four or more
    children of one kind (tag and class), nearly all holding a picture and
    only a caption. [] when ``el`` is no gallery."""
    children = [c for c in el if isinstance(c.tag, str)]
    if len(children) < _GALLERY_ITEMS or el.tag in _NOT_GALLERY:
        return []
    kinds = Counter((c.tag, class_words(c)) for c in children)
    kind, count = kinds.most_common(1)[0]
    if count < _GALLERY_ITEMS or count < 0.6 * len(children) or kind[0] in _NOT_GALLERY:
        return []
    items = [c for c in children if (c.tag, class_words(c)) == kind]
    pictures = sum(1 for c in items if c.tag in ("img", "picture")
                   or c.find(".//img") is not None or c.find(".//picture") is not None)
    if pictures < 0.75 * len(items):
        return []
    if sum(len(text_of(c).strip()) for c in items) / len(items) >= _CAPTION_CHARS:
        return []
    return items


def strip_boilerplate(container: etree._Element, stats: Stats) -> None:
    """Delete furniture, bylines, captions, widgets and galleries inside ``container``.

    Reader comments go, unless they are nearly all of the container (a forum
    thread, a live ticker). A gallery inside a story goes whatever its share of the text; a page that
    is only a gallery keeps it, and so does a page whose text is in its slides
    or captions (a slideshow article, a video page).
    """
    total = max(stats.raw_paras.get(container, 0), stats.prose.get(container, 0) // 2, 1)
    # A container that is almost only posts ("comments") is a forum thread or a
    # live ticker: its posts are the page's text, not readers' reactions to it.
    in_posts = stats.comments.get(container, 0)
    thread = in_posts >= _THREAD_SHARE * total and stats.raw_paras.get(container, 0) - in_posts < _THREAD_OWN
    doomed: list[etree._Element] = []
    spared: list[etree._Element] = []  # media blocks that are most of the text (a gallery article)
    media: list[etree._Element] = []   # other media blocks: captions, slides, players
    it = container.iter()
    next(it)  # the container itself stays
    for el in it:
        if el in stats.furniture:
            if not (thread and el in stats.comment_blocks):
                doomed.append(el)
            continue
        weak = (
            tag_name(el) in FURNITURE_TAGS
            or (el.get("role") or "").lower() in FURNITURE_ROLES
            or is_hidden(el)
            # schema.org's author (a person, with a bio) or publisher box set in the story
            or (el.get("itemprop") or "").lower() in ("author", "publisher")
        )
        words = class_words(el)
        if not weak and words:
            weak = WEAK_WORDS.search(words) is not None and not CONTENT_WORDS.search(words)
        share = stats.raw_paras.get(el, 0)
        slides = _gallery_items(el) if len(el) >= _GALLERY_ITEMS else []
        if slides and stats.raw_paras.get(container, 0) - sum(stats.raw_paras.get(s, 0) for s in slides) >= _STORY_BESIDE:
            doomed.extend(slides)
        # Never delete something that holds real prose: a large share of the
        # container, or more than a byline or tag list ever does.
        if weak and share < min(0.4 * total, 400):
            doomed.append(el)
        elif words and MEDIA_WORDS.search(words) and not CONTENT_WORDS.search(words):
            if share >= 0.4 * total:
                spared.append(el)
            elif not (share and el.find(".//blockquote") is not None) and not any(
                    s in spared for s in el.iterancestors()):  # an embedded post is quoted text
                media.append(el)
    outermost = [el for el in media if not any(a in media for a in el.iterancestors())]
    if sum(stats.raw_paras.get(el, 0) for el in outermost) < _MEDIA_TEXT * total:
        doomed.extend(media)
    # Remove outermost first; removing a descendant of a removed element is harmless.
    for el in doomed:
        remove(el)
