"""Story clusters on both engines: collapsed results and paging, copies, stories, the story filter,
and incremental assignment by the indexer from real page files."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.pipeline import Indexer
from search import SearchRequest, SearchService
from tests.conftest import make_article
from tests.story_texts import edited, story
from tests.test_indexer import write_page

# Story 1: four copies (one re-edited), two sections; story 2: two copies; three single stories.
# Every body has "harbour" in it, so one query matches all nine articles.
COPIES = [
    ("Harbour plan approved", story(1), "2024-01-03", "World"),
    ("Harbour plan gets the nod", story(1), "2024-01-01", "World"),
    ("Council approves harbour plan", edited(story(1), 60), "2024-01-05", "Business"),
    ("Harbour plan: what it means", story(1), "2024-01-02", "Business"),
    ("Ferry strike called off", story(2), "2024-02-01", "World"),
    ("Strike on the ferries ends", story(2), "2024-02-02", "World"),
    ("Museum reopens", story(3), "2024-03-01", "Culture"),
    ("New tram line", story(4), "2024-03-02", "City"),
    ("Library hours cut", story(5), "2024-03-03", "City"),
]


def corpus() -> list:
    return [make_article(title, f"harbour {body}", date=date, section=section, url=f"https://example.org/{i}")
            for i, (title, body, date, section) in enumerate(COPIES)]


@pytest.fixture(scope="module")
def service(module_index_factory):
    service = SearchService(module_index_factory(corpus()), budget=0)
    yield service
    service.close()


def search(service: SearchService, **kw) -> object:
    return service.search(SearchRequest(q="harbour", sort="oldest", **kw))


def test_collapsed_results_page_through_the_stories(service):
    seen = []
    for page in (1, 2, 3):
        r = search(service, per_page=2, page=page)
        assert r.total == 9 and r.stories == 5 and r.pages == 3
        seen += r.hits
    assert [h.title for h in seen] == ["Harbour plan gets the nod", "Ferry strike called off", "Museum reopens",
                                       "New tram line", "Library hours cut"]
    assert len({h.story for h in seen}) == 5
    assert search(service, per_page=2, page=4).hits == []


def test_a_collapsed_hit_counts_and_lists_its_copies_earliest_first(service):
    first = search(service, per_page=5).hits[0]
    assert first.title == "Harbour plan gets the nod" and first.copies == 3
    assert [c.date for c in first.same_story] == ["2024-01-02", "2024-01-03", "2024-01-05"]
    assert all(c.url and c.url.startswith("https://example.org/") for c in first.same_story)
    singles = [h for h in search(service, per_page=5).hits if h.title in ("Museum reopens", "New tram line")]
    assert [(h.copies, h.same_story) for h in singles] == [(0, []), (0, [])]


def test_relevance_keeps_the_best_ranked_copy(service):
    r = service.search(SearchRequest(q="harbour nod", operator="or", per_page=10))
    top = r.hits[0]
    assert top.title == "Harbour plan gets the nod" and top.copies == 3
    assert sum(1 for h in r.hits if h.story == top.story) == 1


def test_without_collapsing_every_article_is_a_hit(service):
    hits = []
    for page in (1, 2, 3):
        r = search(service, per_page=4, page=page, collapse=False)
        assert r.total == 9 and r.stories == 5 and r.pages == 3
        hits += r.hits
    assert len({h.id for h in hits}) == 9
    assert all(h.copies == 0 and h.same_story == [] for h in hits)


def test_filters_count_the_copies_they_keep_and_facets_count_articles(service):
    r = search(service, sections=["Business"])
    assert r.total == 2 and r.stories == 1
    assert r.hits[0].copies == 1 and [c.date for c in r.hits[0].same_story] == ["2024-01-05"]
    world = search(service, sections=["World"])
    assert world.total == 4 and world.stories == 2 and [h.copies for h in world.hits] == [1, 1]
    counts = {f.value: f.count for f in search(service).facets.section}
    assert counts == {"World": 4, "Business": 2, "Culture": 1, "City": 2}


def test_the_story_filter_lists_one_story(service):
    story_id = search(service).hits[0].story
    r = service.search(SearchRequest(story=story_id, collapse=False, sort="oldest"))
    assert r.total == 4 and r.stories == 1
    assert [h.date for h in r.hits] == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"]
    assert service.search(SearchRequest(story="no-such-story")).total == 0
    assert service.article(r.hits[0].id).story == story_id


# --- the indexer, incrementally, from page files --------------------------------------


def _stories(target: str) -> dict[str, str]:
    """Title -> story id of every article in the index."""
    with_service = SearchService(target, budget=0)
    try:
        r = with_service.search(SearchRequest(collapse=False, per_page=100))
        return {h.title: h.story for h in r.hits}
    finally:
        with_service.close()


def test_the_indexer_assigns_stories_incrementally(tmp_path: Path, new_target):
    assign_incrementally(tmp_path / "pages", new_target(), parallel=False)


@pytest.mark.engines("whoosh")  # the only engine with part writers
def test_writing_workers_ask_the_indexer_for_stories(tmp_path: Path, new_target):
    assign_incrementally(tmp_path / "pages", new_target(), parallel=True)


def assign_incrementally(root: Path, target: str, *, parallel: bool) -> None:
    """Add, change, delete and rebuild, checking every article's story after each run."""
    write_page(root / "a1.html", "Alpha one", story(11))
    write_page(root / "a2.html", "Alpha two", edited(story(11), 40))
    write_page(root / "b1.html", "Beta one", story(12))
    write_page(root / "c1.html", "Gamma one", story(13))
    indexer = Indexer(target, jobs=2 if parallel else 1, parallel_write_threshold=1 if parallel else 10_000)
    indexer.run([root])
    s = _stories(target)
    assert s["Alpha one"] == s["Alpha two"]
    assert len({s["Alpha one"], s["Beta one"], s["Gamma one"]}) == 3

    # Changed: Gamma now carries Beta's story; Alpha two is rewritten and leaves Alpha.
    write_page(root / "c1.html", "Gamma one", edited(story(12), 70))
    write_page(root / "a2.html", "Alpha two", story(14))
    # Added: a third copy of Alpha, in a run that also changes others.
    write_page(root / "a3.html", "Alpha three", story(11))
    report = indexer.run()
    assert (report.added, report.updated) == (1, 2)
    t = _stories(target)
    assert t["Gamma one"] == t["Beta one"] == s["Beta one"]
    assert t["Alpha three"] == t["Alpha one"] == s["Alpha one"]
    assert t["Alpha two"] not in {t["Alpha one"], t["Beta one"]}

    # Deleted: the first Alpha leaves; its copy keeps the story, and a new copy joins it.
    (root / "a1.html").unlink()
    write_page(root / "a4.html", "Alpha four", edited(story(11), 90))
    indexer.run()
    u = _stories(target)
    assert "Alpha one" not in u and u["Alpha four"] == u["Alpha three"] == s["Alpha one"]

    service = SearchService(target, budget=0)
    try:
        r = service.search(SearchRequest())
        assert r.total == 5 and r.stories == 3
    finally:
        service.close()

    # A rebuild assigns every story afresh, copies together again.
    Indexer(target, jobs=1).run(rebuild=True)
    v = _stories(target)
    assert v["Alpha three"] == v["Alpha four"] and v["Gamma one"] == v["Beta one"]
    assert len(set(v.values())) == 3


# --- the web: API parameters, the results page, the article page -----------------------


@pytest.fixture(scope="module")
def web(module_index_factory):
    from tests.web_fixtures import app_on

    with app_on(module_index_factory(corpus())) as app:
        yield app.test_client()


def test_the_api_collapses_and_lists_every_copy_on_request(web):
    data = web.get("/api/search?q=harbour&sort=oldest&per_page=2").get_json()
    assert (data["total"], data["stories"], data["pages"], data["query"]["collapse"]) == (9, 5, 3, True)
    assert data["hits"][0]["copies"] == 3 and len(data["hits"][0]["same_story"]) == 3
    assert set(data["hits"][0]["same_story"][0]) == {"id", "url", "date", "publication"}
    every = web.get("/api/search?q=harbour&sort=oldest&per_page=2&collapse=false").get_json()
    assert (every["total"], every["stories"], every["pages"]) == (9, 5, 5)
    story_id = data["hits"][0]["story"]
    one = web.get(f"/api/search?story={story_id}&collapse=false").get_json()
    assert one["total"] == 4 and one["query"]["story"] == story_id
    bad = web.get("/api/search?q=harbour&collapse=maybe")
    assert bad.status_code == 400 and bad.get_json()["error"]["param"] == "collapse"


def test_the_results_page_groups_copies_with_a_toggle(web):
    page = web.get("/search?q=harbour&sort=oldest").get_data(as_text=True)
    assert "of 5 stories (9 articles)" in page
    assert "3 more copies of this story" in page and "Show every copy of a story" in page
    assert "collapse=false" in page and "story=" in page
    every = web.get("/search?q=harbour&sort=oldest&collapse=false").get_data(as_text=True)
    assert "Results 1–9 of 9" in every and "more copies" not in every and "Group copies of a story" in every


def test_the_article_page_lists_the_other_copies(web):
    data = web.get("/api/search?q=harbour&sort=oldest&per_page=1").get_json()
    hit = data["hits"][0]
    page = web.get(f"/articles/{hit['id']}").get_data(as_text=True)
    assert "Other copies of this story" in page
    others = [t for t, *_ in COPIES[:4] if t != hit["title"]]
    assert all(t in page for t in others)
    single = web.get("/api/search?q=museum").get_json()["hits"][0]
    assert "Other copies of this story" not in web.get(f"/articles/{single['id']}").get_data(as_text=True)


def test_a_failed_run_leaves_the_previous_stories(tmp_path: Path, new_target, monkeypatch):
    root = tmp_path / "pages"
    write_page(root / "a1.html", "Alpha one", story(21))
    write_page(root / "a2.html", "Alpha two", story(21))
    target = new_target()
    Indexer(target, jobs=1).run([root])
    before = _stories(target)
    write_page(root / "a2.html", "Alpha two", story(22))
    write_page(root / "a3.html", "Alpha three", story(21))

    def crash(self, *args):
        raise RuntimeError("the indexer died while assigning stories")

    with monkeypatch.context() as patch:
        patch.setattr("indexer.stories.Stories.assign", crash)
        with pytest.raises(RuntimeError):
            Indexer(target, jobs=1).run()
    assert _stories(target) == before and before["Alpha one"] == before["Alpha two"]
    Indexer(target, jobs=1).run()
    after = _stories(target)
    assert after["Alpha three"] == after["Alpha one"] == before["Alpha one"] != after["Alpha two"]
