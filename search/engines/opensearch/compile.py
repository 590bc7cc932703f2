"""Compiles a query's syntax tree into the query DSL, by the Whoosh engine's rules.

The same tree means the same matches on both engines (``search/engines/whoosh/compile.py``):

* a bare word: the stemmed fields ``title`` and ``body`` (title boosted), each
  folded token a ``match`` there (the cluster stems it as it stemmed the articles);
  plain words of one junction are merged, so a repeated word counts more;
* phrases (``match_phrase``, ``~N`` as slop), prefixes and fuzzy words: the
  unstemmed ``*.phrase`` sub-fields, where stop words are kept;
* exact-spelling mode: the lower-case-only ``*.exact`` sub-fields;
* ``date:`` clauses: a range on ``date``, as a filter (dates do not rank);
* a query of stop words only is retried literally on the ``*.phrase`` fields.

Prefix and fuzzy words are expanded here, through the cluster (``expand``),
so the expansions can be capped with the same limits and messages as the
Whoosh engine's (``search.limits``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from search import limits, spelling
from search import query as ql
from search.query import dates
from search.models import SearchError

from . import words

Query = dict[str, Any]
#: (fields, kind, token, edit distance, cap) -> field -> index words (at most cap + 1 each).
Expand = Callable[[tuple[str, ...], str, str, int, int], dict[str, list[str]]]

TITLE_BOOST = 1.2  # as the Whoosh engine's (bench/relevance.py measured it there)
BOOSTS = {"title": TITLE_BOOST, "title.phrase": TITLE_BOOST, "title.exact": TITLE_BOOST}
#: Expansions of one word scored term by term (BM25, as the Whoosh engine
#: does) while the query stays within this many of them; beyond, an expansion
#: is one constant-score ``terms`` set per field, as Lucene's own prefix query
#: scores, because a cluster refuses queries of more than 1,024 clauses.
SCORED_EXPANSIONS = 256
MATCH_NONE: Query = {"match_none": {}}
#: Spellings of a fuzzy word listed per field, to count them and keep the
#: closest past the cap: the most one rewrite request may list (``.expand``).
FUZZY_REACH = 1_024


@dataclass
class Compiled:
    query: Query | None  # None: every article
    scored: bool  # False when nothing in it ranks (only dates / exclusions)
    warnings: list[str]
    words: list[ql.Word]  # plain positive words, for spelling suggestions
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # folded runs marked as one


@dataclass
class _Fields:
    ranking: tuple[str, ...]
    literal: tuple[str, ...]
    exact: tuple[str, ...]


_FAMILIES: dict[str | None, _Fields] = {
    None: _Fields(("title", "body"), ("title.phrase", "body.phrase"), ("title.exact", "body.exact")),
    "title": _Fields(("title",), ("title.phrase",), ("title.exact",)),
    "body": _Fields(("body",), ("body.phrase",), ("body.exact",)),
    "section": _Fields(("section",), ("section",), ("section",)),
    "author": _Fields(("author",), ("author",), ("author",)),
}


class _Not:
    """A negated part, kept apart until its junction puts it in ``must_not``."""

    def __init__(self, query: Query):
        self.query = query


def _all(clauses: list[Query]) -> Query:
    return clauses[0] if len(clauses) == 1 else {"bool": {"must": clauses}}


def _any(clauses: list[Query]) -> Query:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def _leaf(kind: str, fieldname: str, token: str, boost: float) -> Query:
    key = "query" if kind == "match" else "value"
    return {kind: {fieldname: {key: token, "boost": boost}}}


def day_range(lo: int, hi: int) -> Query:
    """Articles dated lo..hi (inclusive YYYYMMDD; FIRST_DAY and LAST_DAY are open ends); undated ones never."""
    bounds: dict[str, Any] = {}
    if lo > dates.FIRST_DAY:
        bounds["gte"] = f"{lo:08d}"
    if hi < dates.LAST_DAY:
        bounds["lte"] = f"{hi:08d}"
    if not bounds:
        return {"exists": {"field": "date"}}
    return {"range": {"date": {**bounds, "format": "basic_date"}}}


class _Compiler:
    def __init__(self, expand: Expand, operator: str, exact: bool, keep_stop: bool):
        self.expand_terms = expand
        self.operator = operator
        self.exact = exact
        self.keep_stop = keep_stop
        self.warnings: list[str] = []
        self.words: list[ql.Word] = []
        self.phrases: list[tuple[str, ...]] = []
        self.dropped_stop = False
        self.expanded = 0
        self.scored_expansions = 0
        self.scored = False

    def node(self, n: ql.Node, positive: bool) -> Query | _Not | None:
        if isinstance(n, ql.Junction):
            return self.junction(n, positive)
        if isinstance(n, ql.Negation):
            inner = self.node(n.child, False)
            return None if inner is None else _Not(inner.query if isinstance(inner, _Not) else inner)
        if isinstance(n, ql.DateClause):
            if n.range.empty:
                return MATCH_NONE
            return {"bool": {"filter": [day_range(n.range.lo, n.range.hi)]}}
        if isinstance(n, ql.Phrase):
            return self.phrase(n, positive)
        if isinstance(n, ql.Word):
            if n.prefix:
                return self.prefix(n, positive)
            if n.fuzzy:
                return self.fuzzy(n, positive)
            return self.terms_query(self.word_terms(n, positive), self.operator)
        raise AssertionError(n)

    def junction(self, n: ql.Junction, positive: bool) -> Query | None:
        counts: Counter[tuple[tuple[str, ...], str, str]] = Counter()
        positives: list[Query] = []
        negatives: list[Query] = []
        for child in n.children:
            if isinstance(child, ql.Word) and not child.prefix and not child.fuzzy:
                counts.update(self.word_terms(child, positive))
                continue
            q = self.node(child, positive)
            if q is None:
                continue
            if isinstance(q, _Not):
                negatives.append(q.query)
            else:
                positives.append(q)
        if counts:
            merged = self.terms_query(counts, n.op)
            if merged is not None:
                positives.insert(0, merged)
        if not positives and not negatives:
            return None
        if not negatives:
            return _all(positives) if n.op == "and" else _any(positives)
        base = (_all(positives) if n.op == "and" else _any(positives)) if positives else {"match_all": {}}
        return {"bool": {"must": [base], "must_not": negatives}}

    # --- plain words -----------------------------------------------------

    def word_terms(self, w: ql.Word, positive: bool) -> Counter[tuple[tuple[str, ...], str, str]]:
        """(fields, kind, token) -> times the query says it; kind "match" is stemmed by the cluster."""
        fam = _FAMILIES[w.field]
        kind = "term"
        if self.exact and w.field in (None, "title", "body"):
            fields, tokens = fam.exact, words.exact(w.text)
        elif w.field in ("section", "author"):
            fields, tokens = fam.ranking, words.folded(w.text)
        elif self.keep_stop:
            fields, tokens = fam.literal, words.folded(w.text)
        else:
            fields, tokens, kind = fam.ranking, words.ranked(w.text), "match"
            if not tokens and words.only_stop_words(w.text):
                self.dropped_stop = True
        if positive and tokens:
            self.words.append(w)
            self.scored = True
        return Counter((fields, kind, t) for t in tokens)

    def terms_query(self, counts: Counter[tuple[tuple[str, ...], str, str]], op: str) -> Query | None:
        clauses = [_any([_leaf(kind, f, token, BOOSTS.get(f, 1.0) * count) for f in fields])
                   for (fields, kind, token), count in counts.items()]
        if not clauses:
            return None
        return _all(clauses) if op == "and" else _any(clauses)

    # --- phrases ---------------------------------------------------------

    def phrase(self, p: ql.Phrase, positive: bool) -> Query | None:
        fam = _FAMILIES[p.field]
        tokens = words.folded(p.text)
        if not tokens:
            self.warn(f'ignored the empty phrase "{p.text}"')
            return None
        if positive:
            self.scored = True
            if len(tokens) > 1 and not p.slop:
                self.phrases.append(tokens)
        exact_words = words.exact(p.text) if self.exact and p.field in (None, "title", "body") else ()
        per_field = []
        for literal, exact in zip(fam.literal, fam.exact):
            boost = BOOSTS.get(literal, 1.0)
            if len(tokens) == 1:
                q = _leaf("term", literal, tokens[0], boost)
            else:
                q = {"match_phrase": {literal: {"query": " ".join(tokens), "slop": p.slop, "boost": boost}}}
            if exact_words:
                q = _all([q, *[{"term": {exact: t}} for t in dict.fromkeys(exact_words)]])
            per_field.append(q)
        return _any(per_field)

    # --- expansions ------------------------------------------------------

    def _literal_fields(self, w: ql.Word) -> tuple[tuple[str, ...], tuple[str, ...]]:
        fam = _FAMILIES[w.field]
        if self.exact and w.field in (None, "title", "body"):
            return fam.exact, words.exact(w.text)
        return fam.literal, words.folded(w.text)

    def _expansions(self, w: ql.Word, fields: tuple[str, ...], kind: str, token: str, dist: int) -> Query:
        """One word's expansions in each of ``fields``, within the caps (as the Whoosh engine counts them)."""
        if kind == "prefix":
            cap = limits.MAX_PREFIX_TERMS
            per_field = self.expand_terms(fields, kind, token, dist, cap)
        else:
            cap = limits.MAX_FUZZY_TERMS
            per_field = self._closest(w, token, self.expand_terms(fields, kind, token, dist, FUZZY_REACH - 1), cap)
        seen = {t for terms in per_field.values() for t in terms}
        limits.check_word_expansions(w.text, w.prefix, len(seen), cap)
        self.expanded += len(seen)
        limits.check_query_expansions(self.expanded)
        clauses = []
        for f, terms in per_field.items():
            if not terms:
                continue
            boost = BOOSTS.get(f, 1.0)
            if self.scored_expansions + len(terms) <= SCORED_EXPANSIONS:
                self.scored_expansions += len(terms)
                clauses.extend(_leaf("term", f, t, boost) for t in terms)
            else:
                clauses.append({"terms": {f: terms, "boost": boost}})
        return _any(clauses) if clauses else MATCH_NONE

    def _closest(self, w: ql.Word, token: str, per_field: dict[str, list[str]], cap: int) -> dict[str, list[str]]:
        """A fuzzy word's spellings; past ``cap`` only the closest ones (then in
        alphabetical order), with a warning, as the Whoosh engine keeps them."""
        seen = sorted({t for terms in per_field.values() for t in terms})
        if len(seen) <= cap:
            return per_field
        seen.sort(key=lambda t: spelling.distance(token, t))  # stable: alphabetical among equals
        kept = set(seen[:cap])
        self.warn(limits.fuzzy_capped(w.text, len(seen), cap,
                                      at_least=any(len(terms) >= FUZZY_REACH for terms in per_field.values())))
        return {f: [t for t in terms if t in kept] for f, terms in per_field.items()}

    def prefix(self, w: ql.Word, positive: bool) -> Query | None:
        fields, tokens = self._literal_fields(w)
        if not tokens:
            return None
        # "covid-1*": the leading tokens must match as words, the last as a prefix.
        q = self._expansions(w, fields, "prefix", tokens[-1], 0)
        if positive:
            self.scored = True
        if len(tokens) > 1:
            lead = [_any([_leaf("term", f, t, 1.0) for f in fields]) for t in tokens[:-1]]
            q = _all([*lead, q])
        return q

    def fuzzy(self, w: ql.Word, positive: bool) -> Query | None:
        fields, tokens = self._literal_fields(w)
        if not tokens:
            return None
        clauses = []
        for token in tokens:
            # Short words would match half the dictionary at distance 2.
            dist = min(w.fuzzy, max(1, len(token) // 3))
            clauses.append(self._expansions(w, fields, "fuzzy", token, dist))
        if positive:
            self.scored = True
        return _all(clauses)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def compile_tree(tree: ql.Node | None, expand: Expand, *, operator: str = "and",
                 exact: bool = False) -> Compiled:
    """Compile; raises SearchError only for limits and unanswerable queries (as the Whoosh engine)."""
    if tree is None:
        return Compiled(None, False, [], [])
    warnings: list[str] = []
    comp = _Compiler(expand, operator, exact, False)
    q = comp.node(tree, True)
    if not comp.scored and comp.dropped_stop:
        # Only very common words: look them up as written in the fields that keep stop words.
        comp = _Compiler(expand, operator, exact, True)
        q = comp.node(tree, True)
        warnings.append("the query has only very common words ("
                        + ", ".join(dict.fromkeys(w.lower() for w in _stop_words_of(tree)))
                        + "): they were matched as exact words")
    warnings.extend(w for w in comp.warnings if w not in warnings)
    if q is None:
        raise SearchError("the query has nothing to search for: type some words", "q")
    if isinstance(q, _Not):
        q = {"bool": {"must": [{"match_all": {}}], "must_not": [q.query]}}  # only exclusions
    return Compiled(q, comp.scored, warnings, comp.words, comp.phrases)


def _stop_words_of(node: ql.Node) -> list[str]:
    if isinstance(node, ql.Word):
        return [node.text] if all(t in words.STOP_WORDS for t in words.folded(node.text)) else []
    if isinstance(node, ql.Junction):
        return [w for c in node.children for w in _stop_words_of(c)]
    return []
