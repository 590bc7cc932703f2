"""Text analysis shared by indexing and querying.

Whoosh pickles analyzers into the index's table of contents, so the filter
classes here are part of the on-disk format: keep their names, and leave an
alias behind when the module moves (as ``search/analysis.py`` is for indexes
written before it moved here).
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stemmer_for_language

from search.text import STOP_WORDS, TOKEN_PATTERN, fold

__all__ = ["STOP_WORDS", "TOKEN_PATTERN", "fold", "stem", "EnglishStemFilter", "FoldFilter",
           "ranking_analyzer", "phrase_analyzer", "exact_analyzer", "analyze"]

_english_stem = stemmer_for_language("en")  # Porter2 (Snowball English)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return _english_stem(word)


class EnglishStemFilter(Filter):
    """Porter2 stemming ("running" -> "run") behind a thread-safe cache.

    Whoosh's own StemFilter cache is not safe to share between threads, and
    the web app analyses queries and snippets in several threads at once.
    """

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


class FoldFilter(Filter):
    """Accent- and script-insensitive matching (see :func:`fold`)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


def _tokenizer() -> RegexTokenizer:
    return RegexTokenizer(TOKEN_PATTERN)


def ranking_analyzer():
    """Folded, stop-worded, English-stemmed: what ranked word matching uses."""
    return (
        _tokenizer()
        | FoldFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | EnglishStemFilter()
    )


def phrase_analyzer():
    """Folded, every word kept, no stemming: phrases, prefixes, fuzzy, suggestions."""
    return _tokenizer() | FoldFilter()


def exact_analyzer():
    """Lower-cased only: the exact-spelling option."""
    return _tokenizer() | LowercaseFilter()


def analyze(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text)]
