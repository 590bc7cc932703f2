"""The matching rules every engine follows: what a word is, which words are
too common to rank, and how spellings fold together (Вучић = Vučić = vucic,
Đoković = djokovic, Straße = strasse).

Engines implement these with their own machinery (the Whoosh engine's
analyzers, the OpenSearch engine's analysis settings); the rules live here,
once, so both engines find the same articles for the same words.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

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
