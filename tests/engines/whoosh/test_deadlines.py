"""The engine looks at the search's deadline inside its loops and stops at any look.

A deadline that passes at its n-th look (instead of at a time) makes this
deterministic on a busy machine: for every n, the search stops there with
``OutOfTime`` (or, once matching is done, answers with plain snippets), and
caches nothing half-done. The time-based side is ``tests/test_budget.py``.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest

from search import SearchRequest, SearchService, limits
from search.engines.whoosh import phrases
from search.models import OutOfTime
from search.query import parse
from tests.conftest import build_index, make_article

_STOP = "the of and to in a said that for on with as by at from".split()


class Countdown:
    """A :class:`search.models.Deadline` that passes at its ``n``-th look (never when None)."""

    def __init__(self, n: int | None = None):
        self.n, self.looks = n, 0
        self.at, self.budget = math.inf, 1.0

    def passed(self) -> bool:
        self.looks += 1
        return self.n is not None and self.looks >= self.n

    def check(self) -> None:
        if self.passed():
            raise OutOfTime

    def remaining(self) -> float:
        return -1.0 if self.n is not None and self.looks >= self.n else math.inf

    def extended(self, seconds: float) -> Countdown:
        return self


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    rng = random.Random(8)
    words = ["international", "internationalisation", "january", "harbour", "council", "budget", "tradition",
             "traditional", "traders", "trading"]
    articles = []
    for i in range(300):
        body = " ".join(rng.choice(_STOP) if rng.random() < 0.5 else rng.choice(words) for _ in range(120))
        articles.append(make_article(f"Story {i} {rng.choice(words)}", body + " the of and to in said the",
                                     date=f"2020-0{1 + i % 9}-1{i % 9}", source=f"/s/{i}.html"))
    svc = SearchService(build_index(tmp_path_factory.mktemp("deadlines") / "ix", articles))
    yield svc
    svc.close()


def engine_search(service: SearchService, q: str, deadline):
    valid = limits.validate(SearchRequest(q=q, per_page=20))
    service.clear_match_cache()
    return service.engine.search(replace(valid, deadline=deadline), parse(q, "and").tree)


@pytest.mark.parametrize("q", ['"the of and to in"', '"said the"~50', "internationalization~2", '"in january"',
                               "trad*", "harbour council -budget"])
def test_the_search_stops_at_any_look_at_its_deadline(service, monkeypatch, q):
    monkeypatch.setattr(phrases, "CHUNK", 16)  # several chunks of candidates on a small index
    counting = Countdown()
    full = engine_search(service, q, counting)
    assert full.total > 0 and full.hits
    looks = counting.looks
    assert looks >= (8 if q.startswith('"') else 2), looks  # looks inside the loops, not just once
    for n in range(1, looks + 1):
        try:
            answer = engine_search(service, q, Countdown(n))
        except OutOfTime:
            continue
        # Past matching: the hits are shown, unmarked where time ran out.
        assert answer.total == full.total and [h.id for h in answer.hits] == [h.id for h in full.hits]
        assert "some snippets are not marked: the search ran out of time" in answer.warnings
        assert any("<mark>" not in h.snippet and "<mark>" not in h.title_html for h in answer.hits)
    again = engine_search(service, q, Countdown())
    assert again.total == full.total and [h.snippet for h in again.hits] == [h.snippet for h in full.hits]


def test_phrase_chunks_each_look_at_the_deadline(service, monkeypatch):
    monkeypatch.setattr(phrases, "CHUNK", 10)
    counting = Countdown()
    answer = engine_search(service, '"the of and to in"', counting)
    assert answer.total == 300
    assert counting.looks >= 300 // 10
