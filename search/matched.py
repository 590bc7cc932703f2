"""Why a hit matched, and which spellings of the query's words the results hold.

Engines only say which words of an article their highlighting marked (its
``Answer.surfaces``: field -> the words as spelled); what each one is to the
query is decided here, once, so both engines give the same answer. A marked
word is compared with each positive term of the query (a word, a prefix, a
fuzzy word, a phrase) and called:

* ``exact``: spelled as typed; ``case``: the same but for case;
* ``accents``: the same once accents are dropped (Vučić for vucic, Đoković for djokovic);
* ``transliteration``: the same once Cyrillic is read as Latin (Вучић for vucic);
* ``stem``: the same English stem (runs for running);
* ``prefix``, ``fuzzy`` (within the term's edit distance), ``phrase`` (a word of a quoted phrase).

The first rule that holds wins, in that order. With the exact-spelling
option only ``exact`` and ``case`` (and prefix, fuzzy, phrase on the
lower-cased words) can hold, as only those match.

The spellings panel (:class:`SpellingFacet`) is a facet: within its own time
limit it collects the spellings of the query's single words from the first
:data:`SAMPLE` matches in the request's order and asks the engine how many
of all the matches contain each (the exact-spelling fields, so case is
ignored) together with the query's other required words as typed: the
count is what the spelling's exact search finds. A spelling seen only past
the sample is not listed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz.distance import Levenshtein

from .matchinfo import MatchedTerm, MatchedWord, Spelling
from .counting import FacetCounter
from .models import Hit
from .query import Junction, Negation, Node, Phrase, Word
from .text import TOKEN_PATTERN, fold

KINDS = ("exact", "case", "accents", "transliteration", "stem", "fuzzy", "prefix", "phrase")
#: Matches whose marked words the spellings panel reads.
SAMPLE = 50
#: Most spellings listed per query word (the most frequent).
SPELLINGS_PER_TERM = 10

_TOKEN_RE = re.compile(TOKEN_PATTERN)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Porter2, the English stemmer both engines index with.
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def _stem(folded: str) -> str:
    return _STEMMER.stemWord(folded)


@dataclass(frozen=True)
class Term:
    """A positive term of the query."""

    label: str  # as the query wrote it, markers included: "elect*", "djokovic~", '"city council"'
    text: str  # without markers
    field: str | None  # None: any field a bare word searches
    kind: str  # word, prefix, fuzzy, phrase
    fuzzy: int = 0
    span: tuple[int, int] | None = None  # where a word sits in the query text, markers included


def terms(tree: Node | None, q: str) -> list[Term]:
    """The query's terms that make an article match (negated ones do not), once each."""
    out: dict[tuple, Term] = {}

    def walk(node: Node | None) -> None:
        if isinstance(node, Junction):
            for child in node.children:
                walk(child)
        elif isinstance(node, Word):
            start, end = node.span
            marker = re.match(r"\*|~\d*", q[end:]) if q[start:end] == node.text else None
            end += len(marker.group()) if marker else 0
            kind = "prefix" if node.prefix else "fuzzy" if node.fuzzy else "word"
            label = q[start:end] if marker or q[start:end] == node.text else node.text
            term = Term(label, node.text, node.field, kind, node.fuzzy, (start, end) if q[start:end] else None)
            out.setdefault((term.text, term.field, kind, node.fuzzy), term)
        elif isinstance(node, Phrase):
            out.setdefault((node.text, node.field, "phrase", node.slop),
                           Term(f'"{node.text}"', node.text, node.field, "phrase"))
        # Negations match nothing in a hit; date clauses are no words.
    walk(tree)
    return list(out.values())


def _script(word: str) -> bool:
    return bool(_CYRILLIC.search(word))


def how(term: Term, surface: str, exact: bool = False, marked: bool = True) -> str | None:
    """How the article's ``surface`` matches ``term``; None when it does not.

    ``marked``: the engine marked ``surface`` in a title or body (a word of a
    proximity phrase is marked alone); else it is a section or author value,
    folded but never stemmed by the engines, which must hold a phrase whole.
    """
    norm = str.lower if exact else fold
    if term.kind == "phrase":
        wanted = [norm(t) for t in _TOKEN_RE.findall(term.text)]
        found = [norm(t) for t in _TOKEN_RE.findall(surface)]
        if marked:
            return "phrase" if found and all(t in wanted for t in found) else None
        return "phrase" if wanted and f" {' '.join(wanted)} " in f" {' '.join(found)} " else None
    for token in _TOKEN_RE.findall(term.text) or [term.text]:
        if surface == token:
            return "exact"
        if surface.lower() == token.lower():
            return "case"
        if norm(surface) == norm(token):
            return "transliteration" if _script(surface) != _script(token) else "accents"
        if term.kind == "prefix" and norm(surface).startswith(norm(token)):
            return "prefix"
        if term.kind == "fuzzy" and Levenshtein.distance(norm(surface), norm(token)) <= term.fuzzy:
            return "fuzzy"
        if term.kind == "word" and marked and not exact and _stem(fold(surface)) == _stem(fold(token)):
            return "stem"
    return None


#: Fields a bare word searches, and the fields each ``field:`` term searches.
_TEXT_FIELDS = ("title", "body")
_META_FIELDS = ("section", "author")


def _meta_words(hit: Hit, phrase: bool) -> dict[str, list[str]]:
    """The words (for a phrase: the values) of a hit's section and authors; the engine marks none."""
    values = {"section": [hit.section] if hit.section else [], "author": hit.authors}
    if phrase:
        return values
    return {name: [w for v in vs for w in _TOKEN_RE.findall(v)] for name, vs in values.items()}


def explain(hit: Hit, surfaces: dict[str, list[str]], found: list[Term], exact: bool) -> list[MatchedTerm]:
    """Per term of the query: the fields it matched in and the article's words that did."""
    out = []
    for term in found:
        meta = _meta_words(hit, term.kind == "phrase")
        fields = (term.field,) if term.field else _TEXT_FIELDS + _META_FIELDS
        where: list[str] = []
        words: dict[str, str] = {}
        for name in fields:
            candidates = surfaces.get(name, []) if name in _TEXT_FIELDS else meta.get(name, [])
            # Section and author values are folded, never stemmed, by both engines.
            matched = [(s, h) for s in candidates if (h := how(term, s, exact, name in _TEXT_FIELDS))]
            if matched:
                where.append(name)
                for s, h in matched:
                    words.setdefault(s, h)
        if words:
            out.append(MatchedTerm(term.label, where, [MatchedWord(s, h) for s, h in words.items()]))
    return out


def annotate(hits: list[Hit], surfaces: list[dict[str, list[str]]], tree: Node | None, q: str,
             exact: bool) -> None:
    """Set each hit's ``matched`` from its marked words (``surfaces``, in hit order)."""
    found = terms(tree, q)
    if not found:
        return
    for hit, marked in zip(hits, surfaces):
        hit.matched = explain(hit, marked, found, exact)


@dataclass
class _Seen:
    term: int  # index into the facet's terms
    forms: Counter  # spellings as the articles write them (case kept) -> times seen


class SpellingFacet:
    """The spellings panel as a facet (see the module docstring), for one request."""

    name = "spellings"

    def __init__(self, tree: Node | None, q: str, exact: bool):
        self.q = q
        self.exact = exact
        self.terms = [t for t in terms(tree, q)
                      if t.kind != "phrase" and t.field in (None, *_TEXT_FIELDS) and t.span is not None]
        self.typed = {} if exact else _required_words(tree)

    def counts(self, counter: FacetCounter, deadline: float) -> list[tuple[Term, str, str, int]]:
        if not self.terms:
            return []
        seen: dict[str, _Seen] = {}  # lower-cased spelling (how the exact fields index it) -> what was seen
        for marked in counter.surfaces(limit=SAMPLE, deadline=deadline):
            for name in _TEXT_FIELDS:
                for surface in marked.get(name, []):
                    key = surface.lower()
                    known = seen.get(key)
                    if known is not None:
                        known.forms[surface] += 1
                        continue
                    for i, term in enumerate(self.terms):
                        if _TOKEN_RE.fullmatch(surface) and how(term, surface, self.exact):
                            seen[key] = _Seen(i, Counter({surface: 1}))
                            break
        if not seen:
            return []
        words = list(seen)
        counted = counter.words([self._group(word, self.terms[seen[word].term]) for word in words],
                                deadline=deadline)
        out = []
        for word, count in zip(words, counted):
            if count:
                term = self.terms[seen[word].term]
                form = seen[word].forms.most_common(1)[0][0]
                out.append((term, form, how(term, form, self.exact) or "exact", count))
        return out

    def _group(self, word: str, term: Term) -> tuple[str, ...]:
        """``word`` with the other required words as typed: what the spelling's exact
        search (``Spelling.q``) also asks for, so its total is the count shown."""
        others = (w for label, typed in self.typed.items() if label != term.label for w in typed)
        return (word, *dict.fromkeys(w for w in others if w != word))

    def records(self, counted: list[tuple[Term, str, str, int]]) -> list[Spelling]:
        order = {t.label: i for i, t in enumerate(self.terms)}
        counted = sorted(counted, key=lambda c: (order[c[0].label], -c[3], c[1]))
        out: list[Spelling] = []
        per_term: Counter = Counter()
        for term, form, kind, count in counted:
            per_term[term.label] += 1
            if per_term[term.label] <= SPELLINGS_PER_TERM:
                out.append(Spelling(term.label, form, kind, count, respelled(self.q, term, form)))
        return out


def _required_words(tree: Node | None) -> dict[str, list[str]]:
    """Term label -> its lower-cased words, for each plain word every match must hold
    (the query's own AND, not an OR or a negation; prefix and fuzzy words expand)."""
    required = tree.children if isinstance(tree, Junction) and tree.op == "and" else [tree]
    return {node.text: [w.lower() for w in _TOKEN_RE.findall(node.text)] for node in required
            if isinstance(node, Word) and node.field is None and not node.prefix and not node.fuzzy}


def respelled(q: str, term: Term, spelling: str) -> str:
    """``q`` with ``term`` (its prefix or fuzzy marker too) written as ``spelling``."""
    assert term.span is not None
    start, end = term.span
    return q[:start] + spelling + q[end:]
