"""Articles as OpenSearch documents, and back (see ``mapping`` for the fields)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from search.copies import story_key
from search.blocks import typed_blocks
from search.models import Article, ArticleRow, SourceState, StoredArticle, article_record
from search.sourcepath import source_term, term_source
from search.stamps import Stamp, iso

from .facets import fold_key


#: ``_source`` fields of a row (``ArticleRow``): everything but the text.
ROW_SOURCE = ["id", "url", "title", "date", "section", "author", "source", "indexed_at", "changed_at",
              "publication"]


def to_document(article: Article, state: SourceState, stamp: Stamp) -> dict[str, Any]:
    """The document of one article, stamped by the rule of :mod:`search.stamps`."""
    authors = list(dict.fromkeys(a for a in article.authors if a))
    doc: dict[str, Any] = {
        "id": article.id,
        "source": source_term(article.source),
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "author": authors,
        "blocks": list(article.blocks),
        "author_key": [fold_key(a) for a in authors],
        "content_hash": state.content_hash,
        "file_size": state.size,
        "mtime_ns": state.mtime_ns,
        "indexed_at": stamp.indexed_at,
        "changed_at": stamp.changed_at,
        "fingerprint": stamp.fingerprint,
        # indexer.stories: every document has a story (collapsing groups missing values together).
        "story": story_key(article.story, article.id),
    }
    if article.signature:
        doc["signature"] = base64.b64encode(article.signature).decode("ascii")
    if article.section:
        doc["section"] = article.section
        doc["section_key"] = fold_key(article.section)
    if article.publication:
        doc["publication"] = article.publication
        doc["publication_key"] = fold_key(article.publication)
    if article.date is not None:
        # The calendar date readers saw; naive times sort as if UTC (as in the Whoosh engine).
        doc["date"] = article.date.date().isoformat()
        aware = article.date if article.date.tzinfo else article.date.replace(tzinfo=dt.timezone.utc)
        doc["published"] = int(aware.timestamp())
    return doc


def record(source: dict[str, Any]) -> dict[str, Any]:
    """The fields every record of an article (StoredArticle, ArticleRow) has, from its ``_source``."""
    return article_record(source, authors=list(source.get("author") or []), source=term_source(source.get("source") or ""),
                          indexed_at=iso(source.get("indexed_at")), changed_at=iso(source.get("changed_at")))


def to_stored(source: dict[str, Any]) -> StoredArticle:
    body = source.get("body") or ""
    return StoredArticle(**record(source), body=body, blocks=typed_blocks(body, source.get("blocks")),
                         story=source.get("story"))


def to_row(source: dict[str, Any], score: float | None = None) -> ArticleRow:
    return ArticleRow(**record(source), score=score)
