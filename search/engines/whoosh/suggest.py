"""'Did you mean': replace a rare or absent word by a close, frequent one.

Works on the ``*_phrase`` fields (folded, unstemmed, stop words kept), whose
terms are real words as written, so a suggestion is a word people used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from search import spelling
from search.query import Word

from .analysis import analyze, phrase_analyzer

_PHRASE = phrase_analyzer()
#: The fields whose words are suggested.
SPELLING_FIELDS = ("body_phrase", "title_phrase")


class SpellingWords:
    """The words of some fields, bucketed for edit-distance search.

    A correction keeps the first letter or two of the word (see
    ``suggest``), and a word within k edits is at most k letters
    longer or shorter: so only the buckets (first letters, length) that can
    hold a match are compared, each in one C call (rapidfuzz). Walking the
    whole sorted word list with Whoosh's Levenshtein automaton instead cost
    3-9 ms a rare word on a 100k-article archive. Fuzzy words (``word~``)
    keep no letters (prefix 0) and are compared by length alone: Whoosh's
    walk of every word in Python cost seconds a word.
    """

    #: How many leading letters a match may be asked to keep.
    PREFIXES = (0, 1, 2)

    def __init__(self, words: Iterable[str]):
        self._buckets: dict[int, dict[tuple[str, int], list[str]]] = {
            p: defaultdict(list) for p in self.PREFIXES
        }
        for w in words:
            for p, buckets in self._buckets.items():
                if len(w) >= p:
                    buckets[w[:p], len(w)].append(w)

    def within(self, word: str, maxdist: int, prefix: int, transpositions: bool = False) -> set[str]:
        """Words within ``maxdist`` edits of ``word`` that share its first
        ``prefix`` letters. Edits are Levenshtein's (what Whoosh's automaton
        for one segment finds), or with ``transpositions`` Damerau's
        optimal string alignment, where swapping two neighbours is one edit
        (what Whoosh's ``IndexReader.terms_within`` finds)."""
        return {w for w, _ in self.distances(word, maxdist, prefix, transpositions)}

    def distances(self, word: str, maxdist: int, prefix: int,
                  transpositions: bool = False) -> list[tuple[str, int]]:
        """(word, edits) of every word :meth:`within` finds."""
        buckets = self._buckets[prefix]
        head = word[:prefix]
        scorer = OSA.distance if transpositions else Levenshtein.distance
        found: list[tuple[str, int]] = []
        for length in range(max(prefix, len(word) - maxdist), len(word) + maxdist + 1):
            bucket = buckets.get((head, length))
            if bucket:
                matches = process.extract(word, bucket, scorer=scorer, score_cutoff=maxdist, limit=None)
                found.extend((m[0], int(m[1])) for m in matches)
        return found


def _df(reader, word: str) -> int:
    return sum(reader.doc_frequency(f, word) for f in SPELLING_FIELDS)


def suggest(reader, text: str, words: list[Word],
            spelling_words: Callable[[tuple[str, ...]], SpellingWords]) -> str | None:
    """The query text with misspelled words corrected, or None when nothing changes.

    ``spelling_words(fields)`` gives the generation's words of those fields.
    The rules (what is rare, which correction wins) are :mod:`search.spelling`'s.
    """
    fixes: list[tuple[Word, str]] = []
    checked = 0
    for w, token in spelling.checkable(words, lambda t: analyze(_PHRASE, t)):
        df = _df(reader, token)
        if not spelling.is_rare(df, reader.doc_count()):
            continue
        checked += 1
        if checked > spelling.MAX_CHECKED:
            break
        candidates = spelling_words(SPELLING_FIELDS).within(
            token, spelling.max_distance(token), spelling.kept_prefix(token))
        fix = spelling.best_correction(token, df, {c: _df(reader, c) for c in candidates if c != token})
        if fix:
            fixes.append((w, fix))
    return spelling.corrected(text, fixes)
