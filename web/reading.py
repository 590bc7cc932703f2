"""The article page's text: its blocks grouped as the page sets them, with the
reader's search marked.

Lists are runs of items; each block's text is escaped piece by piece by
``search.snippets.render``, which adds only our own ``<mark>`` tags.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from markupsafe import Markup

from search.blocks import ITEM, NUMBERED, TextBlock
from search.models import SearchError, SearchRequest, StoredArticle
from search.snippets import ArticleMarks, Spans, render
from search.service import SearchService

log = logging.getLogger(__name__)

#: The HTML element of a group of blocks of each kind.
ELEMENTS = {"paragraph": "p", "heading": "h2", "quote": "blockquote", ITEM: "ul", NUMBERED: "ol"}


@dataclass
class Group:
    """One element of the article body: a paragraph, a subheading, a quote, or a
    whole list; ``parts`` are its texts as escaped HTML (a list's items)."""

    kind: str
    parts: list[Markup] = field(default_factory=list)

    @property
    def element(self) -> str:
        return ELEMENTS[self.kind]

    @property
    def is_list(self) -> bool:
        return self.kind in (ITEM, NUMBERED)


def groups(body: str, blocks: list[TextBlock], spans: Spans) -> list[Group]:
    """The blocks as page elements, consecutive list items of a kind in one list."""
    out: list[Group] = []
    for block in blocks:
        html = Markup(render(body, spans, block.start, block.start + len(block.text)))
        if not (out and out[-1].is_list and out[-1].kind == block.kind):
            out.append(Group(block.kind))
        out[-1].parts.append(html)
    return out


def search_marks(service: SearchService, article: StoredArticle, req: SearchRequest | None) -> ArticleMarks:
    """Where ``article`` matches the reader's search; none without one, or when
    it cannot be run (the article is shown unmarked: said in the log)."""
    if req is None or not req.q:
        return ArticleMarks([], [])
    try:
        # Any page of the search marks the same words; a page past the
        # deepest one allowed must not keep them from being marked.
        found = service.marks(article.id, SearchRequest(q=req.q, operator=req.operator, exact=req.exact))
    except SearchError as e:
        log.info("article %s shown unmarked: the search %r cannot be run: %s", article.id, req.q, e)
        return ArticleMarks([], [])
    return found or ArticleMarks([], [])
