"""Other stories inside the story's container: link lists, teasers and the labels that introduce them.

Works on the linearised blocks (``indexer.extract.blocks``) by their structure:
how much of a block is link text, whether it is a heading or a list item, and
which list it belongs to. A link in the flow of the prose is the story's own.
"""

from __future__ import annotations

import re

from indexer.extract.blocks import LABEL_MAX, Block
from search.blocks import HEADING

__all__ = ["drop_link_runs", "drop_teaser_labels"]

_SENTENCE_END = re.compile(r"[.!?…:;\"'”’»)]\s*$")


# Blocks of the story's own text: a short one at the end is a sign-off or the
# last item of a list, not a heading left over from a dropped section.
_PLAIN_TAGS = frozenset({"p", "li", "dd", "dt", "td", "th", "pre", "blockquote"})


# Items of a list or table: short lines of the story's own (ingredients, figures),
# not headings, wherever they stand.
_ITEM_TAGS = frozenset({"li", "dd", "dt", "td", "th"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _is_heading(block: Block) -> bool:
    """Short label-like line: a heading, a widget title, a kicker."""
    return len(block.text) < 60 and not _SENTENCE_END.search(block.text)


def _is_label(block: Block) -> bool:
    """A short line ending in a colon: it introduces what follows it."""
    return len(block.text) < LABEL_MAX and block.text.endswith(":")


def _is_linky(block: Block) -> bool:
    return block.link_chars > 0.5 * len(block.text)


def drop_link_runs(blocks: list[Block]) -> list[Block]:
    """Remove link lists (teasers, tag clouds, "more stories") but keep links in the flow.

    Mostly-link blocks are dropped at the start and end of the text and in
    runs of three or more (with the headings that introduce them); a single
    linked line between paragraphs (a product, a source) is article text.
    """
    n = len(blocks)
    drop = _teasers(blocks)
    i = 0
    while i < n:
        if _is_linky(blocks[i]):
            j = i
            while j < n and (_is_linky(blocks[j]) or _is_heading(blocks[j])):
                j += 1
            if sum(1 for k in range(i, j) if _is_linky(blocks[k])) >= 3:
                for k in range(i, j):
                    drop[k] = True
            i = j
        else:
            i += 1
    # Edges: leading/trailing links, and headings whose section was dropped.
    start = 0
    while start < n and (drop[start] or _is_linky(blocks[start]) or (
            _is_heading(blocks[start]) and blocks[start].tag not in _ITEM_TAGS and (start + 1 >= n or drop[start + 1]
                                             or _is_linky(blocks[start + 1]) or _is_heading(blocks[start + 1])))):
        drop[start] = True
        start += 1
    # At the end only headings that introduce nothing go: a short closing line
    # in a paragraph (a sign-off, "Euer Hans") is the story's own.
    end = n - 1
    while end >= start and (drop[end] or _is_linky(blocks[end])
                            or (_is_heading(blocks[end]) and blocks[end].tag not in _PLAIN_TAGS)
                            or (_is_label(blocks[end]) and blocks[end].tag in _HEADING_TAGS)):
        drop[end] = True
        end -= 1
    # Headings and labels ("More from the column:") directly before a dropped
    # run introduce nothing any more.
    for k in range(n - 2, -1, -1):
        if (not drop[k] and (_is_heading(blocks[k]) or _is_label(blocks[k])) and drop[k + 1]
                and _is_linky(blocks[k + 1])):
            drop[k] = True
    kept = [b for b, d in zip(blocks, drop) if not d]
    if not kept:
        # A brief made only of short lines ("Qtly div 25 cts") looks like
        # headings throughout; its plain lines are still the article.
        kept = [b for b in blocks if not _is_linky(b)]
    return kept


_WHOLLY_LINK = 0.8  # share of a block's text in links that makes it a link, not text with links
_TEASER_TEXT = 150  # characters of the line under a teaser's title (a summary, a date)


def _wholly_link(block: Block) -> bool:
    return block.link_chars >= _WHOLLY_LINK * len(block.text)


def _teasers(blocks: list[Block]) -> list[bool]:
    """Which blocks are other stories set inside the story: links under a teaser
    label, and a heading that is wholly a link with only a short line or links under it."""
    n = len(blocks)
    return [b.teaser or (b.kind == HEADING and not b.group and _wholly_link(b)
                         and (i + 1 == n or len(blocks[i + 1].text) < _TEASER_TEXT or _is_linky(blocks[i + 1])))
            for i, b in enumerate(blocks)]


# A line that introduces links to other stories, in the languages of the
# archive's sources ("Read more:", "See also", "Lesen Sie auch",
# "Das könnte dich auch interessieren:", "À lire aussi", "Lea más").
_TEASER_LABEL = re.compile(
    r"^\W*(?:read (?:more|also|next)|see also|related(?: articles| stories| posts| links| content)?|also read|"
    r"more (?:on|about) this(?: topic| story)?|further reading|(?:you|we) (?:may|might) also (?:like|enjoy)|"
    r"(?:lesen sie|lies) (?:auch|mehr|hier)|mehr (?:lesen|dazu|zum thema)|weiterlesen|auch interessant|"
    r"weitere (?:beiträge|artikel|informationen|infos|themen)\b.{0,60}|.{0,30}\bkönnte (?:sie|dich|euch) "
    r"(?:auch|ebenfalls) interessieren|(?:à )?lire aussi|voir aussi|lea (?:más|también)|lee también|"
    r"puedes ver|te puede interesar|notas relacionadas|leia também|veja também|leggi anche|"
    r"czytaj (?:też|także|więcej)|zobacz (?:też|także))\W*$",
    re.IGNORECASE,
)


def drop_teaser_labels(blocks: list[Block]) -> list[Block]:
    """Drop a line that introduces other stories ("Read more:"), and mark the links under it.

    The label goes when links, a heading or nothing follow it; the mostly-link
    blocks right after it are marked as teasers, which ``drop_link_runs``
    drops however short their run (it still counts them towards a longer run).
    """
    n = len(blocks)
    drop = [False] * n
    for i, block in enumerate(blocks):
        if len(block.text) >= LABEL_MAX or _is_linky(block) or not _TEASER_LABEL.match(block.text):
            continue
        j = i + 1
        while j < n and _is_linky(blocks[j]):
            blocks[j].teaser = True
            j += 1
        drop[i] = j > i + 1 or j == n or _is_heading(blocks[j])
    return [b for b, d in zip(blocks, drop) if not d]
