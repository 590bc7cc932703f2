"""Text fields that index without Whoosh's token pipeline.

Whoosh indexes a TEXT field by passing every token through a chain of
generators that mutate a shared ``Token`` object; with each article text
indexed three ways that chain cost about a third of the indexing CPU. Our
analyzers only cut tokens with one regular expression and map each token on
its own (fold, drop stop words, stem), so a field can cut the text with
``re.findall`` and map each distinct token through a cached function instead.

``AnalyzedText.term`` must give, token for token, what ``analyzer`` gives
(``tests/engines/whoosh/test_writing.py`` checks this on random text):
queries are still analysed by ``analyzer``. Whoosh pickles the schema into the index's table of
contents, so this class and the term functions are part of the on-disk format:
keep their names, and leave an alias behind when the module moves (as
``search/fields.py`` is for indexes written before it moved here).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from functools import lru_cache

from whoosh import formats
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, TEXT
from whoosh.system import pack_uint

from .analysis import STOP_WORDS, TOKEN_PATTERN, fold, stem

_TOKEN_RE = re.compile(TOKEN_PATTERN)

#: A token's indexed term, or None when the analyzer drops it.
TermOf = Callable[[str], "str | None"]


@lru_cache(maxsize=200_000)
def ranked_term(token: str) -> str | None:
    """``ranking_analyzer``: folded, stop words dropped, Porter2-stemmed; a token
    that folds to nothing (e.g. a lone Cyrillic soft sign) is dropped, as Whoosh's
    stop filter drops it."""
    folded = fold(token)
    return None if not folded or folded in STOP_WORDS else stem(folded)


def folded_term(token: str) -> str:
    """``phrase_analyzer``: folded."""
    return fold(token)


def lower_term(token: str) -> str:
    """``exact_analyzer``: lower-cased."""
    return token.lower()


@lru_cache(maxsize=1024)
def _packed_count(n: int) -> bytes:
    # One shared bytes object per small count keeps the writer's pool compact.
    return pack_uint(n)


class AnalyzedText(TEXT):
    """A TEXT field indexed through ``term`` (see the module docstring)."""

    def __init__(self, term: TermOf, **kwargs):
        super().__init__(**kwargs)
        self.term = term

    def index(self, value, **kwargs) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):  # pre-analysed lists: Whoosh's own path
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        terms = map(self.term, _TOKEN_RE.findall(value))
        if isinstance(self.format, formats.Positions):
            positions: dict[str, list[int]] = defaultdict(list)
            # Dropped tokens leave no gap, as Whoosh's StopFilter renumbers.
            for pos, word in enumerate(w for w in terms if w is not None):
                positions[word].append(pos)
            encode = self.format.encode
            for word, poslist in positions.items():
                yield word.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)
        else:
            counts = Counter(terms)
            counts.pop(None, None)
            for word, n in counts.items():
                yield word.encode("utf-8"), n, n * boost, _packed_count(n)


class StoredNumber(COLUMN):
    """A whole number stored with its document and kept in a column, not indexed.

    Stored for the hit records, a column for sorting and filtering whole
    match sets (``.doctable``); no terms, which nothing searches for.
    Missing values read 0 from the column.
    """

    stored = True
    # What ``.doctable`` looks for to read a whole numeric column at once.
    numtype = int
    signed = False
    bits = 64

    def __init__(self) -> None:
        super().__init__(NumericColumn("q", default=0))
