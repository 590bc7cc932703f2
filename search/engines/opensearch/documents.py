"""Articles as OpenSearch documents, and back (see ``mapping`` for the fields)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from search.models import Article, SourceState, StoredArticle
from search.stamps import iso

from .facets import fold_key


def to_document(article: Article, state: SourceState, indexed_at: int, now: int) -> dict[str, Any]:
    """The document of one article (``indexed_at``: when its file first entered the index)."""
    authors = list(dict.fromkeys(a for a in article.authors if a))
    doc: dict[str, Any] = {
        "id": article.id,
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "author": authors,
        "author_key": [fold_key(a) for a in authors],
        "content_hash": state.content_hash,
        "file_size": state.size,
        "mtime_ns": state.mtime_ns,
        "indexed_at": indexed_at,
        "changed_at": now,
    }
    if article.section:
        doc["section"] = article.section
        doc["section_key"] = fold_key(article.section)
    if article.date is not None:
        # The calendar date readers saw; naive times sort as if UTC (as in the Whoosh engine).
        doc["date"] = article.date.date().isoformat()
        aware = article.date if article.date.tzinfo else article.date.replace(tzinfo=dt.timezone.utc)
        doc["published"] = int(aware.timestamp())
    return doc


def stamp(source: dict[str, Any], name: str) -> str | None:
    """A document's ``indexed_at`` or ``changed_at`` (epoch seconds) as ISO 8601 UTC text."""
    seconds = source.get(name)
    return None if seconds is None else iso(int(seconds) * 1000)


def to_stored(source: dict[str, Any]) -> StoredArticle:
    return StoredArticle(
        id=source["id"],
        url=source.get("url"),
        title=source.get("title") or "",
        body=source.get("body") or "",
        date=source.get("date"),
        section=source.get("section") or None,
        authors=list(source.get("author") or []),
        source=source.get("source") or "",
        indexed_at=stamp(source, "indexed_at"),
        changed_at=stamp(source, "changed_at"),
    )
