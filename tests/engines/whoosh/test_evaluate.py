"""The engine's one query evaluator agrees with Whoosh's own matching and scoring.

These tests compare with Whoosh itself, so they live with the engine (only
``search/engines/whoosh/`` and its tests import ``whoosh``).
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import query as wq

from search.engines.whoosh.analysis import analyze, phrase_analyzer
from search.engines.whoosh.compile import compile_tree
from search.engines.whoosh.evaluate import evaluate, top
from search.engines.whoosh.phrases import phrase_frequency
from search.engines.whoosh.postings import PostingCache
from search.query import parse
from search.service import SearchService
from tests.conftest import NO_FILE, build_index, sample_articles
from tests.test_search import CORPUS

# The Whoosh engine's own internals: their index is a Whoosh index.
pytestmark = pytest.mark.engines("whoosh")


@pytest.fixture
def service(index_factory):
    svc = SearchService(index_factory(CORPUS))
    yield svc
    svc.close()


def compiled(svc: SearchService, q: str, op: str = "and"):
    """(snapshot, compiled query) of ``q`` on the service's live index."""
    snap = svc.engine.snapshot()
    return snap, compile_tree(parse(q, op).tree, snap.searcher.reader(), operator=op,
                              days=snap.table.dated_between)


def whoosh_ids(snap, q) -> list[int]:
    return sorted(snap.searcher.docs_for_query(q))


@pytest.mark.parametrize("q", ["economy OR inflation", "inflation -bank", "(vucic OR economy) date:2025",
                               '"state of the art" OR runs', "-inflation", "econ* OR vucic~"])
def test_match_set_equals_whoosh(service, q):
    snap, c = compiled(service, q)
    found = evaluate(c.query, snap.searcher, snap.table, scored=False)
    assert found.scores is None
    assert found.ids[snap.table.live[found.ids]].tolist() == whoosh_ids(snap, c.query)


@pytest.mark.parametrize("q,op", [("economy inflation", "or"), ("inflation economy bank", "or"),
                                  ("inflation -bank", "and"), ("vucic OR economy OR art", "and"),
                                  ("title:inflation OR body:economy", "and"),
                                  ("(vucic OR economy) date:2025", "and"), ("the of", "and")])
def test_numpy_scores_equal_whoosh_scores(service, q, op):
    snap, c = compiled(service, q, op)
    ours = top(evaluate(c.query, snap.searcher, snap.table), snap.table.live, 100)
    theirs = [(hit.docnum, hit.score) for hit in snap.searcher.search(c.query, limit=100)]
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert [round(s, 9) for _, s in ours] == [round(s, 9) for _, s in theirs]


@pytest.mark.parametrize("q", ['"state of the art" OR inflation', '"economy percent"~3 economy',
                               'econ* OR "central bank"'])
def test_phrase_matches_equal_whoosh_matches(service, q):
    # Phrase scores are our own (Lucene-style); the matches must be Whoosh's.
    snap, c = compiled(service, q)
    for scored in (True, False):
        found = evaluate(c.query, snap.searcher, snap.table, scored=scored)
        assert found.ids.tolist() == whoosh_ids(snap, c.query)


def _odd_queries():
    term = wq.Term("body", "economy")
    other = wq.Term("body", "inflation")
    null = type(wq.NullQuery)()  # a NullQuery that is not Whoosh's singleton
    return {
        "null-singleton": wq.NullQuery,
        "null-instance": null,
        "and-with-null": wq.And([term, null]),
        "or-with-null": wq.Or([term, null]),
        "or-scaled": wq.Or([term, other], scale=0.5),
        "or-minmatch": wq.Or([term, other], minmatch=1),
        "unscorable-field": wq.Or([wq.Term("id", "x"), term]),
        "andnot-scaled": wq.AndNot(wq.Or([term, other], scale=0.9), wq.Term("body", "bank")),
    }


@pytest.mark.parametrize("name", sorted(_odd_queries()))
def test_scored_and_id_only_evaluation_agree(service, name):
    """The one evaluator in both modes: same matches as each other and as
    Whoosh, on the shapes where the two old evaluators drifted apart (any
    NullQuery matches nothing; a coordination ``scale`` changes scores, not
    matches, and scored it is left to Whoosh's matcher)."""
    q = _odd_queries()[name]
    snap = service.engine.snapshot()
    live = snap.table.live
    scored = evaluate(q, snap.searcher, snap.table, scored=True)
    ids_only = evaluate(q, snap.searcher, snap.table, scored=False)
    expected = whoosh_ids(snap, q)
    assert scored.ids[live[scored.ids]].tolist() == expected
    assert ids_only.ids[live[ids_only.ids]].tolist() == expected
    theirs = {hit.docnum: hit.score for hit in snap.searcher.search(q, limit=None)}
    ours = dict(zip(scored.ids.tolist(), scored.scores.tolist()))
    assert ours.keys() == theirs.keys()
    assert all(round(ours[d], 9) == round(theirs[d], 9) for d in ours)
    if name.startswith("null"):
        assert expected == []


@pytest.mark.parametrize("positions,slop,expected", [
    ([[1, 5], [2, 7]], 1, 1),
    ([[1, 5], [2, 6]], 1, 2),
    ([[1], [3]], 1, 0),
    ([[1], [3]], 2, 1),
    ([[1], [0]], 5, 0),  # order matters
    ([[1], [3], [4]], 2, 1),
    ([[1], [4], [5]], 2, 0),
])
def test_phrase_frequency(positions, slop, expected):
    assert phrase_frequency(positions, slop) == expected


@pytest.mark.parametrize("min_postings", [1, 10**9], ids=["positions-cached", "candidates-only"])
def test_phrases_match_whoosh_on_real_text(tmp_path, monkeypatch, min_postings):
    # Frequent words' positions are decoded whole and cached; rare words'
    # only for the candidates. Both paths, first use and cached, must match
    # exactly the documents Whoosh's own phrase matcher finds.
    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", min_postings)
    articles = sample_articles()
    build_index(tmp_path, articles[::2])
    svc = SearchService(tmp_path)
    with svc.engine.writer() as session:  # a second segment
        for a in articles[1::2]:
            session.add(a, NO_FILE)
    rng = random.Random(11)
    phrases = set()
    for article in rng.sample(articles, 20):
        words = analyze(phrase_analyzer(), article.body)
        for n in (2, 3):
            i = rng.randrange(len(words) - n)
            phrases.add(" ".join(words[i:i + n]))
    phrases |= {"of the", "in the", "the government"}
    snap = svc.engine.snapshot()
    assert len(snap.searcher.subsearchers) == 2
    checked = 0
    for phrase in sorted(phrases):
        for q in (f'"{phrase}"', f'"{phrase}"~3'):
            _, c = compiled(svc, q)
            first = evaluate(c.query, snap.searcher, snap.table)
            again = evaluate(c.query, snap.searcher, snap.table)
            expected = whoosh_ids(snap, c.query)
            assert first.ids.tolist() == expected, q
            assert again.ids.tolist() == expected, q
            assert np.array_equal(first.scores, again.scores), q
            checked += len(expected)
    svc.close()
    assert checked > 100
