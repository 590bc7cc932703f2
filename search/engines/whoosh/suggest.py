"""'Did you mean': replace a rare or absent word by a close, frequent one.

Works on the ``*_phrase`` fields (folded, unstemmed, stop words kept), whose
terms are real words as written, so a suggestion is a word people used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from search.query import Word

from .analysis import analyze, phrase_analyzer

_PHRASE = phrase_analyzer()
#: The fields whose words are suggested.
SPELLING_FIELDS = ("body_phrase", "title_phrase")

#: A word found in at most this many articles (or 1 in RARE_SHARE of the
#: archive, if more) may be a typo; archives keep their typos too...
RARE_DF = 2
RARE_SHARE = 2_000
#: ...when a close word is found in this many times as many articles.
FREQUENCY_RATIO = 20
#: Rare words looked at per query (each costs a walk of the word list).
MAX_CHECKED = 3
#: Words shorter than this are too short to correct reliably.
MIN_LENGTH = 3
#: Queries with more words than this get no suggestion.
MAX_WORDS = 8


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


def _is_rare(reader, word: str) -> bool:
    return _df(reader, word) <= max(RARE_DF, reader.doc_count() // RARE_SHARE)


def _best_correction(reader, word: str, words: SpellingWords) -> str | None:
    df = _df(reader, word)
    maxdist = 1 if len(word) < 6 else 2
    best: tuple[float, str] | None = None
    # Typos rarely hit the first letters; requiring them keeps the walk of
    # the word list short (two letters: 2-4x faster on a 100k archive).
    prefix = 2 if len(word) >= 5 else 1
    candidates = words.within(word, maxdist, prefix)
    candidates.discard(word)
    for cand in candidates:
        cdf = _df(reader, cand)
        if cdf == 0 or (df and cdf < FREQUENCY_RATIO * df):
            continue
        dist = _distance(word, cand)
        # A word the archive has (a rare name, 'Compton') is only taken for
        # a one-slip typo of a frequent word, never two edits away ('common').
        if df and dist > 1:
            continue
        # Closer words win unless a farther one is far more frequent.
        score = cdf / (FREQUENCY_RATIO ** (dist - 1))
        if best is None or (score, cand) > best:
            best = (score, cand)
    return best[1] if best else None


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one edit (typos: 'pricse')."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[i - 2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


def _match_case(original: str, word: str) -> str:
    if original.isupper() and len(original) > 1:
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def suggest(reader, text: str, words: list[Word],
            spelling_words: Callable[[tuple[str, ...]], SpellingWords]) -> str | None:
    """The query text with misspelled words corrected, or None when nothing changes.

    ``spelling_words(fields)`` gives the generation's words of those fields.
    """
    # Long natural-language queries (scripts, the relevance bench) are not
    # typed by hand: checking every word would cost more than it is worth.
    if not words or len(words) > MAX_WORDS:
        return None
    replacements: list[tuple[int, int, str]] = []
    checked = 0
    for w in words:
        if w.prefix or w.fuzzy:
            continue
        tokens = analyze(_PHRASE, w.text)
        if len(tokens) != 1 or len(tokens[0]) < MIN_LENGTH or not tokens[0].isalpha():
            continue
        if not _is_rare(reader, tokens[0]):
            continue
        checked += 1
        if checked > MAX_CHECKED:
            break
        fix = _best_correction(reader, tokens[0], spelling_words(SPELLING_FIELDS))
        if fix:
            start, end = w.span
            if text[start:end] == w.text:
                replacements.append((start, end, _match_case(w.text, fix)))
    if not replacements:
        return None
    out = text
    for start, end, new in sorted(replacements, reverse=True):
        out = out[:start] + new + out[end:]
    return out
