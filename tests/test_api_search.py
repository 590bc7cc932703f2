"""The JSON API through Flask's test client, over a real index."""

from __future__ import annotations

import pytest

from tests.conftest import make_article
from tests.web_fixtures import article_id


def error_of(r, status: int, param: str | None) -> dict:
    assert r.status_code == status, r.data
    assert r.content_type == "application/json"
    body = r.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "param"}
    assert body["error"]["param"] == param
    return body["error"]


def test_search_returns_the_search_json(client):
    r = client.get("/api/search?q=budget&per_page=5&page=2")
    assert r.status_code == 200 and r.content_type == "application/json"
    data = r.get_json()
    assert list(data) == ["query", "total", "page", "per_page", "pages", "took_ms", "hits", "facets",
                          "suggestion", "warnings", "index", "stories"]
    assert data["total"] == 31 and data["stories"] == 31 and data["page"] == 2 and data["per_page"] == 5 and data["pages"] == 7
    assert len(data["hits"]) == 5
    hit = data["hits"][0]
    assert set(hit) == {"id", "url", "title", "date", "section", "authors", "score", "snippet", "title_html",
                        "indexed_at", "changed_at", "publication", "matched", "story", "copies", "same_story"}
    assert "<mark>" in hit["snippet"]
    assert {f["value"] for f in data["facets"]["section"]} == {"Politics", "Sport", "Culture", "Business"}
    assert {b["value"] for b in data["facets"]["year"]} >= {"2023", "2024"}
    assert data["query"]["q"] == "budget"


def test_repeatable_filters_and_operator(client):
    data = client.get("/api/search?q=budget&section=Sport&section=Culture&author=Ben+Okafor").get_json()
    assert data["query"]["sections"] == ["Sport", "Culture"]
    assert data["query"]["authors"] == ["Ben Okafor"]
    assert all(h["section"] in {"Sport", "Culture"} and h["authors"] == ["Ben Okafor"] for h in data["hits"])
    both = client.get("/api/search?q=festival+budget").get_json()["total"]
    either = client.get("/api/search?q=festival+budget&operator=or").get_json()["total"]
    assert both == 0 and either == 32


def test_dates_sort_and_exact(client):
    data = client.get("/api/search?q=budget&from=2024-01&to=2024-06&sort=oldest&exact=true").get_json()
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates) and all("2024-01" <= d <= "2024-06-30" for d in dates)
    assert data["query"]["exact"] is True and data["query"]["date_from"] == "2024-01"


def test_browse_without_query(client):
    data = client.get("/api/search?section=Culture").get_json()
    assert data["total"] == 8


@pytest.mark.parametrize("query, param", [
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"), ("page=--5", "page"), ("per_page=-+5", "per_page"),
    ("per_page=1000", "per_page"), ("per_page=0", "per_page"), ("per_page=ten", "per_page"),
    ("from=yesterday", "from"), ("to=2024-13", "to"), ("from=2023-02-30", "from"),
    ("sort=sideways", "sort"), ("operator=xor", "operator"), ("exact=maybe", "exact"),
    ("page=2000&per_page=100", "page"), ("q=" + "x" * 5000, "q"),
])
def test_bad_parameters_are_400_with_param(client, query, param):
    err = error_of(client.get(f"/api/search?{query}"), 400, param)
    assert err["code"] == "bad_request" and err["message"]


def test_article(client, corpus):
    doc_id = article_id(corpus, "Harbour festival draws crowds")
    r = client.get(f"/api/articles/{doc_id}")
    assert r.status_code == 200
    data = r.get_json()
    indexed = data.pop("indexed_at")
    assert indexed is not None and data.pop("changed_at") == indexed
    assert data == {
        "id": doc_id, "url": "https://news.example.org/2024/harbour-festival",
        "title": "Harbour festival draws crowds", "date": "2024-07-04", "section": "Culture",
        "authors": ["Clara Weiss"], "publication": None, "story": data["story"],
        "body": "Thousands came to the harbour festival.\n\nMusic played all night by the harbour.",
        "blocks": [{"kind": "paragraph", "text": "Thousands came to the harbour festival."},
                   {"kind": "paragraph", "text": "Music played all night by the harbour."}],
    }


@pytest.mark.parametrize("doc_id", ["0000000000000000", "nothex!", "0123456789ABCDEF", "1" * 17])
def test_unknown_article_is_json_404(client, doc_id):
    err = error_of(client.get(f"/api/articles/{doc_id}"), 404, "id")
    assert err["code"] == "not_found"


def test_stats(client):
    data = client.get("/api/stats").get_json()
    assert list(data) == ["documents", "sections", "date_min", "date_max", "generation", "last_indexed"]
    assert data["documents"] == 33
    assert data["sections"][0] == {"value": "Politics", "count": 9}
    assert data["date_min"] == "2023-01-01" and data["date_max"] == "2024-12-24"


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    data = r.get_json()
    assert data["status"] == "ok" and data["documents"] == 33 and data["generation"]
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/nope", "/api", "/api/articles", "/api/articles/", "/api/search/x"])
def test_unknown_api_routes_are_json_404(client, path):
    err = error_of(client.get(path), 404, None)
    assert err["code"] == "not_found"


def test_wrong_method_is_json_405_with_allow(client):
    r = client.post("/api/search")
    error_of(r, 405, None)
    assert "GET" in r.headers["Allow"]


def test_unexpected_error_is_json_500_without_details(client, monkeypatch):
    from search.service import SearchService

    monkeypatch.setattr(SearchService, "stats", lambda self: 1 / 0)
    err = error_of(client.get("/api/stats"), 500, None)
    assert "division" not in err["message"]


def test_etag_follows_the_index_generation(app, client, index_dir):
    from search import open_engine
    from search.models import SourceState

    r = client.get("/api/search?q=harbour")
    before = r.get_json()["total"]
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "public, no-cache"
    assert client.get("/api/search?q=harbour", headers={"If-None-Match": etag}).status_code == 304
    # Another URL, another tag.
    assert client.get("/api/search?q=harbour&page=2").headers["ETag"] != etag
    # Commit once more into the live generation: the tag changes.
    with open_engine(index_dir).writer() as session:
        session.add(make_article("Late harbour news", "harbour again", url="https://n.example/late"),
                    SourceState("1" * 40, 0, 0))
    fresh = client.get("/api/search?q=harbour", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert fresh.get_json()["total"] == before + 1


def test_errors_are_not_cacheable(client):
    r = client.get("/api/search?page=0")
    assert "ETag" not in r.headers and r.headers["Cache-Control"] == "no-store"
