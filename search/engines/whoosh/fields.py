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
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from operator import is_not

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


#: The first element of a wide value (see :class:`PackedPositions`).
WIDE = 0xFFFF


def _little_endian(a: array) -> bytes:
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


#: Words that occur once in a document (most postings) share the value of
#: their position below this: a writing worker's pool holds millions of them,
#: and each bytes object of its own cost 40 bytes for 2 of data.
_SHARED_POSITIONS = 4096


@lru_cache(maxsize=_SHARED_POSITIONS)
def _one_position(position: int) -> bytes:
    return _little_endian(array("H", [position]))


class PackedPositions(formats.Positions):
    """Positions as fixed-width little-endian integers instead of a pickle.

    A value is the word's ascending positions in one document as uint16, or,
    when a position reaches 65,535 (an article of that many words), the
    element ``WIDE`` followed by them all as uint32. Whoosh's own
    ``Positions`` pickles a list of deltas behind a count: ~10x slower to
    write, and a phrase over a frequent word spent most of its time
    unpickling. Packed values of many documents decode with one numpy call
    (:mod:`.phrases`). Indexes written before this format keep ``Positions``
    (the schema is pickled with the index) and are read as before.
    """

    def encode(self, poslist):
        if len(poslist) == 1 and poslist[0] < _SHARED_POSITIONS:
            return _one_position(poslist[0])
        if poslist[-1] < WIDE:
            return _little_endian(array("H", poslist))
        return _little_endian(array("H", [WIDE])) + _little_endian(array("I", poslist))

    def decode_positions(self, valuestring):
        if valuestring[:2] == b"\xff\xff":
            wide = array("I", valuestring[2:])
            if sys.byteorder != "little":
                wide.byteswap()
            return wide.tolist()
        narrow = array("H", valuestring)
        if sys.byteorder != "little":
            narrow.byteswap()
        return narrow.tolist()

    def decode_frequency(self, valuestring):
        if valuestring[:2] == b"\xff\xff":
            return (len(valuestring) - 2) // 4
        return len(valuestring) // 2


class AnalyzedText(TEXT):
    """A TEXT field indexed through ``term`` (see the module docstring); with
    positions, they are stored as :class:`PackedPositions`."""

    def __init__(self, term: TermOf, **kwargs):
        super().__init__(**kwargs)
        self.term = term
        if type(self.format) is formats.Positions:
            self.format = PackedPositions(field_boost=self.format.field_boost)

    def index(self, value, **kwargs) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str):  # pre-analysed lists: Whoosh's own path
            yield from super().index(value, **kwargs)
            return
        yield from zip(*self.index_columns(value))

    def index_columns(self, value: str) -> tuple[list[bytes], list[int], list[float], list[bytes]]:
        """What :meth:`index` yields, as columns: terms, frequencies, weights,
        encoded values (the writer pools a document's field whole)."""
        boost = self.format.field_boost
        terms = map(_FAST_TERMS.get(self.term, self.term), _tokens(value))
        if isinstance(self.format, formats.Positions):
            positions: dict[str, list[int]] = defaultdict(list)
            # Dropped tokens leave no gap, as Whoosh's StopFilter renumbers.
            for pos, word in enumerate(filter(partial(is_not, None), terms)):
                positions[word].append(pos)
            freqs = list(map(len, positions.values()))
            values = list(map(self.format.encode, positions.values()))
            words = positions.keys()
        else:
            counts = Counter(terms)
            counts.pop(None, None)
            freqs = list(counts.values())
            values = list(map(_packed_count, freqs))
            words = counts.keys()
        return ([w.encode("utf-8") for w in words], freqs, [n * boost for n in freqs], values)


#: Term functions called per token without their Python frame (same results).
_FAST_TERMS: dict[TermOf, TermOf] = {folded_term: fold, lower_term: str.lower}
#: The last text cut into tokens: a text is indexed as three fields in a row.
_last_cut: tuple[str, list[str]] = ("", [])


def _tokens(text: str) -> list[str]:
    global _last_cut
    last = _last_cut  # one read: another thread may replace it
    if last[0] is text:
        return last[1]
    tokens = _TOKEN_RE.findall(text)
    _last_cut = (text, tokens)
    return tokens


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
