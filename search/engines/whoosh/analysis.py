"""Text analysis shared by indexing and querying.

Whoosh pickles analyzers into the index's table of contents, so the filter
classes here are part of the on-disk format: keep their names, and leave an
alias behind when the module moves (as ``search/analysis.py`` is for indexes
written before it moved here).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stemmer_for_language

# Serbian Cyrillic (plus the Russian letters journalists also meet) to the
# Latin spelling a reader would type once accents are dropped: Вучић -> vucic.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e",
    "ж": "z", "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj",
    "м": "m", "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "ћ": "c", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "c",
    "џ": "dz", "ш": "s", "й": "j", "ы": "y", "э": "e", "ю": "ju", "я": "ja",
    "щ": "sc", "ъ": "", "ь": "", "ё": "e", "є": "je", "і": "i", "ї": "ji",
    "ґ": "g", "ѓ": "g", "ќ": "k", "ѕ": "dz",
}
# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = {
    "đ": "dj", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l",
    "ħ": "h", "ı": "i", "þ": "th", "ð": "d",
}
_TABLE = str.maketrans({**_CYRILLIC, **_SPECIAL})

#: Tokens: runs of word characters, keeping inner dots/apostrophes of
#: abbreviations and numbers together ("U.S.", "3.5").
TOKEN_PATTERN = r"\w+(?:[.'’]\w+)*"

#: Stop words dropped by the ranking fields. Phrases use fields that keep
#: them, so "state of the art" still matches exactly.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be
    because been before being below between both but by can could did do does
    doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why
    will with would you your yours yourself yourselves""".split()
)


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower-case, transliterate Cyrillic and strip accents: 'Đoković' -> 'djokovic'."""
    lowered = text.lower().translate(_TABLE)
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
