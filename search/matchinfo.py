"""Records of why a hit matched and which spellings the result set holds
(see :mod:`search.matched` for how they are worked out)."""

from __future__ import annotations

from dataclasses import dataclass


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


@dataclass
class Spelling:
    """A spelling of a query term found in the result set, with its matches."""

    term: str  # the query term it spells
    text: str  # as the articles spell it
    how: str  # as in MatchedWord
    count: int  # matching articles that contain it (title or body; case ignored)
    q: str  # the query with the term spelled so: searched with exact=true, it selects this spelling
