"""Arbitrary text at the query parser and arbitrary parameters at ``/api/search``.

Property-based (hypothesis, derandomized so CI is repeatable), on both engines:

* the search service answers any query text (and any combination of the other
  request fields) with a response or a ``SearchError`` naming a known
  parameter: never another exception;
* the API answers any query string with a 200 or a 400 (never a 500), and every
  body validates against the app's own OpenAPI document for that status.

Schemathesis against the live gunicorn runs in ``tests/test_api_schemathesis.py``.
"""

from __future__ import annotations

import string
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from search.models import SearchError, SearchRequest, SearchResponse
from search.service import SearchService
from tests.conftest import make_article
from tests.reliability_helpers import SECTIONS, WORDS

SETTINGS = settings(max_examples=1000, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PARAMS = {"q", "sections", "authors", "date_from", "date_to", "sort", "page", "per_page", "operator", "exact"}

# Query-language pieces, so generated queries reach the parser's corners, not just its front door.
SYNTAX = ['"', "(", ")", "*", "?", "~", "~2", "~99", "-", "+", ":", "^", "\\", "OR", "AND", "NOT", "||", "&&",
          "title:", "body:", "author:", "section:", "date:", "date:2024", "date:2024-02-30", "date:[2020 TO",
          "date:[* TO 2024-05]", "date:>2020", "date:..", "TO", "[", "]", "{", "}", "/", "'", "’", "\x00",
          "\u0301", "\u202e", "\ufffd", "ǅ", "ﬁ", "İ", "ß", "\U0001f600", " ", "  ", "\t", "\n"]
query_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS),
                       st.text(string.ascii_letters + string.digits, min_size=1, max_size=8)),
             max_size=25).map("".join),
    st.lists(st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS)), max_size=25).map(" ".join),
)


@pytest.fixture(scope="module")
def index_dir(module_index_factory) -> Path | str:
    articles = []
    for i in range(120):
        words = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(30)]
        articles.append(make_article(
            f"Story {i} {words[0]} {words[1]}", " ".join(words) + f" café naïve Zürich {i}.",
            date=f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}" if i % 9 else None,
            section=SECTIONS[i % len(SECTIONS)], authors=[f"Reporter {i % 6}"],
            url=f"https://gazette.example/q/{i}"))
    return module_index_factory(articles)


@pytest.fixture(scope="module")
def service(index_dir):
    svc = SearchService(index_dir)
    yield svc
    svc.close()


@SETTINGS
@given(q=query_text, operator=st.sampled_from(["and", "or"]), exact=st.booleans(),
       sort=st.sampled_from(["relevance", "newest", "oldest"]))
def test_any_query_text_is_answered_or_refused_clearly(service, q, operator, exact, sort):
    try:
        response = service.search(SearchRequest(q=q, operator=operator, exact=exact, sort=sort))
    except SearchError as e:
        assert e.message.strip() and e.param in PARAMS, (e.message, e.param)
        return
    assert isinstance(response, SearchResponse)
    assert 0 <= len(response.hits) <= response.per_page and response.total >= len(response.hits)


@SETTINGS
@given(sections=st.lists(st.text(max_size=20), max_size=5), authors=st.lists(st.text(max_size=20), max_size=3),
       date_from=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["2020", "2020-02", "2020-02-30", "0000"])),
       date_to=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["2024-12-31", "9999", "2019-13"])),
       page=st.integers(-5, 20_000), per_page=st.integers(-5, 500), sort=st.text(max_size=10),
       operator=st.text(max_size=5))
def test_any_request_fields_are_answered_or_refused_clearly(service, sections, authors, date_from, date_to,
                                                            page, per_page, sort, operator):
    request = SearchRequest(q="council", sections=sections, authors=authors, date_from=date_from,
                            date_to=date_to, page=page, per_page=per_page, sort=sort, operator=operator)
    try:
        service.search(request)
    except SearchError as e:
        assert e.message.strip() and e.param in PARAMS, (e.message, e.param)


# --- the HTTP API ----------------------------------------------------------------


@pytest.fixture(scope="module")
def app(index_dir):
    from web import create_app

    application = create_app(index_dir, config={"TESTING": True})
    yield application
    application.extensions["newsarchive"].close()


@pytest.fixture(scope="module")
def validators(app) -> dict[int, Draft202012Validator]:
    doc = app.test_client().get("/api/openapi.json").get_json()
    responses = doc["paths"]["/api/search"]["get"]["responses"]
    return {int(status): Draft202012Validator({**spec["content"]["application/json"]["schema"],
                                               "components": doc["components"]})
            for status, spec in responses.items() if "content" in spec}


NAMES = ["q", "section", "author", "from", "to", "sort", "page", "per_page", "operator", "exact"]
values = st.one_of(
    query_text, st.text(max_size=30),
    st.integers(-10**12, 10**12).map(str),
    st.sampled_from(["", " ", "0", "1", "-1", "1e3", "1.5", "0x10", "١٢", "NaN", "true", "no", "newest",
                     "or", "2024-02-29", "2023-02-29", "10001", "99999999999999999999"]),
)
query_strings = st.lists(
    st.tuples(st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), values), max_size=8,
).map(lambda pairs: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs))
raw_junk = st.lists(st.sampled_from(list("q=&%;+ #?/\\\"'<>[]") + ["%zz", "%00", "%ff", "%C3%28", "==",
                                                                    "page=", "per_page=", "q="]),
                    max_size=40).map("".join)


@SETTINGS
@given(qs=st.one_of(query_strings, raw_junk))
def test_api_never_500_and_always_matches_the_document(app, validators, qs):
    client = app.test_client()
    response = client.get("/api/search?" + qs)
    assert response.status_code in (200, 400), (qs, response.status_code, response.data[:500])
    assert response.content_type.startswith("application/json")
    validators[response.status_code].validate(response.get_json())
    if response.status_code == 400:
        error = response.get_json()["error"]
        assert error["message"].strip() and error["code"]
