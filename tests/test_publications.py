"""Publications (extracted, indexed as a facet, filtered, shown) and the section
facet's "(no section)" bucket, on both engines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from search.facets import NO_SECTION
from search.models import SearchRequest
from tests.engine_fixtures import corpus_fixtures
from tests.conftest import REPO, make_article
from tests.test_extract_meta import STORY, extract

LD = '<script type="application/ld+json">{}</script>'
CANONICAL = "<link rel='canonical' href='https://www.example-news.com/2025/story'>"


# ------------------------------------------------------------- extraction

def ld(publisher: object, graph: list | None = None) -> str:
    article = {"@type": "NewsArticle", "headline": "Rovers win", "publisher": publisher}
    return LD.format(json.dumps({"@context": "https://schema.org", "@graph": [article, *(graph or [])]}))


@pytest.mark.parametrize("head, publication", [
    ("<meta property='og:site_name' content='The Daily Planet'>" + ld({"@type": "Organization", "name": "DP Media"})
     + "<meta name='application-name' content='Planet App'>" + CANONICAL, "The Daily Planet"),
    (ld({"@type": "Organization", "name": "Vreme"}) + "<meta name='application-name' content='Vreme App'>"
     + CANONICAL, "Vreme"),
    (ld({"@id": "#org"}, [{"@id": "#org", "@type": "NewsMediaOrganization", "name": "N1 Srbija"}]) + CANONICAL,
     "N1 Srbija"),
    (ld("Politika") + CANONICAL, "Politika"),
    ("<meta name='application-name' content='Danas'>" + CANONICAL, "Danas"),
    (CANONICAL, "example-news.com"),
    ("<meta property='og:site_name' content='https://spam.example/'>" + CANONICAL, "example-news.com"),
    ("", None),
])
def test_publication_from_each_source_in_order(head: str, publication: str | None) -> None:
    assert extract(head, f"<article><h1>Rovers win</h1>{STORY}</article>").publication == publication


# ------------------------------------------------------------- index, facet, filter

ARTICLES = [
    make_article("Budget one", "budget vote", section="Politics", publication="RTS", url="https://rts.rs/1"),
    make_article("Budget two", "budget talks", section="Politics", publication="N1", url="https://n1.rs/2"),
    make_article("Budget three", "budget deficit", publication="RTS", url="https://rts.rs/3"),
    make_article("Budget four", "budget football", url="https://x.example/4"),
    make_article("Budget five", "budget music", section="Culture", publication="Vreme", url="https://vreme.com/5"),
    make_article("Weather", "rain", publication="RTS", url="https://rts.rs/6"),
]


target, svc = corpus_fixtures(ARTICLES)


def counts(values) -> dict[str, tuple[int, bool]]:
    return {v.value: (v.count, v.selected) for v in values}


def test_publication_facet_filter_and_hits(svc):
    resp = svc.search(SearchRequest(q="budget"))
    assert counts(resp.facets.publication) == {"RTS": (2, False), "N1": (1, False), "Vreme": (1, False)}
    assert {h.title: h.publication for h in resp.hits}["Budget four"] is None
    chosen = svc.search(SearchRequest(q="budget", publications=["rts"]))  # folded, as sections are
    assert sorted(h.title for h in chosen.hits) == ["Budget one", "Budget three"]
    assert all(h.publication == "RTS" for h in chosen.hits)
    # The facet is counted without its own selection, other values stay choosable.
    assert counts(chosen.facets.publication)["RTS"] == (2, True)
    assert counts(chosen.facets.publication)["N1"] == (1, False)
    either = svc.search(SearchRequest(q="budget", publications=["RTS", "Vreme"], sections=["Culture"]))
    assert [h.title for h in either.hits] == ["Budget five"]
    assert svc.article(chosen.hits[0].id).publication == "RTS"


def test_no_section_bucket_adds_up_to_the_total(svc):
    for q in ("budget", "", "rain"):
        resp = svc.search(SearchRequest(q=q))
        assert sum(v.count for v in resp.facets.section) == resp.total, q
    buckets = counts(svc.search(SearchRequest(q="budget")).facets.section)
    assert buckets == {"Politics": (2, False), "Culture": (1, False), NO_SECTION: (2, False)}
    assert list(buckets)[-1] == NO_SECTION


def test_no_section_selects_articles_without_one(svc):
    resp = svc.search(SearchRequest(q="budget", sections=[NO_SECTION]))
    assert sorted(h.title for h in resp.hits) == ["Budget four", "Budget three"]
    assert all(h.section is None for h in resp.hits)
    assert counts(resp.facets.section)[NO_SECTION] == (2, True)
    assert counts(resp.facets.section)["Politics"] == (2, False)
    both = svc.search(SearchRequest(q="budget", sections=[NO_SECTION, "Culture"]))
    assert sorted(h.title for h in both.hits) == ["Budget five", "Budget four", "Budget three"]
    # With the other filters: publications and no section together.
    assert [h.title for h in svc.search(SearchRequest(q="budget", sections=[NO_SECTION],
                                                      publications=["RTS"])).hits] == ["Budget three"]


def test_no_bucket_when_every_match_has_a_section(svc):
    assert NO_SECTION not in counts(svc.search(SearchRequest(q="vote")).facets.section)


def test_api_page_and_cli(target):
    from tests.web_fixtures import app_on

    with app_on(target) as app:
        client = app.test_client()
        data = client.get("/api/search?q=budget&publication=RTS").get_json()
        assert data["total"] == 2 and data["query"]["publications"] == ["RTS"]
        assert {h["publication"] for h in data["hits"]} == {"RTS"}
        assert data["facets"]["publication"][0] == {"value": "RTS", "count": 2, "selected": True}
        none = client.get("/api/search", query_string={"q": "budget", "section": NO_SECTION}).get_json()
        assert none["total"] == 2
        article = client.get(f"/api/articles/{data['hits'][0]['id']}").get_json()
        assert article["publication"] == "RTS"
        page = client.get("/search?q=budget").get_data(as_text=True)
        assert "Publications" in page and "publication=Vreme" in page
        assert NO_SECTION in page and "section=%28no+section%29" in page
        assert '<span class="publication">RTS</span>' in page
        shown = client.get(f"/articles/{data['hits'][0]['id']}").get_data(as_text=True)
        assert 'class="publication" href="/search?publication=RTS">RTS</a>' in shown
    out = subprocess.run([sys.executable, "-m", "cli", "search", "budget", "--publication", "N1", "--json",
                          "--index", str(target)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert [h["title"] for h in found["hits"]] == ["Budget two"]
