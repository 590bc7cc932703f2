"""'Did you mean': which words to correct, and which correction to offer.

The product's rules, shared by the engines (each finds the candidates and
counts articles its own way): a word found in few articles may be a typo;
it is replaced by a close word found in many times as many articles. A word
the archive has (a rare name) is only taken for a one-slip typo, never two
edits away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .query import Word

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


def checkable(words: list[Word], tokens: Callable[[str], Iterable[str]]) -> list[tuple[Word, str]]:
    """(word, its one folded token) for the query words a suggestion may correct.

    Long natural-language queries (scripts, the relevance bench) are not typed
    by hand: checking every word would cost more than it is worth.
    """
    if not words or len(words) > MAX_WORDS:
        return []
    out = []
    for w in words:
        if w.prefix or w.fuzzy:
            continue
        found = list(tokens(w.text))
        if len(found) == 1 and len(found[0]) >= MIN_LENGTH and found[0].isalpha():
            out.append((w, found[0]))
    return out


def is_rare(df: int, doc_count: int) -> bool:
    return df <= max(RARE_DF, doc_count // RARE_SHARE)


def max_distance(word: str) -> int:
    return 1 if len(word) < 6 else 2


def kept_prefix(word: str) -> int:
    """Leading letters a correction keeps: typos rarely hit the first letters,
    and requiring them keeps the search for candidates short."""
    return 2 if len(word) >= 5 else 1


def best_correction(word: str, df: int, candidates: dict[str, int]) -> str | None:
    """The best of ``candidates`` (word -> articles it is in) for ``word`` (in ``df`` articles)."""
    best: tuple[float, str] | None = None
    for cand, cdf in candidates.items():
        if cand == word or cdf == 0 or (df and cdf < FREQUENCY_RATIO * df):
            continue
        dist = distance(word, cand)
        if dist > max_distance(word):
            continue
        # A word the archive has (a rare name, 'Compton') is only taken for
        # a one-slip typo of a frequent word, never two edits away ('common').
        if df and dist > 1:
            continue
        # Closer words win unless a farther one is far more frequent.
        score = cdf / (FREQUENCY_RATIO ** (dist - 1))
        if best is None or (score, cand) > best:
            best = (score, cand)
    return best[1] if best else None


def distance(a: str, b: str) -> int:
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


def match_case(original: str, word: str) -> str:
    if original.isupper() and len(original) > 1:
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def corrected(text: str, fixes: list[tuple[Word, str]]) -> str | None:
    """``text`` with each word replaced by its correction (case kept); None when nothing changes."""
    replacements = []
    for w, fix in fixes:
        start, end = w.span
        if text[start:end] == w.text:
            replacements.append((start, end, match_case(w.text, fix)))
    if not replacements:
        return None
    out = text
    for start, end, new in sorted(replacements, reverse=True):
        out = out[:start] + new + out[end:]
    return out
