"""A damaged index as users meet it: 503 pages and JSON errors, one-line CLI errors, stats, repair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.pipeline import Indexer
from search.engines.whoosh import store
from tests.reliability_helpers import run_cli, write_pages

PAGES = 20


@pytest.fixture
def damaged_index(tmp_path) -> tuple[Path, Path, Path]:
    """(pages, index, the damaged file): a segment file cut short, as a careless copy leaves it."""
    pages = tmp_path / "pages"
    write_pages(pages, range(PAGES))
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([pages])
    segment = next(store.live_dir(index).glob("*.seg"))
    segment.write_bytes(segment.read_bytes()[:5000])
    return pages, index, segment


def test_the_web_answers_503_until_a_rebuild(damaged_index):
    from web import create_app

    pages, index, segment = damaged_index
    app = create_app(index, config={"TESTING": True})
    try:
        client = app.test_client()
        for url in ["/api/search?q=relgazette", "/api/stats", "/api/articles/0123456789abcdef"]:
            response = client.get(url)
            assert response.status_code == 503, url
            error = response.get_json()["error"]
            assert error["code"] == "index_unreadable"
            assert str(segment) not in error["message"]  # the path is for the log, not the public
            assert response.headers["Retry-After"]
        for url in ["/", "/search?q=relgazette"]:
            page = client.get(url)
            assert page.status_code == 503 and "being repaired" in page.get_data(as_text=True), url
        health = client.get("/healthz")
        assert health.status_code == 503 and "damaged" in health.get_json()["message"]

        Indexer(index, jobs=1).run(None, rebuild=True)
        assert client.get("/api/search?q=relgazette").get_json()["total"] == PAGES
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 200
    finally:
        app.extensions["newsarchive"].close()


def test_every_command_names_the_damaged_file_and_the_remedy(damaged_index):
    pages, index, segment = damaged_index
    ix = ("--index", str(index))
    for command in (["search", "relgazette"], ["index"], ["show", "0123456789abcdef"]):
        proc = run_cli(*command, *ix, codes=(1,))
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr  # one line, no traceback
        assert str(segment) in lines[0] and "truncated" in lines[0]
        assert "newsarchive index --rebuild" in lines[0]
    stats = run_cli("stats", *ix, codes=(1,))
    assert f"DAMAGED: {segment}: truncated" in stats.stdout and "newsarchive index --rebuild" in stats.stdout
    report = json.loads(run_cli("stats", *ix, "--json", codes=(1,)).stdout)
    assert report["status"] == "damaged" and report["damaged_file"] == str(segment)
    assert report["remedy"] == "newsarchive index --rebuild"

    rebuilt = json.loads(run_cli("index", "--rebuild", *ix, "--json").stdout)
    assert rebuilt["documents"] == PAGES
    assert json.loads(run_cli("stats", *ix, "--json").stdout)["documents"] == PAGES
