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

from search.models import Article, SourceState
from search.query.dates import NO_DATE

from .analysis import exact_analyzer, phrase_analyzer, ranking_analyzer
from .fields import AnalyzedText, folded_term, lower_term, ranked_term

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
        date=STORED(),  # "YYYY-MM-DD" as published, or None
        day=NUMERIC(int, bits=32, signed=False, sortable=True),  # YYYYMMDD or NO_DATE
        published=NUMERIC(int, bits=64, sortable=True),  # UTC epoch seconds or NO_DATE
        # One column the indexer reads for every document on each run: far
        # cheaper than unpickling stored fields (see encode_state).
        file_state=COLUMN(VarBytesColumn()),
    )


def source_term(source: str) -> str:
    """The ``source`` field's value for a file path.

    Whoosh encodes terms as strict UTF-8; a name that is not valid UTF-8 (its
    bytes kept as escaped surrogates) is stored as a NUL, which no path holds,
    and the hex of its bytes: one value per path, and no valid path changes.
    """
    try:
        source.encode("utf-8")
        return source
    except UnicodeEncodeError:
        return "\0" + source.encode("utf-8", "surrogateescape").hex()


def term_source(term: str) -> str:
    """The file path of a ``source`` field value (see :func:`source_term`)."""
    if term.startswith("\0"):
        return bytes.fromhex(term[1:]).decode("utf-8", "surrogateescape")
    return term


def encode_state(source: str, doc_id: str, state: SourceState) -> bytes:
    """The ``file_state`` column value of a document (see ``decode_state``)."""
    fields = (source, doc_id, state.content_hash, str(state.size), str(state.mtime_ns))
    return "\0".join(fields).encode("utf-8", "surrogateescape")


def decode_state(raw: bytes) -> tuple[str, str, SourceState]:
    """(source, doc_id, state) from a ``file_state`` column value."""
    source, doc_id, content_hash, size, mtime_ns = raw.decode("utf-8", "surrogateescape").split("\0")
    return source, doc_id, SourceState(content_hash, int(size), int(mtime_ns))


def day_number(d: dt.date) -> int:
    return d.year * 10_000 + d.month * 100 + d.day


def article_to_document(article: Article, state: SourceState) -> dict[str, Any]:
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
        "date": date_text,
        "day": day,
        "published": published,
        "file_state": encode_state(article.source, article.id, state),
    }
