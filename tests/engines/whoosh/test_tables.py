"""The Whoosh engine's per-generation tables and caches: searchers, spelling words, postings."""

from __future__ import annotations

import gc
import random
import threading

import numpy as np
import pytest

from search.engines.whoosh.doctable import DocTable
from search.engines.whoosh.lru import SizedLRU
from search.engines.whoosh.postings import PostingCache
from search.engines.whoosh.suggest import SPELLING_FIELDS, SpellingWords
from search.spelling import distance as _distance
from search.service import SearchService
from tests.conftest import build_index, sample_articles
from tests.test_search import CORPUS, search

# The Whoosh engine's own internals: their index is a Whoosh index.
pytestmark = pytest.mark.engines("whoosh")


@pytest.fixture
def service(index_factory):
    svc = SearchService(index_factory(CORPUS))
    yield svc
    svc.close()


def test_suggestion_distance_counts_swaps_as_one():
    assert _distance("pricse", "prices") == 1
    assert _distance("pricse", "price") == 1
    assert _distance("kitten", "sitting") == 3


def test_searchers_of_finished_threads_are_closed(service):
    search(service, "vucic")  # this thread's searcher

    def work():
        assert search(service, "vucic").total == 2

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
        t.join()
    gc.collect()
    assert service.engine._searchers.open_count() == 1  # only the main thread's is left open


def test_spelling_words_find_what_whoosh_automaton_finds(tmp_path):
    svc = SearchService(build_index(tmp_path, sample_articles()))
    fields = ("body_phrase", "title_phrase")
    with svc.engine.snapshot().searcher.reader() as reader:
        vocabulary = sorted(set().union(*(reader.lexicon(f) for f in fields)))
        words = SpellingWords(t.decode("utf-8") for t in vocabulary)
        rng = random.Random(7)
        probes = [t.decode("utf-8") for t in rng.sample(vocabulary, 150)]
        # Typo-like probes too: a letter dropped, doubled or swapped.
        probes += [p[:i] + p[i + 1:] for p in probes[:50] if len(p) > 4 for i in [len(p) // 2]]
        probes += [p[:3] + p[2:] for p in probes[50:100] if len(p) > 3]
        probes += [p[:2] + p[3] + p[2] + p[4:] for p in probes[100:150] if len(p) > 4]
        compared = 0
        for probe in probes:
            for maxdist, prefix in [(1, 1), (2, 2), (1, 2), (2, 1)]:
                if len(probe) < prefix:
                    continue
                expected = set().union(*(reader.terms_within(f, probe, maxdist, prefix=prefix)
                                         for f in fields))
                assert words.within(probe, maxdist, prefix) == expected, (probe, maxdist, prefix)
                compared += len(expected)
    svc.close()
    assert compared > 300


def test_warm_builds_the_generation_tables(service):
    service.warm()
    table = service.engine.snapshot().table
    assert {"title", "body", "title_phrase", "body_phrase"} <= set(table._lengths)
    assert SPELLING_FIELDS in table._spelling
    # The tables are reused, not rebuilt, by the searches that follow.
    words = table._spelling[SPELLING_FIELDS]
    assert search(service, "inflatoin").suggestion == "inflation"
    assert service.engine.snapshot().table._spelling[SPELLING_FIELDS] is words


def test_posting_cache_keeps_long_lists_within_its_budget(monkeypatch):
    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", 10)
    monkeypatch.setattr(PostingCache, "BUDGET_BYTES", 4_000)
    cache = PostingCache()
    short, big = np.arange(5), np.arange(200)  # 1,600 bytes each array: over a quarter
    cache.put(("w", "f", "short"), short, short * 1.0)
    cache.put(("w", "f", "big"), big, big * 1.0)
    assert cache.get(("w", "f", "short")) is None and cache.get(("w", "f", "big")) is None
    for i in range(10):  # 480 bytes each: the oldest go once 4,000 bytes are used
        ids = np.arange(30)
        cache.put(("w", "f", str(i)), ids, ids * 1.0)
    kept = [i for i in range(10) if cache.get(("w", "f", str(i))) is not None]
    assert kept == list(range(10 - len(kept), 10)) and len(kept) == 4_000 // 480
    assert not cache.get(("w", "f", "9"))[0].flags.writeable


def test_sized_lru_bounds_entries_and_size():
    lru: SizedLRU[str] = SizedLRU(budget=10, max_entries=3)
    lru.put("big", "x", 11)  # larger than the whole budget: not kept
    assert lru.get("big") is None
    for key in "abc":
        lru.put(key, key.upper(), 2)
    assert lru.get("a") == "A"  # now the most recently used
    lru.put("d", "D", 2)  # a 4th entry: "b", least recently used, goes
    assert [lru.get(k) for k in "abcd"] == ["A", None, "C", "D"]
    lru.put("e", "E", 6)  # 2+2+2+6 > 10 and 4 entries: the oldest ("a") goes
    assert [lru.get(k) for k in "acde"] == [None, "C", "D", "E"]
    lru.put("f", "F", 4)  # 2+2+6+4 > 10: "c" and "d" go
    assert [lru.get(k) for k in "cdef"] == [None, None, "E", "F"]
    lru.put("f", "F2", 1)  # replacing an entry replaces its size too
    lru.put("g", "G", 3)  # 6+1+3 fits
    assert [lru.get(k) for k in "efg"] == ["E", "F2", "G"]
    lru.clear()
    assert lru.get("e") is None


def test_indexed_order_breaks_ties_by_publication_date_then_undated():
    table = DocTable.__new__(DocTable)
    table.indexed = np.array([5, 5, 9, 5, 0], dtype=np.int64)
    table.day = np.array([20240101, 20250101, 20200101, 0, 20260101], dtype=np.int32)
    table.published = np.array([100, 200, 50, 0, 300], dtype=np.int64)
    order = table.indexed_order(np.arange(5), 5).tolist()
    assert order == [2, 1, 0, 3, 4]  # newest run; then by date, undated last; unknown stamp last
    assert table.indexed_order(np.arange(5), 2).tolist() == [2, 1]


def test_string_columns_read_whole_equal_whooshs_reader(service, caplog):
    """Facet and story columns are read with one read per segment and sliced;
    a column reader of another kind is iterated (logged). Both give, document
    by document, what Whoosh's own translating reader gives."""
    import logging

    from search.engines.whoosh import doctable

    class IterOnly:  # a column reader without the VarBytes reader's attributes
        def __init__(self, column):
            self._column = column

        def __iter__(self):
            return iter(self._column)

    reader = service.engine.snapshot().searcher.reader()
    size = reader.doc_count_all()
    checked = 0
    for fieldname in ("section_facet", "author_facet", "story"):
        expected = [""] * size
        for sub, offset in reader.leaf_readers():
            if sub.has_column(fieldname):
                whoosh_col = sub.column_reader(fieldname)
                expected[offset:offset + sub.doc_count_all()] = [whoosh_col[d] for d in range(sub.doc_count_all())]
                raw = sub.column_reader(fieldname, translate=False)
                assert hasattr(raw, "_lengths")  # the kind read whole
                with caplog.at_level(logging.DEBUG, logger=doctable.__name__):
                    assert doctable._raw_bytes(IterOnly(raw), sub.doc_count_all()) == list(raw)
                assert "read value by value" in caplog.text
        assert doctable._column(reader, fieldname, size, "") == expected
        checked += sum(1 for v in expected if v)
    assert checked > len(CORPUS)
