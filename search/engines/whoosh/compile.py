"""Compiles a query's syntax tree into a Whoosh query, plus what highlighting and spelling need.

The tree comes from :mod:`search.query`; this module maps it onto the
schema's fields:

* a bare word: the stemmed ranking fields ``title`` and ``body`` (title boosted);
* phrases, prefixes and fuzzy words: the unstemmed ``*_phrase`` fields, where
  stop words are kept, so phrases stay exact;
* exact-spelling mode: the lower-case-only ``*_exact`` fields;
* ``date:`` clauses: the set of documents dated in the range (``DocSetQuery``).

Prefix and fuzzy words are expanded here, against the open reader, so the
expansion can be capped (``a*`` must not turn into a 50,000-term query; the
caps are ``search.limits``'): a prefix past its cap is refused (type more
letters), a fuzzy word past its cap keeps its closest spellings and says so
in the warnings. Fuzzy spellings are found in the generation's bucketed word
lists (:class:`.suggest.SpellingWords`), within Damerau-Levenshtein (optimal
string alignment) distance as Whoosh's ``IndexReader.terms_within`` defines it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

import numpy as np
from whoosh import query as wq

from search import limits
from search import query as ql
from search.models import NO_DEADLINE, Deadline, SearchError

from .analysis import STOP_WORDS, analyze, exact_analyzer, fold, phrase_analyzer, ranking_analyzer
from .bm25 import FIELD_BOOSTS
from .docset import DocSetQuery
from .highlight import HighlightSpec
from .suggest import SpellingWords

#: (lo, hi) inclusive YYYYMMDD -> ascending document numbers dated in that range.
DaySet = Callable[[int, int], np.ndarray]
#: Field names -> the words they hold in this generation (for fuzzy words).
Vocabulary = Callable[[tuple[str, ...]], SpellingWords]

_RANKING = ranking_analyzer()
_PHRASE = phrase_analyzer()
_EXACT = exact_analyzer()


@dataclass
class CompiledQuery:
    query: wq.Query | None  # None: every article
    scored: bool  # False when nothing in it ranks (only dates / exclusions)
    warnings: list[str]
    highlight: HighlightSpec
    words: list[ql.Word]  # plain positive words, for spelling suggestions


@dataclass
class _Fields:
    """Schema fields one word family is searched in."""

    ranking: tuple[str, ...]  # where a plain word goes
    literal: tuple[str, ...]  # where phrases/prefixes/fuzzy words go
    exact: tuple[str, ...]  # exact-spelling companions of ``literal``


_FAMILIES: dict[str | None, _Fields] = {
    None: _Fields(("title", "body"), ("title_phrase", "body_phrase"), ("title_exact", "body_exact")),
    "title": _Fields(("title",), ("title_phrase",), ("title_exact",)),
    "body": _Fields(("body",), ("body_phrase",), ("body_exact",)),
    "section": _Fields(("section",), ("section",), ("section",)),
    "author": _Fields(("author",), ("author",), ("author",)),
}
#: Where a phrase without a field prefix is matched.
PHRASE_FIELDS = _FAMILIES[None].literal


class _Compiler:
    def __init__(self, reader, operator: str, exact: bool, keep_stop: bool, days: DaySet | None,
                 vocabulary: Vocabulary, deadline: Deadline):
        self.reader = reader
        self.days = days
        self.vocabulary = vocabulary
        self.deadline = deadline
        self.operator = operator
        self.exact = exact
        self.keep_stop = keep_stop
        self.warnings: list[str] = []
        self.highlight = HighlightSpec()
        self.words: list[ql.Word] = []
        self.dropped_stop: list[str] = []
        self.expanded = 0
        self.scored = False

    # Each node compiles to a Whoosh query, or None when nothing of it is
    # left (e.g. a lone stop word). ``positive`` is False under a NOT, where
    # matches are not highlighted and words are not spell-checked.

    def node(self, n: ql.Node, positive: bool) -> wq.Query | None:
        if isinstance(n, ql.Junction):
            return self.junction(n, positive)
        if isinstance(n, ql.Negation):
            inner = self.node(n.child, False)
            return None if inner is None else wq.Not(inner)
        if isinstance(n, ql.DateClause):
            if n.range.empty:
                return wq.NullQuery
            if self.days is not None:
                return DocSetQuery(self.days(n.range.lo, n.range.hi), f"day:{n.range.lo}-{n.range.hi}")
            return wq.NumericRange("day", n.range.lo, n.range.hi, constantscore=True)
        if isinstance(n, ql.Phrase):
            return self.phrase(n, positive)
        if isinstance(n, ql.Word):
            if n.prefix:
                return self.prefix(n, positive)
            if n.fuzzy:
                return self.fuzzy(n, positive)
            counts = self.word_terms(n, positive)
            return self.terms_query(counts, self.operator)
        raise AssertionError(n)

    def junction(self, n: ql.Junction, positive: bool) -> wq.Query | None:
        # Plain words of one junction are merged so a word repeated in a long
        # query counts more (query term frequency), as in classic BM25.
        counts: Counter[tuple[tuple[str, ...], str]] = Counter()
        positives: list[wq.Query] = []
        negatives: list[wq.Query] = []
        for child in n.children:
            if isinstance(child, ql.Word) and not child.prefix and not child.fuzzy:
                counts.update(self.word_terms(child, positive))
                continue
            q = self.node(child, positive)
            if q is None:
                continue
            (negatives if isinstance(q, wq.Not) else positives).append(q)
        if counts:
            merged = self.terms_query(counts, n.op)
            if merged is not None:
                positives.insert(0, merged)
        if not positives and not negatives:
            return None
        if positives:
            base = positives[0] if len(positives) == 1 else (
                wq.And(positives) if n.op == "and" else wq.Or(positives))
        else:
            base = wq.Every()
        if negatives:
            base = wq.AndNot(base, wq.Or([q.query for q in negatives]))  # type: ignore[attr-defined]
        return base

    # --- plain words -----------------------------------------------------

    def word_terms(self, w: ql.Word, positive: bool) -> Counter[tuple[tuple[str, ...], str]]:
        fam = _FAMILIES[w.field]
        if self.exact and w.field in (None, "title", "body"):
            fields, tokens = fam.exact, analyze(_EXACT, w.text)
            if positive:
                self.highlight.exact.update(tokens)
        elif w.field in ("section", "author"):
            fields, tokens = fam.ranking, analyze(_PHRASE, w.text)
            if positive:
                self.highlight.words.update(tokens)
        elif self.keep_stop:
            fields, tokens = fam.literal, analyze(_PHRASE, w.text)
            if positive:
                self.highlight.words.update(tokens)
        else:
            fields, tokens = fam.ranking, analyze(_RANKING, w.text)
            if not tokens:
                folded = analyze(_PHRASE, w.text)
                if folded and all(t in STOP_WORDS for t in folded):
                    self.dropped_stop.append(w.text)
            if positive:
                self.highlight.stems.update(tokens)
        if positive and tokens:
            self.words.append(w)
        if positive and tokens:
            self.scored = True
        return Counter((fields, t) for t in tokens)

    def terms_query(self, counts: Counter[tuple[tuple[str, ...], str]], op: str) -> wq.Query | None:
        clauses = []
        for (fields, token), count in counts.items():
            per_field = [wq.Term(f, token, boost=FIELD_BOOSTS.get(f, 1.0) * count) for f in fields]
            clauses.append(per_field[0] if len(per_field) == 1 else wq.Or(per_field))
        if not clauses:
            return None
        if len(clauses) == 1:
            return clauses[0]
        return wq.And(clauses) if op == "and" else wq.Or(clauses)

    # --- phrases ---------------------------------------------------------

    def phrase(self, p: ql.Phrase, positive: bool) -> wq.Query | None:
        fam = _FAMILIES[p.field]
        words = analyze(_PHRASE, p.text)
        if not words:
            self.warn(f'ignored the empty phrase "{p.text}"')
            return None
        if positive:
            self.scored = True
            if len(words) == 1 or p.slop:
                # A proximity match is not one run of text: mark its words.
                self.highlight.words.update(words)
            else:
                self.highlight.phrases.append(tuple(words))
        exact_words = analyze(_EXACT, p.text) if self.exact and p.field in (None, "title", "body") else []
        per_field = []
        for literal, exact in zip(fam.literal, fam.exact):
            boost = FIELD_BOOSTS.get(literal, 1.0)
            if len(words) == 1:
                q: wq.Query = wq.Term(literal, words[0], boost=boost)
            else:
                # Whoosh's slop counts positions apart (1 = adjacent); the
                # query language's ~N counts words in between, as Lucene does.
                q = wq.Phrase(literal, words, slop=1 + p.slop, boost=boost)
            if exact_words:
                q = wq.And([q, *[wq.Term(exact, t) for t in dict.fromkeys(exact_words)]])
            per_field.append(q)
        if positive and exact_words:
            self.highlight.exact.update(exact_words)
        return per_field[0] if len(per_field) == 1 else wq.Or(per_field)

    # --- expansions ------------------------------------------------------

    def _literal_fields(self, w: ql.Word) -> tuple[tuple[str, ...], list[str]]:
        fam = _FAMILIES[w.field]
        if self.exact and w.field in (None, "title", "body"):
            return fam.exact, analyze(_EXACT, w.text)
        return fam.literal, analyze(_PHRASE, w.text)

    def _check_word(self, w: ql.Word, distinct: int, cap: int, kind: str) -> None:
        """One word's distinct expansions (over all its fields) against its cap."""
        limits.check_word_expansions(w.text, w.prefix, distinct, cap)

    def _add_expansions(self, distinct: int) -> None:
        """Count one word's distinct expansions, once, against the query's total."""
        self.expanded += distinct
        limits.check_query_expansions(self.expanded)

    def prefix(self, w: ql.Word, positive: bool) -> wq.Query | None:
        fields, tokens = self._literal_fields(w)
        if not tokens:
            return None
        # "covid-1*": the leading tokens must match as words, the last as a prefix.
        stem = tokens[-1]

        def expand(f: str) -> list[str]:
            terms = []
            for btext in self.reader.expand_prefix(f, stem):
                terms.append(btext.decode("utf-8"))
                if len(terms) > limits.MAX_PREFIX_TERMS:
                    break
                if len(terms) % 256 == 0:
                    self.deadline.check()
            return terms

        per_field, seen = self._expand(w, fields, expand, limits.MAX_PREFIX_TERMS, "prefix")
        if positive:
            self.scored = True
            # Marked on folded text: in exact mode a folded prefix may mark a
            # few more spellings than matched, never fewer.
            self.highlight.prefixes.add(fold(stem))
            self.highlight.words.update(fold(t) for t in tokens[:-1])
        q: wq.Query = wq.Or(per_field) if per_field else wq.NullQuery
        if len(tokens) > 1:
            lead = [wq.Or([wq.Term(f, t) for f in fields]) for t in tokens[:-1]]
            q = wq.And([*lead, q])
        return q

    def _expand(self, w: ql.Word, fields, expand, limit: int, kind: str) -> tuple[list[wq.Query], set[str]]:
        """Boosted term queries for one word's expansions in each field, within the caps."""
        per_field: list[wq.Query] = []
        seen: set[str] = set()
        for f in fields:
            terms = expand(f)
            seen.update(terms)
            # Checked per field too, so a huge expansion stops early.
            self._check_word(w, len(seen), limit, kind)
            boost = FIELD_BOOSTS.get(f, 1.0)
            per_field.extend(wq.Term(f, t, boost=boost) for t in terms)
        self._add_expansions(len(seen))
        return per_field, seen

    def fuzzy(self, w: ql.Word, positive: bool) -> wq.Query | None:
        fields, tokens = self._literal_fields(w)
        if not tokens:
            return None
        clauses = []
        for token in tokens:
            # Short words would match half the dictionary at distance 2.
            dist = min(w.fuzzy, max(1, len(token) // 3))
            kept = self._spellings(w, fields, token, dist)
            per_field, seen = self._expand(
                w, fields, lambda f: [t for t in kept if (f, t) in self.reader],
                limits.MAX_FUZZY_TERMS, "fuzzy")
            if positive:
                exact = self.exact and w.field in (None, "title", "body")
                (self.highlight.exact if exact else self.highlight.words).update(seen)
            clauses.append(wq.Or(per_field) if per_field else wq.NullQuery)
        if positive:
            self.scored = True
        return clauses[0] if len(clauses) == 1 else wq.And(clauses)

    def _spellings(self, w: ql.Word, fields: tuple[str, ...], token: str, dist: int) -> list[str]:
        """The index words within ``dist`` edits of ``token`` in ``fields``; past
        the fuzzy cap only the closest (then most frequent) ones, with a warning."""
        self.deadline.check()
        found = self.vocabulary(tuple(sorted(fields))).distances(token, dist, 0, transpositions=True)
        self.deadline.check()
        cap = limits.MAX_FUZZY_TERMS
        if len(found) <= cap:
            return sorted(t for t, _ in found)
        df = {t: sum(self.reader.doc_frequency(f, t) for f in fields) for t, _ in found}
        found.sort(key=lambda te: (te[1], -df[te[0]], te[0]))
        self.warn(limits.fuzzy_capped(w.text, len(found), cap))
        return sorted(t for t, _ in found[:cap])

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def compile_tree(tree: ql.Node | None, reader, *, operator: str = "and", exact: bool = False,
                 days: DaySet | None = None, vocabulary: Vocabulary | None = None,
                 deadline: Deadline = NO_DEADLINE) -> CompiledQuery:
    """Compile; raises SearchError only for limits and unanswerable queries,
    OutOfTime past the deadline.

    ``tree`` None means every article. ``days(lo, hi)`` returns the
    (ascending) live document numbers dated in that inclusive YYYYMMDD range;
    without it, date clauses fall back to Whoosh's NumericRange.
    ``vocabulary(fields)`` gives the generation's words of those fields
    (without it they are read from ``reader``). The warnings say how the
    engine read the query (the parser's own come before them).
    """
    if vocabulary is None:
        vocabulary = lambda fields: SpellingWords(  # noqa: E731 - read once per call
            t.decode("utf-8") for t in set().union(*(reader.lexicon(f) for f in fields)))
    if tree is None:
        return CompiledQuery(None, False, [], HighlightSpec(), [])
    warnings: list[str] = []
    comp = _Compiler(reader, operator, exact, False, days, vocabulary, deadline)
    q = comp.node(tree, True)
    if not comp.scored and comp.dropped_stop:
        # Only very common words: rather than match everything or nothing,
        # look them up as written in the fields that keep stop words.
        comp = _Compiler(reader, operator, exact, True, days, vocabulary, deadline)
        q = comp.node(tree, True)
        warnings.append("the query has only very common words ("
                        + ", ".join(dict.fromkeys(w.lower() for w in _stop_words_of(tree)))
                        + "): they were matched as exact words")
    warnings.extend(w for w in comp.warnings if w not in warnings)
    if q is None:
        raise SearchError("the query has nothing to search for: type some words", "q")
    if isinstance(q, wq.Not):
        q = wq.AndNot(wq.Every(), q.query)  # only exclusions: everything else
    return CompiledQuery(q, comp.scored, warnings, comp.highlight, comp.words)


def _stop_words_of(node: ql.Node) -> list[str]:
    if isinstance(node, ql.Word):
        return [node.text] if all(t in STOP_WORDS for t in analyze(_PHRASE, node.text)) else []
    if isinstance(node, ql.Junction):
        return [w for c in node.children for w in _stop_words_of(c)]
    return []
