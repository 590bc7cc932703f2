"""The OpenAPI document is valid and true: real responses match it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.web_fixtures import article_id
from web.openapi import openapi_document


def check(doc: dict[str, Any], path: str, status: int, response) -> None:
    """Validate one real response against the document's schema for it."""
    template = re.sub(r"/api/articles/[^/]+$", "/api/articles/{id}", path.split("?")[0])
    spec = doc["paths"][template]["get"]["responses"][str(status)]
    assert response.status_code == status, response.data
    if "content" not in spec:
        return
    assert response.content_type == "application/json"
    schema = {**spec["content"]["application/json"]["schema"], "components": doc["components"]}
    Draft202012Validator(schema).validate(response.get_json())
    for header in spec.get("headers", {}):
        assert header in response.headers, header


def test_document_is_valid_openapi_3_1(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    validate(doc)
    assert doc == openapi_document()


def test_every_api_route_is_documented(app):
    doc = openapi_document()
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", p) for p in doc["paths"]}
    routes = {re.sub(r"<(?:\w+:)?\w+>", "<id>", r.rule) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api") or r.rule in ("/healthz", "/feed.atom", "/metrics")}
    assert routes == documented


@pytest.mark.parametrize("path, status", [
    ("/api/search?q=budget", 200),
    ("/api/search?q=budget&section=Sport&section=Culture&author=Ana+Petrovi%C4%87&per_page=3&page=2", 200),
    ("/api/search?q=budgett&sort=newest&operator=or&exact=false&from=2023&to=2024-06-30", 200),
    ("/api/search?section=Nothing", 200),
    ("/api/search?q=zzzz", 200),
    ('/api/search?q="unclosed+(budget', 200),
    ("/api/search?page=0", 400),
    ("/api/search?per_page=1000", 400),
    ("/api/search?from=yesterday", 400),
    ("/api/search?sort=sideways", 400),
    ("/api/articles/0000000000000000", 404),
    ("/api/articles/not-an-id", 404),
    ("/api/stats", 200),
    ("/healthz", 200),
    ("/api/openapi.json", 200),
])
def test_responses_match_the_document(client, path, status):
    check(openapi_document(), path, status, client.get(path))


def test_article_and_undated_hits_match(client, corpus):
    doc = openapi_document()
    for title in ("Harbour festival draws crowds", "Undated harbour note"):
        doc_id = article_id(corpus, title)
        check(doc, f"/api/articles/{doc_id}", 200, client.get(f"/api/articles/{doc_id}"))
    check(doc, "/api/search", 200, client.get("/api/search?q=note"))


def test_not_modified_is_documented(client):
    etag = client.get("/api/stats").headers["ETag"]
    check(openapi_document(), "/api/stats", 304, client.get("/api/stats", headers={"If-None-Match": etag}))


def test_unavailable_responses_match(tmp_path):
    from web import create_app

    client = create_app(tmp_path / "none", config={"TESTING": True}).test_client()
    doc = openapi_document()
    for path in ("/api/search?q=x", "/api/stats", "/api/articles/0000000000000000", "/healthz"):
        check(doc, path, 503, client.get(path))


def check_any(doc: dict[str, Any], method: str, template: str, response) -> None:
    """Like ``check``, for any method and media type."""
    spec = doc["paths"][template][method]["responses"][str(response.status_code)]
    media = response.content_type.split(";")[0]
    if "content" in spec:
        assert media in spec["content"], (media, list(spec["content"]))
        if media == "application/json":
            schema = {**spec["content"][media]["schema"], "components": doc["components"]}
            Draft202012Validator(schema).validate(response.get_json())
    for header in spec.get("headers", {}):
        assert header in response.headers, header


def test_the_routes_that_take_results_away_match_the_document(client):
    doc = openapi_document()
    for fmt in ("csv", "ndjson"):
        check_any(doc, "get", "/api/export", client.get(f"/api/export?q=budget&format={fmt}"))
    check_any(doc, "get", "/api/export", client.get("/api/export?fields=nope"))
    created = client.post("/api/sets", json={"q": "budget", "section": ["Sport"]})
    assert created.status_code == 201
    check_any(doc, "post", "/api/sets", created)
    check_any(doc, "post", "/api/sets", client.post("/api/sets", data="x"))
    check_any(doc, "post", "/api/sets", client.post("/api/sets", json={"q": 1}))
    shown = client.get(f"/api/sets/{created.get_json()['id']}")
    assert shown.status_code == 200
    check_any(doc, "get", "/api/sets/{id}", shown)
    check_any(doc, "get", "/api/sets/{id}", client.get("/api/sets/AAAAAAAAAAAAAAAAAAAAAA"))
    check_any(doc, "get", "/feed.atom", client.get("/feed.atom?q=budget"))
    check_any(doc, "get", "/feed.atom", client.get("/feed.atom?sort=newest"))
    check_any(doc, "get", "/metrics", client.get("/metrics"))


def test_over_the_limits_answers_match_the_document(app, client):
    doc = openapi_document()
    app.config.update(EXPORT_MAX_ROWS=3, SETS_RATE=(1, 60))
    check_any(doc, "get", "/api/export", client.get("/api/export?q=budget"))
    check_any(doc, "post", "/api/sets", client.post("/api/sets", json={"q": "budget"}))
    assert client.post("/api/sets", json={"q": "harbour festival"}).status_code == 201
    refused = client.post("/api/sets", json={"q": "harbour festival"})
    assert refused.status_code == 429
    check_any(doc, "post", "/api/sets", refused)
