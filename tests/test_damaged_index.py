"""A damaged index as users meet it: 503 pages and JSON errors, one-line CLI errors, stats, repair."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import requests

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


# --- OpenSearch: a red index (no copy of a shard can be read) ---------------


@pytest.fixture
def red_index(tmp_path, new_target) -> tuple[Path, str, str]:
    """(pages, index URL, the red shard): the live index's only shard lost from
    every node's disk (as a failed disk without a replica leaves it), so no copy
    of it can be read. The development cluster's nodes run on this machine."""
    pages = tmp_path / "pages"
    write_pages(pages, range(PAGES))
    index = new_target()
    Indexer(index, jobs=1).run([pages])
    base, alias = index.rsplit("/", 1)
    concrete, = requests.get(f"{base}/{alias}/_alias", timeout=30).json()
    uuid = requests.get(f"{base}/{concrete}/_settings", timeout=30).json()[concrete]["settings"]["index"]["uuid"]
    requests.post(f"{base}/{concrete}/_close", timeout=60).raise_for_status()
    nodes = requests.get(f"{base}/_nodes/settings", timeout=30).json()["nodes"].values()
    for home in (node["settings"]["path"]["home"] for node in nodes):
        shutil.rmtree(Path(home, "data", "nodes", "0", "indices", uuid, "0"), ignore_errors=True)
    requests.post(f"{base}/{concrete}/_open", params={"wait_for_active_shards": "0"}, timeout=60).raise_for_status()
    deadline = time.monotonic() + 60  # the nodes find their copies gone as they open them
    while requests.get(f"{base}/_cluster/health/{concrete}", timeout=30).json()["status"] != "red":
        assert time.monotonic() < deadline, requests.get(f"{base}/_cluster/health/{concrete}", timeout=30).text
        time.sleep(0.2)
    return pages, index, f"{concrete} shard 0"


@pytest.mark.engines("opensearch")
def test_a_red_index_is_unreadable_to_the_web_and_the_cli_until_a_rebuild(red_index):
    from web import create_app

    pages, index, shard = red_index
    app = create_app(index, config={"TESTING": True})
    try:
        client = app.test_client()
        for url in ["/api/search?q=relgazette", "/api/stats", "/api/articles/0123456789abcdef",
                    "/api/export?q=relgazette"]:
            response = client.get(url)
            assert response.status_code == 503, url
            assert response.get_json()["error"]["code"] == "index_unreadable", url
        assert "being repaired" in client.get("/search?q=relgazette").get_data(as_text=True)
        assert client.get("/healthz").status_code == 503

        ix = ("--index", index)
        for command in (["search", "relgazette"], ["index"], ["show", "0123456789abcdef"]):
            lines = run_cli(*command, *ix, codes=(1,)).stderr.strip().splitlines()
            assert len(lines) == 1 and shard in lines[0] and "red" in lines[0], (command, lines)
            assert "newsarchive index --rebuild" in lines[0]
        report = json.loads(run_cli("stats", *ix, "--json", codes=(1,)).stdout)
        assert report["status"] == "damaged" and report["damaged_file"] == shard

        rebuilt = json.loads(run_cli("index", "--rebuild", *ix, "--json").stdout)
        assert rebuilt["documents"] == PAGES
        assert any("stamped as first indexed now" in w for w in rebuilt["warnings"])
        assert client.get("/api/search?q=relgazette").get_json()["total"] == PAGES
        assert client.get("/healthz").status_code == 200
    finally:
        app.extensions["newsarchive"].close()
