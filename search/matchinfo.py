"""Records of why a hit matched and which spellings the result set holds
(see :mod:`search.matched` for how they are worked out)."""

from __future__ import annotations

from dataclasses import dataclass

#: How a matched word is named to a reader (``search.matched.KINDS``); others by their kind.
_HOW_LABELS = {"transliteration": "Cyrillic", "stem": "word form"}


def how_label(how: str, text: str = "") -> str:
    """'accents', 'Cyrillic' (or 'Latin' for a Latin spelling of a Cyrillic query), 'word form'..."""
    if how == "transliteration" and not any("\u0400" <= c <= "\u04ff" for c in text):
        return "Latin"
    return _HOW_LABELS.get(how, how)


@dataclass
class MatchedWord:
    """A word (or phrase) of the article that matched a query term, and how."""

    text: str  # as the article spells it
    how: str  # one of search.matched.KINDS: exact, case, accents, transliteration, stem, fuzzy, prefix, phrase


@dataclass
class MatchedTerm:
    """One query term of a hit: where it matched and the article's words that did."""

    term: str  # as the query wrote it ("vucic", "elect*", "city council")
    fields: list[str]  # where it matched: title, body, section, author, publication
    words: list[MatchedWord]

    def line(self) -> str:
        """In words, as under a hit: 'vucic → Вучић (Cyrillic), Vučić (accents)', plus 'in title' off the body."""
        words = ", ".join(w.text if w.how == "exact" else f"{w.text} ({how_label(w.how, w.text)})"
                          for w in self.words)
        where = "" if self.fields == ["body"] else f" in {', '.join(self.fields)}"
        return f"{self.term} → {words}{where}"


@dataclass
class Spelling:
    """A spelling of a query term found in the result set, with its matches."""

    term: str  # the query term it spells
    text: str  # as the articles spell it
    how: str  # as in MatchedWord
    count: int  # matching articles that contain it and the query's other words as typed: what ``q`` finds
    q: str  # the query with the term spelled so: searched with exact=true, it selects this spelling
