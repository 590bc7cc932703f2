"""The engine's one query evaluator agrees with Whoosh's own matching and scoring.

These tests compare with Whoosh itself, so they live with the engine (only
``search/engines/whoosh/`` and its tests import ``whoosh``).
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import formats
from whoosh import query as wq

from search.engines.whoosh import fields
from search.engines.whoosh.analysis import analyze, phrase_analyzer
from search.engines.whoosh.compile import compile_tree
from search.engines.whoosh.evaluate import evaluate, top
from search.engines.whoosh.phrases import occurrences
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
    ([[0], [1, 2], [4]], 2, 1),  # not through the nearest "1", but through "2"
])
def test_phrase_frequency(positions, slop, expected):
    doc = 7 << 32  # the positions of one document, as keys
    ids, tf = occurrences([np.asarray(p, dtype=np.int64) + doc for p in positions], slop)
    assert tf.tolist() == ([expected] if expected else []) and ids.tolist() == ([7] if expected else [])


def _runs_from(start: int, later: list[list[int]], slop: int) -> bool:
    """Whether words at ``later`` positions follow ``start``, each within ``slop``
    after the one before (every choice tried: the reference)."""
    if not later:
        return True
    return any(start < p <= start + slop and _runs_from(p, later[1:], slop) for p in later[0])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(positions=st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=8, unique=True).map(sorted),
                          min_size=2, max_size=4),
       slop=st.integers(1, 6))
def test_occurrences_are_every_run_of_the_words(positions, slop):
    doc = 3 << 32
    ids, tf = occurrences([np.asarray(p, dtype=np.int64) + doc for p in positions], slop)
    expected = sum(_runs_from(p, positions[1:], slop) for p in positions[0])
    assert tf.tolist() == ([expected] if expected else []) and ids.tolist() == ([3] if expected else [])


@pytest.mark.parametrize("positions", ["packed", "pickled"])
@pytest.mark.parametrize("min_postings", [1, 10**9], ids=["positions-cached", "candidates-only"])
def test_phrases_match_whoosh_on_real_text(tmp_path, monkeypatch, min_postings, positions):
    # Frequent words' positions are kept in the posting cache; rare words'
    # are decoded for the candidates only. Both paths, first use and cached,
    # in both position formats (packed, and the pickles of indexes written
    # before it), over segments with deleted documents, must match exactly
    # the documents Whoosh's own phrase matcher finds.
    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", min_postings)
    articles = sample_articles()
    with monkeypatch.context() as m:
        if positions == "pickled":
            m.setattr(fields, "PackedPositions", formats.Positions)
        build_index(tmp_path, articles[::2])
    svc = SearchService(tmp_path)
    with svc.engine.writer() as session:  # a second segment; the first gets deletions
        for a in articles[1::2]:
            session.add(a, NO_FILE)
        for a in articles[:10:2]:
            session.add(replace(a, body="Replaced: " + a.body[::-1]), NO_FILE)
    rng = random.Random(11)
    phrases = set()
    for article in rng.sample(articles, 20):
        words = analyze(phrase_analyzer(), article.body)
        for n in (2, 3):
            i = rng.randrange(len(words) - n)
            phrases.add(" ".join(words[i:i + n]))
    phrases |= {"of the", "in the", "the government"}
    snap = svc.engine.snapshot()
    assert len(snap.searcher.subsearchers) == 2 and snap.searcher.reader().has_deletions()
    fmt = type(snap.searcher.schema["body_phrase"].format)
    assert fmt is (fields.PackedPositions if positions == "packed" else formats.Positions)
    live = snap.table.live
    checked = 0
    for phrase in sorted(phrases):
        for q in (f'"{phrase}"', f'"{phrase}"~3', f'"{phrase}"~50'):
            _, c = compiled(svc, q)
            first = evaluate(c.query, snap.searcher, snap.table)
            again = evaluate(c.query, snap.searcher, snap.table)
            expected = whoosh_ids(snap, c.query)
            assert first.ids[live[first.ids]].tolist() == expected, q
            assert np.array_equal(first.ids, again.ids), q
            assert np.array_equal(first.scores, again.scores), q
            checked += len(expected)
    svc.close()
    assert checked > 100


def test_fuzzy_words_expand_to_what_whoosh_terms_within_finds(service):
    # Whoosh's IndexReader.terms_within (Damerau-Levenshtein, swaps of
    # neighbours count one edit) over each field, here found in the bucketed
    # word lists instead of a walk of every word.
    from whoosh.reading import IndexReader

    snap = service.engine.snapshot()
    reader = snap.searcher.reader()
    vocabulary = sorted(t.decode("utf-8") for t in reader.lexicon("body_phrase"))
    rng = random.Random(5)
    probes = [w for w in rng.sample(vocabulary, 40) if w.isalpha() and len(w) >= 3]
    probes += [p[:1] + p[2] + p[1] + p[3:] for p in probes[:10] if len(p) > 3]  # swapped letters
    compared = 0
    for probe in probes:
        for fuzzy in (1, 2):
            q = compiled(service, f"{probe}~{fuzzy}")[1].query
            ours = {(f, t.decode() if isinstance(t, bytes) else t) for f, t in q.iter_all_terms()}
            dist = min(fuzzy, max(1, len(probe) // 3))
            theirs = {(f, t) for f in ("title_phrase", "body_phrase")
                      for t in IndexReader.terms_within(reader, f, probe, dist, prefix=0)}
            assert ours == theirs, (probe, fuzzy)
            compared += len(theirs)
    assert compared > 100


@pytest.mark.parametrize("skip_ratio", [0, 64, 10**9], ids=["skip-always", "skip-default", "skip-never"])
@pytest.mark.parametrize("min_postings", [1, 10**9], ids=["cached", "uncached"])
def test_narrowed_evaluation_equals_whoosh(small_blocks, monkeypatch, skip_ratio, min_postings):
    """An And narrowed from its smallest part, lists read only in the blocks
    that can hold a candidate, scores computed for the final matches only:
    the matches are Whoosh's, the word scores Whoosh's, and every read path
    (cached or not, blocks skipped or not) gives the same bits."""
    from search.engines.whoosh import postings

    monkeypatch.setattr(postings, "SKIP_RATIO", skip_ratio)
    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", min_postings)
    svc, queries = small_blocks
    snap = svc.engine.snapshot()
    snap.table.postings = PostingCache()  # this test's cache settings, from empty
    live = snap.table.live
    assert snap.searcher.reader().has_deletions()
    matched = 0
    for q in queries:
        _, c = compiled(svc, q)
        ours = evaluate(c.query, snap.searcher, snap.table)
        ids_only = evaluate(c.query, snap.searcher, snap.table, scored=False)
        expected = whoosh_ids(snap, c.query)
        assert ours.ids[live[ours.ids]].tolist() == expected, q
        assert ids_only.ids[live[ids_only.ids]].tolist() == expected, q
        if '"' not in q:  # phrase scores are our own; word scores Whoosh's
            theirs = {hit.docnum: hit.score for hit in snap.searcher.search(c.query, limit=None)}
            mine = dict(zip(ours.ids.tolist(), ours.scores.tolist()))
            assert all(round(mine[d], 9) == round(theirs[d], 9) for d in expected), q
        reference = _reference.setdefault(q, ours)
        assert np.array_equal(reference.ids[live[reference.ids]], ours.ids[live[ours.ids]]), q
        assert np.array_equal(reference.scores[live[reference.ids]], ours.scores[live[ours.ids]]), q
        matched += len(expected)
    assert matched > 100


_reference: dict = {}  # first evaluation of each query, across the read paths


def test_reads_limited_to_candidates_skip_blocks(small_blocks, monkeypatch):
    from search.engines.whoosh import postings
    from search.engines.whoosh.postings import term_postings

    monkeypatch.setattr(postings, "SKIP_RATIO", 1)  # one candidate in 40 postings: skip
    svc, _ = small_blocks
    snap = svc.engine.snapshot()
    whole = term_postings(snap.searcher, "body", "said")
    assert whole is not None and whole.whole and len(whole.ids) > 40
    within = whole.ids[::40]
    part = term_postings(snap.searcher, "body", "said", within=within)
    assert part is not None and not part.whole
    assert len(within) <= len(part.ids) < len(whole.ids) // 4  # blocks of 4 without a candidate skipped
    at = np.searchsorted(whole.ids, part.ids)
    assert np.array_equal(whole.ids[at], part.ids) and np.array_equal(whole.weights[at], part.weights)
    assert set(within.tolist()) <= set(part.ids.tolist())



@pytest.mark.parametrize("positions", ["packed", "pickled"])
def test_stop_words_positions_are_read_with_the_table(tmp_path, monkeypatch, positions):
    """A generation's table reads the whole positions of its most frequent
    stop words (in both position formats), most frequent first, within a
    share of the cache's budget; phrases with them then match exactly what
    Whoosh's phrase matcher finds, before and after the first use."""
    from search.engines.whoosh import phrases
    from search.engines.whoosh.analysis import STOP_WORDS
    from search.engines.whoosh.compile import PHRASE_FIELDS

    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", 5)
    with monkeypatch.context() as m:
        if positions == "pickled":
            m.setattr(fields, "PackedPositions", formats.Positions)
        build_index(tmp_path, sample_articles())
    svc = SearchService(tmp_path)
    snap = svc.engine.snapshot()
    searcher, cache = snap.searcher, snap.table.postings
    frequent = {(f, w) for f in PHRASE_FIELDS for w in STOP_WORDS if searcher.doc_frequency(f, w) >= 5}
    held = {(f, w) for f in PHRASE_FIELDS for w in STOP_WORDS if cache.get(("positions", f, w)) is not None}
    assert ("body_phrase", "the") in held and held == frequent
    live = snap.table.live
    for q in ('"of the"', '"in the"~3', '"the government"', 'title:"of the"'):
        _, c = compiled(svc, q)
        for _ in range(2):
            found = evaluate(c.query, searcher, snap.table)
            assert found.ids[live[found.ids]].tolist() == whoosh_ids(snap, c.query), q
    # A small budget: the most frequent word first, and no more than fits.
    by_df = sorted(frequent, key=lambda fw: (searcher.doc_frequency(*fw), *fw), reverse=True)
    monkeypatch.setattr(PostingCache, "BUDGET_BYTES", 4 * sum(a.nbytes for a in cache.get(("positions", *by_df[0]))))
    small = PostingCache()
    read = phrases.preload(searcher, small, PHRASE_FIELDS)
    assert read and set(read) < frequent and read == [fw for fw in by_df if fw in read]
    if positions == "packed":  # (a pickled list is kept when a bound of its size fits)
        assert read[0] == by_df[0]
    assert sum(a.nbytes for fw in read for a in small.get(("positions", *fw))) <= PostingCache.BUDGET_BYTES // 3
    svc.close()
