"""The spellings panel's counts read only the posting blocks that may hold a
match, and count exactly what whole lists count."""

from __future__ import annotations

import numpy as np
import pytest

from search.engines.whoosh import spellings
from search.engines.whoosh.postings import term_ids
from search.models import SearchRequest

pytestmark = pytest.mark.engines("whoosh")


def _counts(svc, q: str) -> dict[tuple[str, str], int]:
    return {(s.term, s.text): s.count for s in svc.search(SearchRequest(q=q)).facets.spellings}


def test_counts_from_candidate_blocks_equal_whole_lists(small_blocks, monkeypatch):
    from search.engines.whoosh.lru import SizedLRU

    svc, queries = small_blocks
    monkeypatch.setattr(svc.engine.snapshot().table, "spelled", SizedLRU(0))  # every count read
    read = {True: 0, False: 0}  # postings read, candidate-limited or not

    def reading(limited: bool):
        def term_ids_(searcher, fieldname, text, deadline, within=None):
            ids = term_ids(searcher, fieldname, text, deadline, within if limited else None)
            read[limited] += len(ids)
            return ids
        return term_ids_

    monkeypatch.setattr(spellings, "term_ids", reading(True))
    limited = {q: _counts(svc, q) for q in queries}
    monkeypatch.setattr(spellings, "term_ids", reading(False))
    counted = 0
    for q in queries:
        assert _counts(svc, q) == limited[q], q
        counted += sum(limited[q].values())
    assert counted > 50
    assert 0 < read[True] < read[False] * 0.8  # blocks without a match were stepped over


def test_candidate_reads_skip_blocks(small_blocks):
    svc, _ = small_blocks
    searcher = svc.engine.snapshot().searcher
    assert len(searcher.subsearchers or []) == 2  # one list per segment
    whole = term_ids(searcher, "body_exact", "said")
    assert len(whole) > 40
    within = whole[::10]
    part = term_ids(searcher, "body_exact", "said", within=within)
    assert set(within.tolist()) <= set(part.tolist()) <= set(whole.tolist())
    assert len(part) <= 4 * len(within) < len(whole) // 2  # blocks of 4 without a candidate stepped over
    assert term_ids(searcher, "body_exact", "said", within=within[:0]).size == 0
    # Candidates in every block: every block read, as a whole read does.
    assert np.array_equal(term_ids(searcher, "body_exact", "said", within=whole), whole)


def test_kept_words_and_title_reads_count_what_exact_searches_find(small_blocks, monkeypatch):
    """The body's candidate blocks are read first, the title's only for the
    matches whose body lacks the word. The matches looked at for a word and
    those holding it are kept (``DocTable.spelled``): the same search again
    reads nothing, another one only for its matches not looked at yet. Every
    way counts what the spelling's exact search finds."""
    from search.engines.whoosh.lru import SizedLRU

    svc, queries = small_blocks
    table = svc.engine.snapshot().table
    reads: list[tuple[str, str, int]] = []  # (field, word, candidates)

    def term_ids_(searcher, fieldname, text, deadline, within=None):
        reads.append((fieldname, text, len(within)))
        return term_ids(searcher, fieldname, text, deadline, within)

    monkeypatch.setattr(spellings, "term_ids", term_ids_)
    monkeypatch.setattr(table, "spelled", SizedLRU(0))  # nothing kept
    limited = {q: _counts(svc, q) for q in queries}
    assert not table.spelled._items
    body = [n for f, _, n in reads if f == "body_exact"]
    title = [n for f, _, n in reads if f == "title_exact"]
    assert len(title) < len(body) and sum(title) < sum(body) / 2  # titles read for a few matches only

    monkeypatch.setattr(table, "spelled", SizedLRU(1 << 24))
    reads.clear()
    assert {q: _counts(svc, q) for q in queries} == limited
    assert reads and table.spelled._items
    reads.clear()
    assert {q: _counts(svc, q) for q in queries} == limited
    assert reads == []  # every match looked at before

    monkeypatch.setattr(table, "spelled", SizedLRU(1 << 24))
    first, then = "said government", "said"
    _counts(svc, first)
    reads.clear()
    counted = _counts(svc, then)
    matches = svc.search(SearchRequest(q=then)).total
    said = [n for f, w, n in reads if (f, w) == ("body_exact", "said")]
    assert said and 0 < said[0] < matches  # the first search's matches not read again
    monkeypatch.setattr(table, "spelled", SizedLRU(1 << 24))
    assert _counts(svc, then) == counted  # as when nothing was kept
    checked = 0
    for q in ("the of", "said year", "government minister said", then):
        for s in svc.search(SearchRequest(q=q)).facets.spellings:
            assert svc.search(SearchRequest(q=s.q, exact=True)).total == s.count, s
            checked += 1
    assert checked > 5
