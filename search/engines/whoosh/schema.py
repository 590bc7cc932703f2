"""The index schema and the mapping between articles and index documents.

Every searchable text is indexed three ways:

* ``title`` / ``body``: folded, stop-worded and stemmed, for ranked word matching;
* ``*_phrase``: folded, all words, positions, for phrases, proximity, prefixes,
  fuzzy terms and spelling suggestions ("phrases stay exact");
* ``*_exact``: lower-cased only, for the exact-spelling option.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, Schema

from search.copies import story_key
from search.models import Article, SourceState, article_record
from search.sourcepath import source_term, term_source
from search.query.dates import NO_DATE
from search.stamps import Stamp, iso

from .analysis import exact_analyzer, phrase_analyzer, ranking_analyzer
from .fields import AnalyzedText, StoredNumber, folded_term, lower_term, ranked_term

#: Separates several authors inside the single-valued author facet column.
AUTHOR_SEP = "\x1f"
# Whoosh cannot add a sortable numeric field without a value: missing dates
# are stored as NO_DATE and read back as "no date".


def build_schema() -> Schema:
    ranking = ranking_analyzer()
    phrase = phrase_analyzer()
    exact = exact_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        source=ID(stored=True, unique=True),
        url=STORED(),
        title=AnalyzedText(ranked_term, analyzer=ranking, stored=True, phrase=False),
        body=AnalyzedText(ranked_term, analyzer=ranking, stored=True, phrase=False),
        title_phrase=AnalyzedText(folded_term, analyzer=phrase, phrase=True),
        body_phrase=AnalyzedText(folded_term, analyzer=phrase, phrase=True),
        title_exact=AnalyzedText(lower_term, analyzer=exact, phrase=False),
        body_exact=AnalyzedText(lower_term, analyzer=exact, phrase=False),
        section=AnalyzedText(folded_term, analyzer=phrase, stored=True),
        section_facet=ID(sortable=True),
        author=AnalyzedText(folded_term, analyzer=phrase, stored=True),
        author_facet=ID(sortable=True),
        authors=STORED(),  # the list as extracted (``author`` joins it for searching)
        publication=STORED(),
        publication_facet=ID(sortable=True),
        blocks=STORED(),  # the kind of each paragraph of the body (search.blocks)
        date=STORED(),  # "YYYY-MM-DD" as published, or None
        day=NUMERIC(int, bits=32, signed=False, sortable=True),  # YYYYMMDD or NO_DATE
        published=NUMERIC(int, bits=64, sortable=True),  # UTC epoch seconds or NO_DATE
        # search.stamps: epoch ms; 0 (the column's default) in older documents.
        indexed_at=StoredNumber(),
        changed_at=StoredNumber(),
        # One column the indexer reads for every document on each run: far
        # cheaper than unpickling stored fields (see encode_state).
        file_state=COLUMN(VarBytesColumn()),
        # Story clusters (indexer.stories): the cluster's id, as a term (the
        # ``story`` filter) and a column (collapsing), and the body's MinHash
        # signature, read back by the next indexing run.
        story=ID(stored=True, sortable=True),
        signature=COLUMN(VarBytesColumn()),
    )


#: Fields an index written before articles carried stamps lacks; documents
#: added to such an index leave them out (see the README: ``--rebuild``).
STAMP_FIELDS = ("authors", "indexed_at", "changed_at")
#: Fields an index written before story clusters lacks (likewise left out).
STORY_FIELDS = ("story", "signature")
#: Likewise for an index written before articles carried their publication.
PUBLICATION_FIELDS = ("publication", "publication_facet")
#: Every field an older index may lack (``blocks`` read back as absent: see ``search.blocks``).
ADDED_FIELDS = (*STAMP_FIELDS, *STORY_FIELDS, *PUBLICATION_FIELDS, "blocks")


def encode_state(source: str, doc_id: str, state: SourceState, fingerprint: str = "") -> bytes:
    """The ``file_state`` column value of a document (see ``decode_state``);
    it also keeps the article's ``search.stamps.fingerprint``."""
    fields = (source, doc_id, state.content_hash, str(state.size), str(state.mtime_ns), fingerprint)
    return "\0".join(fields).encode("utf-8", "surrogateescape")


def _state_fields(raw: bytes) -> list[str]:
    # Six fields; indexes written before stamps have five (no fingerprint).
    return raw.decode("utf-8", "surrogateescape").split("\0")


def decode_state(raw: bytes) -> tuple[str, str, SourceState]:
    """(source, doc_id, state) from a ``file_state`` column value."""
    source, doc_id, content_hash, size, mtime_ns = _state_fields(raw)[:5]
    return source, doc_id, SourceState(content_hash, int(size), int(mtime_ns))


def decode_identity(raw: bytes) -> tuple[str, str]:
    """(doc_id, fingerprint or "") from a ``file_state`` column value."""
    fields = _state_fields(raw)
    return fields[1], fields[5] if len(fields) > 5 else ""


def day_number(d: dt.date) -> int:
    return d.year * 10_000 + d.month * 100 + d.day


def article_to_document(article: Article, state: SourceState, stamp: Stamp) -> dict[str, Any]:
    """Whoosh field values for one article."""
    date = article.date
    if date is None:
        day, published, date_text = NO_DATE, NO_DATE, None
    else:
        calendar = date.date()
        day, date_text = day_number(calendar), calendar.isoformat()
        # Naive times have no zone to convert from: sort them as if UTC.
        aware = date if date.tzinfo else date.replace(tzinfo=dt.timezone.utc)
        published = int(aware.timestamp())
    section = article.section or ""
    authors = [a for a in article.authors if a]
    joined_authors = ", ".join(authors)
    return {
        "id": article.id,
        "source": source_term(article.source),
        "url": article.url,
        "title": article.title,
        "body": article.body,
        "title_phrase": article.title,
        "body_phrase": article.body,
        "title_exact": article.title,
        "body_exact": article.body,
        "section": section,
        "section_facet": section,
        "author": joined_authors,
        "author_facet": AUTHOR_SEP.join(authors),
        "authors": authors,
        "publication": article.publication,
        "publication_facet": article.publication or "",
        "blocks": list(article.blocks),
        "date": date_text,
        "day": day,
        "published": published,
        "indexed_at": stamp.indexed_at,
        "changed_at": stamp.changed_at,
        "file_state": encode_state(article.source, article.id, state, stamp.fingerprint),
        "story": story_key(article.story, article.id),
        "signature": article.signature,
    }


def stored_record(stored: dict[str, Any]) -> dict[str, Any]:
    """The fields every record of an article (StoredArticle, ArticleRow) has, from its stored fields."""
    return article_record(stored, authors=stored_authors(stored), source=term_source(stored.get("source") or ""),
                          indexed_at=stored_time(stored, "indexed_at"), changed_at=stored_time(stored, "changed_at"))


def stored_authors(stored: dict[str, Any]) -> list[str]:
    """A document's authors from its stored fields."""
    authors = stored.get("authors")
    if authors is None:  # written before the list was stored: split the joined text
        return [a for a in (stored.get("author") or "").split(", ") if a]
    return list(authors)


def stored_time(stored: dict[str, Any], name: str) -> str | None:
    """A stored stamp (``indexed_at``, ``changed_at``) as ISO text; None when unknown."""
    return iso(stored.get(name) or None)
