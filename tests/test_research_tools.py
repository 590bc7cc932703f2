"""Issue 14's research tools together, on both engines: collapsed story clusters beside
why each hit matched, the spellings panel, publications and the article page."""

from __future__ import annotations

import re
from html import unescape

import pytest

from search.facets import NO_SECTION
from search.models import SearchRequest
from search.service import SearchService
from tests.conftest import make_article
from tests.engine_fixtures import corpus_fixtures
from tests.story_texts import story

# One wire story in three outlets, each spelling the name its own way (one word
# apart: one story); a story of its own in Cyrillic, without a section.
ARTICLES = [
    make_article("Vučić visits the port", f"Vučić {story(41)}", date="2024-05-02", section="Politics",
                 publication="Reuters", url="https://wire.example/1"),
    make_article("Vucic at the harbour", f"Vucic {story(41)}", date="2024-05-01", section="Politics",
                 publication="AP", url="https://ap.example/1"),
    make_article("Vučić tours the docks", f"Vučić {story(41)}", date="2024-05-03", section="World",
                 publication="AFP", url="https://afp.example/1"),
    make_article("Вучић говори", f"Вучић {story(42)}", date="2024-06-01", publication="RTS",
                 url="https://rts.example/1"),
    # Four stories spelling two words two ways each.
    make_article("Governor pledged help", story(51), date="2024-07-01", url="https://a.example/g1"),
    make_article("Governors pledge support", story(52), date="2024-07-02", url="https://a.example/g2"),
    make_article("The governor pledged more", story(53), date="2024-07-03", url="https://a.example/g3"),
    make_article("Governors pledged nothing", story(54), date="2024-07-04", url="https://a.example/g4"),
]

target, _ = corpus_fixtures(ARTICLES)


@pytest.fixture(scope="module")
def svc(target):
    service = SearchService(target, facet_time_limit=30.0, budget=0)  # all counted, however busy the machine
    yield service
    service.close()


def test_collapsed_hits_keep_why_they_matched_and_the_facets_count_articles(svc):
    resp = svc.search(SearchRequest(q="vucic", sort="oldest"))
    assert (resp.total, resp.stories, len(resp.hits)) == (4, 2, 2)
    wire, rts = resp.hits
    assert (wire.title, wire.publication, wire.copies) == ("Vucic at the harbour", "AP", 2)
    assert [(c.publication, c.date) for c in wire.same_story] == [("Reuters", "2024-05-02"), ("AFP", "2024-05-03")]
    assert [(w.text, w.how) for w in wire.matched[0].words] == [("Vucic", "case")]
    assert [(w.text, w.how) for w in rts.matched[0].words] == [("Вучић", "transliteration")]
    # Every facet counts articles, copies collapsed away included.
    assert resp.facets.timed_out == []
    assert {f.value: f.count for f in resp.facets.publication} == {"AP": 1, "AFP": 1, "Reuters": 1, "RTS": 1}
    sections = {f.value: f.count for f in resp.facets.section}
    assert sections == {"Politics": 2, "World": 1, NO_SECTION: 1} and sum(sections.values()) == resp.total
    assert {s.text: s.count for s in resp.facets.spellings} == {"Vučić": 2, "Vucic": 1, "Вучић": 1}


def test_a_publication_filter_collapses_what_it_keeps(svc):
    resp = svc.search(SearchRequest(q="vucic", publications=["Reuters", "AFP"], sort="oldest"))
    assert (resp.total, resp.stories) == (2, 1)
    assert (resp.hits[0].publication, resp.hits[0].copies) == ("Reuters", 1)
    assert [c.publication for c in resp.hits[0].same_story] == ["AFP"]
    # The spelling the panel offers keeps the filter and finds just those copies.
    exact = next(s for s in resp.facets.spellings if s.text == "Vučić")
    again = svc.search(SearchRequest(q=exact.q, exact=True, publications=["Reuters", "AFP"]))
    assert (again.total, again.stories, again.hits[0].copies) == (2, 1, 1)


def test_a_spellings_count_is_what_its_exact_search_finds(svc):
    resp = svc.search(SearchRequest(q="governor pledged"))
    assert resp.total == 4
    # "Governors" is in two matches but with "pledged" as typed in one: its exact search finds one.
    # No match holds "pledge" with "governor", so it is not offered.
    assert {s.text.lower(): s.count for s in resp.facets.spellings} == {"governor": 2, "governors": 1, "pledged": 2}
    for s in resp.facets.spellings:
        assert svc.search(SearchRequest(q=s.q, exact=True)).total == s.count, s


@pytest.fixture(scope="module")
def web(target):
    from tests.web_fixtures import app_on

    with app_on(target, FACET_TIME_LIMIT=30.0, SEARCH_BUDGET=0) as app:
        yield app.test_client()


def links(page: str, css_class: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a class="{css_class}" href="([^"]+)"', page)]


def test_the_results_page_shows_them_together(web):
    page = web.get("/search?q=vucic&sort=oldest&publication=AP&publication=Reuters").get_data(as_text=True)
    assert "Results 1–1 of 1 story (2 articles)" in page
    assert 'class="matched"' in page and "Vucic</span> (case)" in page
    assert "1 more copy of this story" in page and "Reuters" in page
    assert "<h2 class=\"kicker\">Spellings</h2>" in page and "<h2 class=\"kicker\">Publications</h2>" in page
    assert 'class="filters-toggle"' in page and "Filters (2 on)" in page
    # The whole story, as this search and its filters find it.
    (everything,) = links(page, "copies-all")
    assert "publication=AP" in everything and "publication=Reuters" in everything and "q=vucic" in everything
    listed = web.get(everything).get_data(as_text=True)
    assert "Results 1–2 of 2" in listed
    # A copy's link carries the search to the article page: marks, the way back, the other copies.
    copy = re.search(r'<details class="copies">.*?<a href="([^"]+)"', page, re.S).group(1)
    assert "q=vucic" in unescape(copy)
    article = web.get(unescape(copy)).get_data(as_text=True)
    assert "<mark>Vučić</mark>" in article and "Back to results" in article
    assert "Other copies of this story" in article and 'class="publication"' in article


def test_the_api_document_names_every_new_field(web):
    doc = web.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert {"story", "copies", "same_story", "publication", "matched"} <= set(doc["Hit"]["required"])
    assert {"story", "publication", "blocks"} <= set(doc["Article"]["required"])
    assert {"stories"} <= set(doc["SearchResponse"]["required"])
    assert "spellings" in doc["Facets"]["required"]
