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
    svc, queries = small_blocks
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


def test_kept_lists_and_title_reads_count_what_exact_searches_find(small_blocks, monkeypatch):
    """A word asked about by many matches has its whole lists read once and
    kept (``DocTable.spelled``): the next count reads nothing. Asked about by
    few, the body's candidate blocks are read, and the title's only for the
    matches whose body lacks the word. Both count what the spelling's exact
    search finds, and what the other way counts."""
    from search.engines.whoosh.postings import PostingCache

    svc, queries = small_blocks
    table = svc.engine.snapshot().table
    reads: list[tuple[str, int | None]] = []  # (field, candidates or None: the whole list)

    def term_ids_(searcher, fieldname, text, deadline, within=None):
        reads.append((fieldname, None if within is None else len(within)))
        return term_ids(searcher, fieldname, text, deadline, within)

    monkeypatch.setattr(spellings, "term_ids", term_ids_)
    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", 10**9)  # nothing kept: candidate reads
    monkeypatch.setattr(table, "spelled", PostingCache())
    limited = {q: _counts(svc, q) for q in queries}
    assert reads and all(n is not None for _, n in reads)
    body = [n for f, n in reads if f == "body_exact"]
    title = [n for f, n in reads if f == "title_exact"]
    assert len(title) < len(body) and sum(title) < sum(body) / 2  # titles read for a few matches only

    monkeypatch.setattr(PostingCache, "MIN_POSTINGS", 1)
    monkeypatch.setattr(table, "spelled", PostingCache())
    reads.clear()
    assert {q: _counts(svc, q) for q in queries} == limited
    whole = sum(n is None for _, n in reads)
    assert whole > 10 and any(n is not None for _, n in reads)  # dense words kept, sparse ones candidate-read
    reads.clear()
    assert {q: _counts(svc, q) for q in queries} == limited
    assert sum(n is None for _, n in reads) == 0  # the kept words read nothing
    checked = 0
    for q in ("the of", "said year", "government minister said"):
        for s in svc.search(SearchRequest(q=q)).facets.spellings:
            assert svc.search(SearchRequest(q=s.q, exact=True)).total == s.count, s
            checked += 1
    assert checked > 5
