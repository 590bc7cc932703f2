"""When articles entered the index and last changed (search.stamps), through real indexing runs."""

from __future__ import annotations

import time

import pytest

from indexer import pipeline, workers
from indexer.pipeline import Indexer
from search import SearchRequest, SearchService
from search.models import SearchError
from search.stamps import iso, parse_instant
from tests.conftest import make_article
from tests.test_indexer import write_page


def stamps_by_title(index) -> dict[str, tuple[str, str]]:
    service = SearchService(index)
    try:
        hits = service.search(SearchRequest(per_page=100, collapse=False)).hits  # every article, copies too
        return {h.title: (h.indexed_at, h.changed_at) for h in hits}
    finally:
        service.close()


def run(index, root, **kw):
    report = Indexer(index, jobs=kw.pop("jobs", 1)).run([root], **kw)
    assert report.failed == 0
    time.sleep(0.01)  # stamps are milliseconds: keep the runs apart
    return report


@pytest.fixture
def pages(tmp_path):
    root = tmp_path / "pages"
    for name in ("alpha", "bravo", "charlie"):
        write_page(root / f"{name}.html", f"Story {name}", f"The {name} story about the harbour.")
    return root


def test_a_run_stamps_its_articles_with_one_time_before_its_commit(new_target, pages):
    index = new_target()
    run(index, pages)
    stamps = stamps_by_title(index)
    assert len(set(stamps.values())) == 1
    indexed, changed = next(iter(stamps.values()))
    assert indexed == changed
    service = SearchService(index)
    try:
        assert service.state().last_indexed >= indexed
    finally:
        service.close()


def test_a_change_moves_changed_at_and_keeps_indexed_at(new_target, pages):
    index = new_target()
    run(index, pages)
    before = stamps_by_title(index)
    write_page(pages / "bravo.html", "Story bravo", "The bravo story, corrected.")
    # Same text in new markup: the page file changed, the article did not.
    charlie = pages / "charlie.html"
    charlie.write_text(charlie.read_text().replace("<footer>", "<footer><!-- new ad slot -->"))
    write_page(pages / "delta.html", "Story delta", "A new story about the harbour.")
    report = run(index, pages)
    assert (report.added, report.updated) == (1, 2)
    after = stamps_by_title(index)
    assert after["Story alpha"] == before["Story alpha"]
    assert after["Story charlie"] == before["Story charlie"]
    assert after["Story bravo"][0] == before["Story bravo"][0]
    assert after["Story bravo"][1] > before["Story bravo"][1]
    assert after["Story delta"][0] == after["Story delta"][1] == after["Story bravo"][1]


@pytest.mark.parametrize("jobs", [1, 2], ids=["session", "worker-parts"])
def test_a_rebuild_keeps_every_stamp(new_target, pages, monkeypatch, jobs):
    index = new_target()
    run(index, pages)
    before = stamps_by_title(index)
    monkeypatch.setattr(pipeline, "PARALLEL_WRITE_THRESHOLD", 1)
    monkeypatch.setattr(workers, "WORKER_CHUNK", 1)
    write_page(pages / "alpha.html", "Story alpha", "The alpha story, rewritten.")
    run(index, pages, rebuild=True, jobs=jobs)
    after = stamps_by_title(index)
    assert after["Story bravo"] == before["Story bravo"]
    assert after["Story charlie"] == before["Story charlie"]
    assert after["Story alpha"][0] == before["Story alpha"][0]
    assert after["Story alpha"][1] > before["Story alpha"][1]


def test_polling_with_last_indexed_misses_nothing_and_sort_indexed_puts_new_first(new_target, pages):
    index = new_target()
    run(index, pages)
    service = SearchService(index)
    try:
        cursor = service.search(SearchRequest(q="harbour")).index.last_indexed
        assert service.search(SearchRequest(q="harbour", indexed_since=cursor)).total == 0
        write_page(pages / "delta.html", "Story delta", "A new story about the harbour.")
        run(index, pages)
        new = service.search(SearchRequest(q="harbour", indexed_since=cursor))
        assert [h.title for h in new.hits] == ["Story delta"]
        assert new.index.last_indexed > cursor
        ordered = service.search(SearchRequest(q="harbour", sort="indexed"))
        assert ordered.query.sort == "indexed"
        assert ordered.hits[0].title == "Story delta"
        assert [h.indexed_at for h in ordered.hits] == sorted((h.indexed_at for h in ordered.hits),
                                                              reverse=True)
    finally:
        service.close()


@pytest.mark.parametrize("text, ms", [
    ("2025-01-31", 1738281600000),
    ("2025-01-31T09:30:00Z", 1738315800000),
    ("2025-01-31T10:30:00+01:00", 1738315800000),
    ("2025-01-31T09:30:00.123+00:00", 1738315800123),
])
def test_instants_are_read_as_utc_and_written_back_sortable(text, ms):
    assert parse_instant(text) == ms
    assert parse_instant(iso(ms)) == ms


def test_a_bad_indexed_since_and_a_reversed_date_range_are_refused_by_name(index_factory):
    service = SearchService(index_factory([make_article("A", "Some text.", date="2024-01-01")]))
    try:
        with pytest.raises(SearchError) as bad:
            service.search(SearchRequest(indexed_since="yesterday"))
        assert bad.value.param == "indexed_since" and "ISO 8601" in bad.value.message
        with pytest.raises(SearchError) as reversed_range:
            service.search(SearchRequest(date_from="2025-02", date_to="2025-01-31"))
        assert reversed_range.value.param == "date_from" and "after" in reversed_range.value.message
        assert service.search(SearchRequest(date_from="2024-01", date_to="2024-01-01")).total == 1
    finally:
        service.close()
