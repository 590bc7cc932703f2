"""Index settings and mapping of the OpenSearch engine.

The analysis reproduces the matching rules of :mod:`search.text` inside
OpenSearch, so both engines index and query the same words:

* ``newsarchive_ranked`` (``title``, ``body``): folded, stop words dropped,
  Porter2-stemmed;
* ``newsarchive_folded`` (``*.phrase``, ``section``, ``author``): folded, every
  word kept, for phrases, prefixes, fuzzy words and suggestions;
* ``newsarchive_exact`` (``*.exact``): lower-cased only.

Folding is Lucene's ``serbian_normalization`` (the 30 letters of Serbian
Cyrillic to Latin, Latin đ to dj) and ``asciifolding`` (the accents of Latin-1
and Latin Extended-A, ß to ss), after a ``mapping`` char filter that applies
:func:`search.text.fold` to every other letter it changes (Russian,
Ukrainian and Macedonian Cyrillic, accented Greek, Arabic and presentation
forms, full-width and mathematical letters): the rules are computed from
``fold`` itself, so those rules stay the one source. Where the two
engines still differ (a few rare letters that Lucene folds further than
``fold``), ``tests/test_opensearch_analysis.py`` says how and checks that the
same word still gives the same token on each side.

Any change to what this module returns changes the index format: bump
:data:`MAPPING_VERSION`, which the engine compares with an index's
``_meta.mapping_version`` to ask for a ``--rebuild``.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import Any

from search.text import STOP_WORDS, TOKEN_PATTERN, fold

#: 2: stamps in milliseconds, with the article's fingerprint (search.stamps);
#: 3: story clusters (``story``, ``signature``: indexer.stories); the article's
#: publication (``publication``, ``publication_key``); ``blocks``, the kind of
#: each paragraph (search.blocks).
MAPPING_VERSION = 3

RANKED_ANALYZER = "newsarchive_ranked"
FOLDED_ANALYZER = "newsarchive_folded"
EXACT_ANALYZER = "newsarchive_exact"

#: Python's ``\w`` in a ``str`` pattern is "a letter, a number or ``_``"; Java's
#: ``\w`` is ASCII only, so the tokenizer spells the class out.
_JAVA_WORD_CLASS = r"[\p{L}\p{N}_]"
JAVA_TOKEN_PATTERN = TOKEN_PATTERN.replace(r"\w", _JAVA_WORD_CLASS)

#: Lower-case letters of the Serbian Cyrillic alphabet, which Lucene's
#: ``serbian_normalization`` turns into Latin the way ``fold`` does.
SERBIAN_CYRILLIC = frozenset("абвгдђежзијклљмнњопрстћуфхцчџш")

#: Letters left to ``asciifolding``: Latin-1 Supplement and Latin Extended-A,
#: whose accents it strips as ``fold`` does.
_ASCIIFOLDED = range(0x00C0, 0x0180)
#: Hangul syllables: ``fold`` decomposes each into its jamo (11,172 rules);
#: left whole here, which matches the same words, spelled alike, as before.
_HANGUL = range(0xAC00, 0xD7A4)

#: Longest facet value (characters) kept in a keyword sub-field; Lucene refuses
#: terms over 32,766 bytes, which would fail the whole document.
FACET_MAX_CHARS = 2_000

_WORD = re.compile(r"\w")
_WORD_ONLY = re.compile(r"\w*")
_HIDDEN = "\ue000"


@cache
def fold_char_mappings() -> tuple[str, ...]:
    """``mapping`` char filter rules: ``fold`` for each letter the Lucene filters leave to it.

    Those are the letters ``fold`` changes, except Serbian Cyrillic
    (``serbian_normalization``), Latin-1 and Latin Extended-A (``asciifolding``)
    and Hangul. A rule whose output is not all word characters would cut
    tokens differently from the Whoosh tokenizer, which folds after cutting:
    none is written (the letter stays as it is).
    """
    rules = []
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        if code in _ASCIIFOLDED or code in _HANGUL or not _WORD.fullmatch(char):
            continue
        lower = char.lower()
        if lower in SERBIAN_CYRILLIC:
            continue
        folded = fold(char)
        if folded != lower and _WORD_ONLY.fullmatch(folded):
            rules.append(f"{char} => {folded}")
    return tuple(rules)


def analysis_settings() -> dict[str, Any]:
    """The ``index.analysis`` section: tokenizer, char filter, filters, analyzers."""
    return {
        "tokenizer": {
            # Emits the matches of the Whoosh token pattern (group 0).
            "newsarchive_words": {"type": "pattern", "pattern": JAVA_TOKEN_PATTERN, "group": 0},
        },
        "char_filter": {
            "newsarchive_fold": {"type": "mapping", "mappings": list(fold_char_mappings())},
        },
        "filter": {
            # asciifolding turns ’ into ', which the Whoosh phrase fields keep
            # apart ("women’s" is not "women's" there): carry it past as a
            # private-use character, which the tokenizer never lets into a token.
            "newsarchive_hide_apostrophe": {"type": "pattern_replace", "pattern": "’", "replacement": _HIDDEN},
            "newsarchive_restore_apostrophe": {"type": "pattern_replace", "pattern": _HIDDEN, "replacement": "’"},
            # The Whoosh list, not Lucene's _english_ (which is shorter).
            "newsarchive_stop": {"type": "stop", "stopwords": sorted(STOP_WORDS), "ignore_case": False},
            "newsarchive_porter2": {"type": "stemmer", "language": "porter2"},
        },
        "analyzer": {
            RANKED_ANALYZER: {
                "type": "custom", "tokenizer": "newsarchive_words", "char_filter": ["newsarchive_fold"],
                # No apostrophe to keep: Porter2 reads ’ as ' on both engines.
                "filter": ["lowercase", "serbian_normalization", "asciifolding", "newsarchive_stop",
                           "newsarchive_porter2"],
            },
            FOLDED_ANALYZER: {
                "type": "custom", "tokenizer": "newsarchive_words", "char_filter": ["newsarchive_fold"],
                "filter": ["lowercase", "newsarchive_hide_apostrophe", "serbian_normalization", "asciifolding",
                           "newsarchive_restore_apostrophe"],
            },
            EXACT_ANALYZER: {"type": "custom", "tokenizer": "newsarchive_words", "filter": ["lowercase"]},
        },
    }


def _ranked_text() -> dict[str, Any]:
    """A ranked field with its phrase and exact-spelling sub-fields."""
    return {
        "type": "text",
        "analyzer": RANKED_ANALYZER,
        "fields": {
            "phrase": {"type": "text", "analyzer": FOLDED_ANALYZER},
            "exact": {"type": "text", "analyzer": EXACT_ANALYZER},
        },
    }


def _facet_text() -> dict[str, Any]:
    """Searchable folded (``section:sport``) with the value as written for facets and filters."""
    return {
        "type": "text",
        "analyzer": FOLDED_ANALYZER,
        "fields": {"facet": {"type": "keyword", "ignore_above": FACET_MAX_CHARS}},
    }


def mappings() -> dict[str, Any]:
    """Field mappings. Documents carry exactly these fields (``dynamic: strict``)."""
    stored_only = {"index": False, "doc_values": False}
    return {
        "dynamic": "strict",
        "_meta": {"mapping_version": MAPPING_VERSION},
        "properties": {
            "id": {"type": "keyword"},
            "source": {"type": "keyword"},  # the file the article was read from
            "url": {"type": "keyword", **stored_only},
            "title": _ranked_text(),
            "body": _ranked_text(),
            "section": _facet_text(),
            "author": _facet_text(),  # one value per author
            "publication": _facet_text(),  # the newspaper, agency or site
            # search.text.fold of each value, computed by the engine: a filter
            # value not spelled as in the index selects the values it folds to.
            "section_key": {"type": "keyword", "ignore_above": FACET_MAX_CHARS},
            "author_key": {"type": "keyword", "ignore_above": FACET_MAX_CHARS},
            "publication_key": {"type": "keyword", "ignore_above": FACET_MAX_CHARS},
            # The calendar date readers saw (never shifted to UTC): date clauses
            # and the year/month facets. Absent when the article has no date.
            "date": {"type": "date", "format": "strict_date"},
            # The publication instant, for newest/oldest order.
            "published": {"type": "date", "format": "strict_date_optional_time||epoch_second"},
            # What the indexer remembers of the source file, to skip unchanged ones.
            "content_hash": {"type": "keyword", "index": False},
            "file_size": {"type": "long", "index": False},
            "mtime_ns": {"type": "long", "index": False},
            # When the article first entered the index, when it last changed, and
            # the fingerprint of what a reader sees of it (search.stamps).
            "indexed_at": {"type": "date", "format": "epoch_millis"},
            "changed_at": {"type": "date", "format": "epoch_millis"},
            "fingerprint": {"type": "keyword", "index": False},
            # The article's story cluster (collapsing, the ``story`` filter) and
            # its body's MinHash signature, read back by the next indexing run.
            "story": {"type": "keyword"},
            "signature": {"type": "binary"},
            # The kind of each paragraph of the body (search.blocks), for the article page.
            "blocks": {"type": "keyword", **stored_only},
        },
    }


#: Longest text (characters) the highlighter analyses: the page size limit,
#: so no article is too long to highlight (OpenSearch's default is 1,000,000).
MAX_ANALYZED_OFFSET = 10_000_000


def replica_settings(replicas: int | None) -> dict[str, Any]:
    """``replicas`` copies of each shard; None: one where a second node can hold it."""
    if replicas is None:
        return {"number_of_replicas": 0, "auto_expand_replicas": "0-1"}
    return {"number_of_replicas": replicas, "auto_expand_replicas": False}


def index_body(shards: int = 1, replicas: int | None = 0) -> dict[str, Any]:
    """The body of a create-index request.

    Refreshing is left to the writer (``refresh_interval: -1``): what an
    indexing run writes becomes searchable at its commit, all at once.
    """
    return {
        "settings": {
            "index": {"number_of_shards": shards, **replica_settings(replicas), "refresh_interval": "-1",
                      "highlight": {"max_analyzed_offset": MAX_ANALYZED_OFFSET}},
            "analysis": analysis_settings(),
        },
        "mappings": mappings(),
    }
