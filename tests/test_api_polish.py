"""The API's edges: parameters it cannot read, CORS, the index state in every answer, a cheap /healthz."""

from __future__ import annotations

import pytest

from search import SearchService
from tests.conftest import build_index, make_article
from tests.web_fixtures import web_corpus
from web import create_app


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.data[:300]
    return response.get_json()["error"]


def test_a_reversed_date_range_is_a_400_naming_from(client):
    error = error_of(client.get("/api/search?q=budget&from=2024-06&to=2024-05-31"), 400)
    assert error["param"] == "from" and "after" in error["message"] and error["message"].startswith("from")
    assert client.get("/api/search?q=budget&from=2024-05&to=2024-05-31").status_code == 200
    assert client.get("/search?q=budget&from=2025&to=2024").status_code == 400


@pytest.mark.parametrize("query, param", [
    ("q=bud%zzget", "q"),
    ("q=budget%", "q"),
    ("q=budget&section=Sp%2", "section"),
    ("q=%ff%fe", "q"),
    ("q%zz=budget", "q%zz"),
])
def test_a_malformed_percent_escape_is_a_400(client, query, param):
    error = error_of(client.get(f"/api/search?{query}"), 400)
    assert error["code"] == "bad_request" and error["param"] == param
    assert client.get(f"/search?{query}").status_code == 400  # the pages refuse it too


def test_well_formed_escapes_still_search(client):
    data = client.get("/api/search?q=budget%20story&author=Ana+Petrovi%C4%87").get_json()
    assert data["query"]["q"] == "budget story" and data["query"]["authors"] == ["Ana Petrović"]


def test_an_unknown_parameter_is_answered_with_a_warning(client):
    data = client.get("/api/search?q=budget&sectoin=Sport&utm_source=x").get_json()
    assert "unknown parameter 'sectoin' was ignored" in data["warnings"]
    assert "unknown parameter 'utm_source' was ignored" in data["warnings"]
    assert data["total"] == 31


def test_every_answer_names_its_index_state(client):
    data = client.get("/api/search?q=budget").get_json()
    stats = client.get("/api/stats").get_json()
    assert data["index"]["generation"] == stats["generation"]
    assert data["index"]["last_indexed"][:19] == stats["last_indexed"][:19]
    assert all(h["indexed_at"] and h["authors"] for h in data["hits"])


def test_read_only_routes_send_cors_headers_for_any_origin_by_default(client):
    origin = {"Origin": "https://elsewhere.example"}
    for path in ("/api/search?q=budget", "/api/stats", "/api/openapi.json", "/feed.atom?q=budget", "/healthz"):
        assert client.get(path, headers=origin).headers.get("Access-Control-Allow-Origin") == "*", path
    assert "Access-Control-Allow-Origin" not in client.get("/search?q=budget", headers=origin).headers
    assert "Access-Control-Allow-Origin" not in client.post("/api/sets", json={"q": "budget"},
                                                            headers=origin).headers


def test_allowed_origins_are_configurable(index_dir):
    client = create_app(index_dir, config={"TESTING": True,
                                           "CORS_ORIGINS": "https://a.example, https://b.example"}).test_client()
    allowed = client.get("/api/stats", headers={"Origin": "https://b.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/api/stats", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_healthz_reads_the_statistics_once_per_generation(tmp_path, monkeypatch):
    calls = []
    original = SearchService.stats
    monkeypatch.setattr(SearchService, "stats", lambda self: calls.append(1) or original(self))
    index = build_index(tmp_path / "ix", web_corpus())
    client = create_app(index, config={"TESTING": True}).test_client()
    for _ in range(5):
        assert client.get("/healthz").get_json()["documents"] == 33
    assert len(calls) == 1
    build_index(index, [make_article("Only one", "Now.", url="https://x.example/one")])
    assert client.get("/healthz").get_json()["documents"] == 1
    assert len(calls) == 2
