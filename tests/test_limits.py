"""Resource caps: query length, wildcard and fuzzy expansions, per_page, page depth.

Exceeding each one is a 400 from the API (and a SearchError from the service)
whose message names the limit, with ``param`` naming the parameter; just
under each limit is answered. A fuzzy word past its cap is answered with its
closest spellings and a warning naming the limit. The index is built so that the expansions
really exceed their caps: 2,500 words sharing a prefix, and 676 six-letter
words within two edits of one another.
"""

from __future__ import annotations

import itertools

import pytest

from search import limits
from search.models import SearchError, SearchRequest
from search.service import SearchService
from tests.conftest import make_article

PREFIX_WORDS = [f"zeta{i:04d}" for i in range(2500)]
# Six letters: long enough for edit distance 2 (shorter words are held to 1).
FUZZY_WORDS = ["qaaa" + a + b for a, b in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=2)]


@pytest.fixture(scope="module")
def index_dir(module_index_factory) -> str:
    words = PREFIX_WORDS + FUZZY_WORDS
    articles = [make_article(f"Limits {i}", "council " + " ".join(words[i::50]), section="City",
                             url=f"https://limits.example/{i}") for i in range(50)]
    return module_index_factory(articles)


@pytest.fixture(scope="module")
def client(index_dir):
    from web import create_app

    app = create_app(index_dir, config={"TESTING": True})
    yield app.test_client()
    app.extensions["newsarchive"].close()


@pytest.fixture(scope="module")
def service(index_dir):
    svc = SearchService(index_dir)
    yield svc
    svc.close()


def refused(client, params: dict, param: str, *words: str) -> str:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 400, (params, response.status_code)
    error = response.get_json()["error"]
    assert error["param"] == param, error
    for word in words:
        assert word in error["message"], error["message"]
    return error["message"]


def answered(client, params: dict) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, (params, response.get_json())
    return response.get_json()


def test_query_length(client, service):
    limit = limits.MAX_QUERY_CHARS
    refused(client, {"q": "council " * (limit // 8 + 1)}, "q", str(limit))
    answered(client, {"q": ("council " * limit)[:limit]})
    with pytest.raises(SearchError) as info:
        service.search(SearchRequest(q="x" * (limit + 1)))
    assert info.value.param == "q" and str(limit) in info.value.message


def test_wildcard_expansion(client):
    limit = limits.MAX_PREFIX_TERMS
    assert len(PREFIX_WORDS) > limit
    message = refused(client, {"q": "zeta*"}, "q", str(limit))
    assert "zeta" in message
    # Narrower prefixes stay under the cap and are answered.
    assert answered(client, {"q": "zeta00*"})["total"] > 0


def test_fuzzy_expansion(client):
    # Past its cap a fuzzy word keeps its closest spellings and says so (as
    # OpenSearch's max_expansions does), rather than refusing the query.
    limit = limits.MAX_FUZZY_TERMS
    assert len(FUZZY_WORDS) > limit
    capped = answered(client, {"q": "qaaaaa~2"})
    assert capped["total"] > 0
    assert any(f"searched the {limit} closest (the fuzzy expansion limit)" in w and "676" in w
               for w in capped["warnings"]), capped["warnings"]
    # Every word 1 edit away (51 of them) is among the closest kept.
    near = answered(client, {"q": "qaaaaa~1", "per_page": "100"})
    assert near["total"] > 0 and not any("fuzzy expansion limit" in w for w in near["warnings"])
    assert capped["total"] >= near["total"]


def test_combined_expansions(client):
    limit = limits.MAX_EXPANDED_TERMS
    # Each prefix is under its own cap; together they pass the total cap.
    answered(client, {"q": "zeta0* OR zeta1*"})  # 2 x 1,000: at both caps
    refused(client, {"q": "zeta0* OR zeta1* OR zeta2*"}, "q", f"{limit}")  # + 500 > 2,000


def test_per_page(client):
    limit = limits.MAX_PER_PAGE
    refused(client, {"q": "council", "per_page": str(limit + 1)}, "per_page", str(limit))
    refused(client, {"q": "council", "per_page": "0"}, "per_page", str(limit))
    assert len(answered(client, {"q": "council", "per_page": str(limit)})["hits"]) == 50


def test_page_depth(client):
    depth = limits.MAX_DEPTH
    message = refused(client, {"q": "council", "per_page": "100", "page": str(depth // 100 + 1)},
                      "page", f"{depth:,}")
    assert "deep" in message
    # The deepest allowed page is answered (empty here: the index is small).
    assert answered(client, {"q": "council", "per_page": "100", "page": str(depth // 100)})["hits"] == []
    # A huge page number is a 400, not an overflow or a 500.
    refused(client, {"q": "council", "page": "9" * 30}, "page")


def test_total_expansion_counts_distinct_words(index_factory):
    words = [f"zeta{d}{i:03d}" for d in "01" for i in range(700)]
    articles = [make_article("Limits " + " ".join(words[i::40]), " ".join(words[i::40]),
                             url=f"https://limits.example/both/{i}") for i in range(40)]
    svc = SearchService(index_factory(articles))
    try:
        # 1,400 distinct words in all, each prefix under its own cap of 1,000.
        assert svc.search(SearchRequest(q="zeta0* OR zeta1*")).total == 40
    finally:
        svc.close()
