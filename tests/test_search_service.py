"""SearchService beyond matching: suggestions, related articles, stats, fresh
index states, threads, and the lifecycle of a service, on both engines."""

from __future__ import annotations

import threading

import pytest

from search import IndexMissing, open_engine
from search.models import SearchError
from search.service import SearchService
from tests.conftest import NO_FILE, build_index, make_article
from tests.test_search import CORPUS, ids, search, service  # noqa: F401 - service is a fixture


# --- suggestion, related, article, stats -------------------------------------------


def test_suggestion(service):
    assert search(service, "inflatoin").suggestion == "inflation"
    assert search(service, "Economi grew").suggestion == "Economy grew"
    assert search(service, "inflation").suggestion is None


def test_related(index_factory):
    arts = [
        make_article("Tennis final", "Đoković won the tennis final in Paris after five sets of tennis."),
        make_article("Tennis semifinal", "The tennis semifinal in Paris went to five sets."),
        make_article("Bread prices", "Bakers raise bread prices as flour costs climb."),
        make_article("Flour shortage", "Flour costs push bread prices higher."),
    ]
    svc = SearchService(index_factory(arts))
    related = svc.related(arts[0].id, limit=5)
    assert related[0].title == "Tennis semifinal"
    assert arts[0].id not in [h.id for h in related]
    assert svc.related("0" * 16) == []
    svc.close()


def test_article_and_stats(service):
    art = service.article(CORPUS[0].id)
    assert art is not None and art.title == CORPUS[0].title
    assert art.authors == ["Ana Petrović", "Bob Lee"] and art.date == "2025-05-03"
    assert art.indexed_at is not None and art.changed_at == art.indexed_at
    assert service.article("f" * 16) is None
    st = service.stats()
    assert st.documents == len(CORPUS)
    assert st.date_min == "2023-11-20" and st.date_max == "2025-06-01"
    assert {s.value: s.count for s in st.sections}["Business"] == 2
    assert st.generation == service.generation()


def test_response_shape(service):
    resp = search(service, "vucic")
    d = resp.to_dict()
    assert set(d) == {"query", "total", "page", "per_page", "pages", "took_ms", "hits", "facets",
                      "suggestion", "warnings", "index", "stories"}
    assert set(d["hits"][0]) == {"id", "url", "title", "date", "section", "authors", "score", "snippet",
                                 "title_html", "indexed_at", "changed_at", "publication", "matched",
                                 "story", "copies", "same_story"}
    assert d["index"] == {"generation": service.generation(), "last_indexed": service.state().last_indexed}
    assert d["query"]["q"] == "vucic"


# --- freshness and threads ------------------------------------------------------------


def test_generation_change_is_picked_up(new_target):
    index_dir = build_index(new_target(), CORPUS[:2])
    svc = SearchService(index_dir)
    first = svc.generation()
    assert search(svc, "economy").total == 0
    build_index(index_dir, CORPUS)  # a --rebuild: a new index swapped in
    assert svc.generation() != first
    assert search(svc, "economy").total == 1
    assert svc.stats().documents == len(CORPUS)
    svc.close()


def test_incremental_commit_is_picked_up(new_target):
    index_dir = build_index(new_target(), CORPUS[:2])
    svc = SearchService(index_dir)
    assert search(svc, "economy").total == 0
    with open_engine(index_dir).writer() as session:  # into the live generation
        session.add(CORPUS[3], NO_FILE)
    assert search(svc, "economy").total == 1
    svc.close()


def test_missing_index(new_target):
    svc = SearchService(new_target())
    with pytest.raises(IndexMissing):
        search(svc, "x")


def test_threads_get_their_own_searchers(service):
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(20):
                assert search(service, "vucic").total == 2
                assert search(service, "", sections=["Business"]).total == 2
        except BaseException as e:  # collected for the main thread
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --- more ------------------------------------------------------------------------------


def test_multi_segment_index_with_deletions(new_target):
    index_dir = build_index(new_target(), CORPUS[:3])
    engine = open_engine(index_dir)
    with engine.writer() as session:  # a second segment
        for a in CORPUS[3:]:
            session.add(a, NO_FILE)
    with engine.writer() as session:  # a deletion in the first
        session.remove(CORPUS[0].source)
    svc = SearchService(index_dir)
    assert set(ids(search(svc, "vucic"))) == {"Вучић у Београду"}
    assert search(svc, "").total == len(CORPUS) - 1
    assert set(ids(search(svc, "date:2025"))) == {"Economy grows", "Inflation worries"}
    assert set(ids(search(svc, "economy OR vucic OR art", operator="or"))) == {
        "Economy grows", "Вучић у Београду", "Art of the state"}
    svc.close()


def test_prefix_and_fuzzy_are_accent_insensitive(service):
    assert set(ids(search(service, "vuc*"))) == {"Vučić meets Đoković in Belgrade", "Вучић у Београду"}
    hit = search(service, "djokovi~").hits[0]
    assert "<mark>Đoković</mark>" in hit.title_html


def test_related_default_limit(service):
    related = service.related(CORPUS[3].id)
    assert 1 <= len(related) <= 5
    assert related[0].title == "Inflation worries"


def test_total_expansion_cap_counts_each_word_once(index_factory, monkeypatch):
    from search import limits
    monkeypatch.setattr(limits, "MAX_EXPANDED_TERMS", 12)
    # Each word is in both title and body: 10 + 2 distinct expansions = 12, within the cap.
    words = " ".join([f"alpha{i}" for i in range(10)] + ["beta1", "beta2"])
    svc = SearchService(index_factory([make_article(words, words)]))
    assert search(svc, "alpha* OR beta*").total == 1
    monkeypatch.setattr(limits, "MAX_EXPANDED_TERMS", 11)
    with pytest.raises(SearchError) as e:
        search(svc, "alpha* OR beta*")
    assert e.value.param == "q" and "11" in e.value.message
    svc.close()


def test_close_then_reuse_is_refused(index_factory):
    svc = SearchService(index_factory(CORPUS[:1]))
    search(svc, "vucic")
    svc.close()
    with pytest.raises(RuntimeError):
        search(svc, "vucic")


def test_suggestion_leaves_rare_real_words_alone(index_factory):
    # "Compton" and "goverment" are each in one article; "common" and
    # "government" in many articles. A typo one slip away is corrected; a
    # rare name two edits from a frequent word is not.
    arts = [make_article(f"Report {i}", "The government said the common market grew.") for i in range(60)]
    arts += [make_article("Compton", "A concert in Compton."),
             make_article("Typo", "The goverment spokesman spoke.")]
    svc = SearchService(index_factory(arts))
    assert search(svc, "goverment").suggestion == "government"
    assert search(svc, "compton").suggestion is None
    assert search(svc, "comon").suggestion == "common"  # absent word: any close one
    svc.close()

