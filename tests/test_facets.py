"""Facets (section, author) and date histograms."""

from __future__ import annotations

import pytest

from search.models import Bucket, FacetValue, SearchRequest
from search.service import SearchService
from tests.conftest import make_article

ARTICLES = [
    make_article("A1", "budget vote", date="2025-01-15", section="Politics", authors=["Ana", "Bob"]),
    make_article("A2", "budget talks", date="2025-03-02", section="Politics", authors=["Ana"]),
    make_article("A3", "budget deficit", date="2025-03-30", section="Business", authors=["Cy"]),
    make_article("A4", "budget football club", date="2023-12-31", section="Sport", authors=["Bob"]),
    make_article("A5", "budget without date", section="Business"),
    make_article("A6", "weather report", date="2025-03-05", section="Weather", authors=["Dee"]),
]


@pytest.fixture(scope="module")
def svc(module_index_factory):
    s = SearchService(module_index_factory(ARTICLES))
    yield s
    s.close()


def counts(values: list[FacetValue]) -> dict[str, tuple[int, bool]]:
    return {v.value: (v.count, v.selected) for v in values}


def test_facets_without_selection(svc):
    f = svc.search(SearchRequest(q="budget")).facets
    assert counts(f.section) == {"Politics": (2, False), "Business": (2, False), "Sport": (1, False)}
    assert [v.value for v in f.section] == ["Business", "Politics", "Sport"]  # count desc, then name
    assert counts(f.author) == {"Ana": (2, False), "Bob": (2, False), "Cy": (1, False)}


def test_section_counts_ignore_their_own_selection(svc):
    resp = svc.search(SearchRequest(q="budget", sections=["Politics"]))
    assert resp.total == 2
    assert counts(resp.facets.section) == {"Politics": (2, True), "Business": (2, False),
                                           "Sport": (1, False)}
    # Other facets do respect the section selection.
    assert counts(resp.facets.author) == {"Ana": (2, False), "Bob": (1, False)}


def test_author_counts_ignore_their_own_selection(svc):
    resp = svc.search(SearchRequest(q="budget", authors=["Bob"]))
    assert {h.title for h in resp.hits} == {"A1", "A4"}
    assert counts(resp.facets.author) == {"Ana": (2, False), "Bob": (2, True), "Cy": (1, False)}
    assert counts(resp.facets.section) == {"Politics": (1, False), "Sport": (1, False)}


def test_several_selected_values_are_or(svc):
    resp = svc.search(SearchRequest(q="budget", sections=["Politics", "Sport"], authors=["Bob", "Cy"]))
    assert {h.title for h in resp.hits} == {"A1", "A4"}


def test_selected_value_with_no_matches_still_listed(svc):
    resp = svc.search(SearchRequest(q="budget", sections=["Weather"]))
    assert resp.total == 0
    assert counts(resp.facets.section)["Weather"] == (0, True)
    unknown = svc.search(SearchRequest(q="budget", sections=["Nope"]))
    assert counts(unknown.facets.section)["Nope"] == (0, True)


def test_histograms_with_null_bucket(svc):
    f = svc.search(SearchRequest(q="budget")).facets
    assert f.year == [Bucket("2023", 1), Bucket("2024", 0), Bucket("2025", 3), Bucket(None, 1)]
    months = [(b.value, b.count) for b in f.month]
    assert months[0] == ("2023-12", 1) and months[-1] == (None, 1)
    assert ("2025-03", 2) in months and ("2025-01", 1) in months and ("2024-06", 0) in months
    dated = [b.value for b in f.month if b.value]
    assert dated == sorted(dated)
    assert sum(b.count for b in f.month) == 5


def test_histograms_follow_the_filters(svc):
    f = svc.search(SearchRequest(q="budget", date_from="2025")).facets
    assert f.year == [Bucket("2025", 3), Bucket(None, 0)]
    assert [b.value for b in f.month] == ["2025-01", "2025-02", "2025-03", None]


def test_empty_result_facets(svc):
    f = svc.search(SearchRequest(q="nothingmatches")).facets
    assert f.section == [] and f.author == []
    assert f.year == [Bucket(None, 0)] and f.month == [Bucket(None, 0)]


def test_facet_time_limit_returns_partial_with_warning(index_factory):
    s = SearchService(index_factory(ARTICLES), facet_time_limit=-1.0)
    resp = s.search(SearchRequest(q="budget"))
    assert resp.total == 5 and len(resp.hits) == 5
    assert any("facets" in w for w in resp.warnings)
    assert resp.facets.section == [] and resp.facets.month == []
    assert resp.facets.timed_out == ["section", "author", "publication", "year", "month", "spellings"]
    s.close()


def test_facets_count_all_matches_not_only_the_page(svc):
    resp = svc.search(SearchRequest(q="budget", per_page=1))
    assert len(resp.hits) == 1
    assert sum(v.count for v in resp.facets.section) == 5


def test_facets_are_the_registry():
    from dataclasses import fields

    from search.facets import FACETS
    from search.models import Facets

    # The spellings facet depends on the query's words: made per request (search.matched).
    assert [f.name for f in FACETS] + ["spellings", "timed_out"] == [f.name for f in fields(Facets)]


@pytest.mark.engines("whoosh")  # slows the Whoosh engine's counting down
def test_a_slow_facet_is_cut_off_alone(index_factory, monkeypatch):
    """A facet whose counting runs past its own limit is cut off on its own:
    the page comes back with every other facet and says which one it lacks."""
    import time

    from search.engines.whoosh import facets as engine_facets

    count_part = engine_facets._Authors.count_part
    seconds_per_chunk = {"author": 1.0}

    def slow(self, table, mask, part, n):
        time.sleep(seconds_per_chunk["author"])
        return count_part(self, table, mask, part, n)

    monkeypatch.setattr(engine_facets, "CHUNK", 1)  # each author pair a chunk: 6 in all
    monkeypatch.setattr(engine_facets._Authors, "count_part", slow)
    s = SearchService(index_factory(ARTICLES), facet_time_limit=0.5)
    try:
        started = time.monotonic()
        resp = s.search(SearchRequest(q="budget"))
        assert time.monotonic() - started < 4  # not the 6 s the author facet would take
        assert resp.facets.timed_out == ["author"] and resp.facets.author == []
        assert counts(resp.facets.section) == {"Politics": (2, False), "Business": (2, False),
                                               "Sport": (1, False)}
        assert resp.facets.year == [Bucket("2023", 1), Bucket("2024", 0), Bucket("2025", 3), Bucket(None, 1)]
        assert any("facets not computed in time" in w and "author" in w for w in resp.warnings)
        assert resp.total == 5 and len(resp.hits) == 5
        # Counted in many small chunks, in time, the numbers are the same.
        seconds_per_chunk["author"] = 0.0
        again = s.search(SearchRequest(q="budget"))
        assert again.facets.timed_out == []
        assert counts(again.facets.author) == {"Ana": (2, False), "Bob": (2, False), "Cy": (1, False)}
        assert again.facets.section == resp.facets.section
    finally:
        s.close()
