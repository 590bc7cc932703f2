"""bench/stages.py: a search's time split into exclusive stages, and the originals put back."""

from __future__ import annotations

import time

from bench import stages
from search.engines.whoosh import searching
from search.models import SearchRequest
from search.service import SearchService
from tests.conftest import build_index, sample_articles


def test_a_stage_inside_another_counts_in_its_own_row_only():
    timer = stages.Timer()

    def spin(seconds: float) -> None:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    with timer.stage("outer"):
        spin(0.02)
        with timer.stage("inner"):
            spin(0.03)
    spent = timer.take()
    assert 0.025 <= spent["inner"] < 0.2 and 0.015 <= spent["outer"] < spent["inner"]
    assert timer.take() == {}


def test_stages_of_a_real_search_and_the_originals_restored(tmp_path):
    original = searching.evaluate
    target = build_index(tmp_path / "ix", sample_articles())
    timer = stages.Timer()
    uninstall = stages.install(timer)
    try:
        service = SearchService(target, budget=0)
        spent = stages.one(service, timer, SearchRequest(q="the city council"))
        service.close()
    finally:
        uninstall()
    assert searching.evaluate is original
    assert {"parse", "evaluate", "facet values", "facet histograms", "hits (highlight)", "serialise"} <= set(spent)
    assert spent["total"] >= sum(v for k, v in spent.items() if k != "total") * 0.99
