"""'Did you mean' on OpenSearch, by the product's rules (:mod:`search.spelling`).

The search request itself counts, over the whole index, the articles each
checkable query word is in (the aggregations of :func:`df_aggs`). Only when
a word is rare do two more requests follow: the term suggester's close words
of the ``*.phrase`` fields (folded, unstemmed: words as people wrote them),
then the articles each of those is in, from which the product's rule picks.
"""

from __future__ import annotations

from typing import Any, Callable

from search import spelling
from search.query import Word

from . import words as wordrules

#: The fields whose words are suggested (the Whoosh engine's ``*_phrase``).
SPELLING_FIELDS = ("body.phrase", "title.phrase")
#: Close words the suggester offers per word and field, most frequent first.
CANDIDATES = 25

Search = Callable[[dict[str, Any]], dict[str, Any]]


def checkable(query_words: list[Word]) -> list[tuple[Word, str]]:
    return spelling.checkable(query_words, wordrules.folded)


def df_aggs(tokens: list[str]) -> dict[str, Any]:
    """A ``global`` aggregation counting, per field, the articles each token is in."""
    return {"global": {}, "aggs": {f"d{i}_{j}": {"filter": {"term": {f: token}}}
                                   for i, token in enumerate(tokens) for j, f in enumerate(SPELLING_FIELDS)}}


def _dfs(found: dict[str, Any], count: int) -> list[int]:
    return [sum(found[f"d{i}_{j}"]["doc_count"] for j in range(len(SPELLING_FIELDS))) for i in range(count)]


def suggest(search: Search, text: str, checked: list[tuple[Word, str]], counted: dict[str, Any]) -> str | None:
    """``text`` with its rare words corrected, or None; ``counted`` is the search's :func:`df_aggs` result."""
    if not checked:
        return None
    doc_count = counted["doc_count"]
    rare = [(w, token, df) for (w, token), df in zip(checked, _dfs(counted, len(checked)))
            if spelling.is_rare(df, doc_count)][:spelling.MAX_CHECKED]
    if not rare:
        return None
    suggesters = {
        f"s{i}_{j}": {"text": token, "term": {
            "field": f, "suggest_mode": "always", "sort": "frequency", "size": CANDIDATES,
            "max_edits": spelling.max_distance(token), "prefix_length": spelling.kept_prefix(token),
            "min_word_length": spelling.MIN_LENGTH, "accuracy": 0.0, "max_term_freq": 2**31 - 1,
            "string_distance": "damerau_levenshtein"}}
        for i, (_, token, _) in enumerate(rare) for j, f in enumerate(SPELLING_FIELDS)}
    offered = search({"size": 0, "track_total_hits": False, "suggest": suggesters})["suggest"]
    candidates: list[list[str]] = []
    for i, (_, token, _) in enumerate(rare):
        found = {o["text"] for j in range(len(SPELLING_FIELDS))
                 for entry in offered[f"s{i}_{j}"] for o in entry["options"]}
        found.discard(token)
        candidates.append(sorted(found))
    every = sorted({c for cs in candidates for c in cs})
    if not every:
        return None
    counts = search({"size": 0, "track_total_hits": False, "aggs": {"df": df_aggs(every)}})["aggregations"]["df"]
    df_of = dict(zip(every, _dfs(counts, len(every))))
    fixes = []
    for (w, token, df), cands in zip(rare, candidates):
        fix = spelling.best_correction(token, df, {c: df_of[c] for c in cands})
        if fix:
            fixes.append((w, fix))
    return spelling.corrected(text, fixes)
