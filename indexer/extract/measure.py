"""Where a page's prose is: paragraph text per element, furniture, and container scores.

A "paragraph" is the text a block element holds directly or through inline
children (not nested blocks), minus link text; it counts only from
``UNIT_MIN`` characters, so menus, buttons and teaser links score nothing
while ``<p>``s, ``<br>``-separated text and bare ``<div>`` text all do.

Everything walks the tree with lxml's iterative ``iterwalk`` rather than
recursion, so a page with absurd nesting cannot raise RecursionError.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from indexer.extract.classes import (
    FURNITURE_ROLES, INLINE_TAGS, OUTSIDE_TAGS, Verdict, class_verdict, tag_name,
)

__all__ = ["UNIT_MIN", "Stats", "inside", "measure"]

UNIT_MIN = 40  # characters of own (non-link) text that make a block count as prose
# Readability's weights for a paragraph's parent, grandparent and further
# ancestors: a story split over nested wrappers still scores its common ancestor.
_DECAY = (1.0, 1 / 2, 1 / 6, 1 / 9, 1 / 12)
# Share of the page's paragraph text (reader comments aside) beyond which a
# class can no longer make an element furniture: it is the layout wrapper of
# the story ("entry share", "sidebar_content"), not a share bar or a sidebar.
_MOST_OF_PAGE = 2 / 3
# ... or half of it, beside the page's headline (the story's own wrapper).
_HALF_OF_PAGE = 1 / 2


@dataclass
class Stats:
    """Per-element text statistics of one page."""

    prose: dict[etree._Element, int]      # non-link text characters (all of it)
    raw_paras: dict[etree._Element, int]  # paragraph characters, furniture included
    paras: dict[etree._Element, int] = field(default_factory=dict)   # outside furniture
    score: dict[etree._Element, float] = field(default_factory=dict)  # decayed, for the container
    comments: dict[etree._Element, int] = field(default_factory=dict)  # inside comment blocks
    markers: list[etree._Element] = field(default_factory=list)       # marked as article body
    furniture: set[etree._Element] = field(default_factory=set)       # furniture, no marker inside
    references: set[etree._Element] = field(default_factory=set)      # lists of references, footnotes
    ingredients: list[etree._Element] = field(default_factory=list)   # a recipe's ingredient lists and items
    comment_blocks: set[etree._Element] = field(default_factory=set)  # reader comments (also furniture)
    # Furniture by class, role or tag that is kept because it holds an article-body marker:
    # the story's wrapper ("entry share") or a sidebar whose boxes reuse the marker's class.
    marked_furniture: set[etree._Element] = field(default_factory=set)
    h1: etree._Element | None = None


def inside(el: etree._Element | None, group: set[etree._Element]) -> bool:
    """Is ``el`` or one of its ancestors in ``group``?"""
    while el is not None:
        if el in group:
            return True
        el = el.getparent()
    return False


def _furniture_kind(el: etree._Element, tag: str, verdict: Verdict) -> int:
    """0 none, 1 furniture by class or role, 2 by tag, 3 reader comments, 4 an overlay."""
    if verdict.comments:
        return 3
    if verdict.overlay:
        return 4
    if tag in OUTSIDE_TAGS:
        return 2
    if verdict.furniture:
        return 1
    role = el.get("role")
    return 1 if role and role.lower() in FURNITURE_ROLES else 0


def measure(root: etree._Element) -> Stats:
    """One pass for text sizes and class verdicts, then furniture and scores.

    Furniture (comments, sidebars, footers...) keeps its own numbers but adds
    nothing to its ancestors, so it can never attract the container choice.
    Not furniture: an element holding the page's article-body marker, or the
    headline with real prose, or a <header> with real prose (templates that
    wrap a post or a text block in one), or (when furniture only by class or role, not
    an overlay such as a consent dialog, nor a list of other stories) most of the page's paragraph text, or
    half of it beside the headline: it is the story's wrapper.
    """
    stats = Stats({}, {})
    units: list[tuple[etree._Element, int]] = []
    candidates: list[tuple[etree._Element, int]] = []
    # frame: [prose, raw_paras, unit, in_link, block_index, has_marker, has_h1, kind, has_quote]
    stack: list[list] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            tag = tag_name(el)
            parent = stack[-1] if stack else None
            in_link = bool(parent and parent[3]) or tag == "a"
            is_block = tag not in INLINE_TAGS or parent is None
            if tag in ("body", "html", "main"):
                # Page-level wrappers carry page-state classes ("single-post sidebar-nav")
                # and sometimes an "article" id: neither furniture nor the body marker.
                kind, marker = 0, False
            else:
                verdict = class_verdict(el)
                kind, marker = _furniture_kind(el, tag, verdict), verdict.marker
                if verdict.references:
                    stats.references.add(el)
                if verdict.ingredients:
                    stats.ingredients.append(el)
            if marker:
                stats.markers.append(el)
            if tag == "h1" and stats.h1 is None:
                stats.h1 = el
            stack.append([0, 0, 0, in_link, len(stack) if is_block else parent[4], marker, tag == "h1",
                          kind, tag == "blockquote"])
            if el.text and not in_link:
                n = len(el.text.strip())
                stack[-1][0] += n
                stack[stack[-1][4]][2] += n
        else:
            frame = stack.pop()
            if frame[4] == len(stack) and frame[2] >= UNIT_MIN:
                frame[1] += frame[2]
                units.append((el, frame[2]))
            stats.prose[el] = frame[0]
            stats.raw_paras[el] = frame[1]
            # An embedded post (a tweet in a "social-media-embed" box) is quoted
            # content, not a share bar.
            embed = frame[7] == 1 and frame[8] and frame[1] > 0
            if frame[7] and not frame[5] and not ((frame[6] or el.tag == "header") and frame[1] >= 300) and not embed:
                candidates.append((el, frame[7]))
            elif frame[7] and frame[5]:
                stats.marked_furniture.add(el)
            if stack:
                parent = stack[-1]
                parent[0] += frame[0]
                parent[1] += frame[1]
                parent[5] = parent[5] or frame[5]
                parent[6] = parent[6] or frame[6]
                parent[8] = parent[8] or frame[8]
                if el.tail and not parent[3]:
                    n = len(el.tail.strip())
                    parent[0] += n
                    stack[parent[4]][2] += n
    comment_blocks = stats.comment_blocks = {el for el, kind in candidates if kind == 3}
    in_comments = sum(stats.raw_paras[el] for el in comment_blocks
                      if not any(a in comment_blocks for a in el.iterancestors()))
    prose = stats.raw_paras.get(root, 0) - in_comments
    around_headline = ({a for a in stats.h1.iterancestors() if a.tag not in ("body", "html")}
                       if stats.h1 is not None else set())
    for el, kind in candidates:
        if kind == 1 and prose > 0 and (stats.raw_paras[el] >= _MOST_OF_PAGE * prose or (
                stats.raw_paras[el] >= _HALF_OF_PAGE * prose and el.getparent() in around_headline)):
            continue
        stats.furniture.add(el)
    _credit(stats, units, comment_blocks)
    return stats


def _credit(stats: Stats, units: list[tuple[etree._Element, int]],
            comment_blocks: set[etree._Element]) -> None:
    """Credit each paragraph to its ancestors: ``paras`` up to and including the
    first furniture ancestor, decayed ``score`` likewise, ``comments`` above a comment block."""
    paras, score, comments, furniture = stats.paras, stats.score, stats.comments, stats.furniture
    for unit, n in units:
        node, level = unit, -1
        open_, scoring, in_comments = True, True, False
        while node is not None:
            if open_:
                paras[node] = paras.get(node, 0) + n
                if scoring and 0 <= level < len(_DECAY):
                    score[node] = score.get(node, 0.0) + n * _DECAY[level]
                open_ = node not in furniture
                # An <article> is one story: its prose does not make the list
                # of stories around it look like a bigger one. Nor do references.
                scoring = scoring and node.tag != "article" and node not in stats.references
            if in_comments or node in comment_blocks:
                in_comments = True
                comments[node] = comments.get(node, 0) + n
            node = node.getparent()
            level += 1
