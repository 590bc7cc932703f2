"""The OpenSearch issue's "done when", as a new user does it: index ``sample_corpus/``
into a cluster with the CLI, serve it with ``newsarchive serve``, search it in a
browser and in the API, and get the same articles as from the embedded engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bench.server import Server, newsarchive_serve
from tests.conftest import REPO
from tests.test_browser import CHROMIUM, TIMEOUT_MS

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.opensearch]

SAMPLE = REPO / "sample_corpus"
#: Queries of every kind a journalist types; both engines must find the same articles.
QUERIES = ["harbour", "council budget", "\"city council\"", "flood OR drought", "title:election",
           "school -budget", "transport*", "vucic", "Вучић"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600)


def indexed(target: str) -> dict:
    done = cli("index", str(SAMPLE), "--index", target, "--json", "--quiet")
    assert done.returncode == 3, done.stderr  # the sample's deliberately broken pages are reported
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def servers(tmp_path_factory, request) -> Iterator[dict[str, Server]]:
    """``newsarchive serve`` on a Whoosh index and on an OpenSearch index of the sample corpus."""
    base = tmp_path_factory.mktemp("e2e")
    cluster = request.getfixturevalue("opensearch_cluster")
    alias = f"e2e-{base.name.replace('_', '-').lower()}"
    targets = {"whoosh": str(base / "index"), "opensearch": f"{cluster}/{alias}"}
    reports = {kind: indexed(target) for kind, target in targets.items()}
    assert reports["whoosh"]["documents"] == reports["opensearch"]["documents"] > 60
    assert reports["whoosh"]["failures"] == reports["opensearch"]["failures"]
    started: dict[str, Server] = {}
    try:
        for kind, target in targets.items():
            started[kind] = newsarchive_serve(target, base / f"{kind}.log").start()
        yield started
    finally:
        for server in started.values():
            server.stop()
        requests.delete(f"{cluster}/{alias}-*", params={"expand_wildcards": "all"}, timeout=120)


def api(server: Server, **params: str) -> dict:
    r = requests.get(f"{server.url}/api/search", params={"per_page": "100", **params}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("q", QUERIES)
def test_the_api_finds_the_same_articles_on_both_engines(servers, q):
    found = {kind: api(server, q=q) for kind, server in servers.items()}
    whoosh, opensearch = found["whoosh"], found["opensearch"]
    assert whoosh["total"] == opensearch["total"]
    assert {h["id"] for h in whoosh["hits"]} == {h["id"] for h in opensearch["hits"]}
    assert whoosh["facets"]["section"] == opensearch["facets"]["section"]
    assert whoosh["facets"]["year"] == opensearch["facets"]["year"]


def test_newest_first_is_the_same_order_on_both_engines(servers):
    orders = {kind: [h["id"] for h in api(server, q="", sort="newest")["hits"]]
              for kind, server in servers.items()}
    dates = {kind: [h["date"] for h in api(server, q="", sort="newest")["hits"]]
             for kind, server in servers.items()}
    # Both order by the publication instant: the calendar dates readers saw
    # (in the page's own time zone) may step back where zones differ, alike on both.
    # Ties (one instant) may be ordered differently; the days must not be.
    assert dates["opensearch"] == dates["whoosh"]
    assert len(orders["whoosh"]) == len(orders["opensearch"]) > 60


def test_a_journalist_searches_the_cluster_in_a_browser(servers):
    if not CHROMIUM.exists():
        pytest.fail("needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import expect, sync_playwright

    server = servers["opensearch"]
    total = api(server, q="harbour")["total"]
    assert total > 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(base_url=server.url)
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto("/")
            page.fill("input[name=q]", "harbour")
            page.keyboard.press("Enter")
            expect(page.locator(".results-summary")).to_contain_text(str(total), timeout=TIMEOUT_MS)
            first = page.locator(".hit-title a").first
            title = first.inner_text()
            first.click()
            expect(page.locator("h1.article-title")).to_contain_text(title.strip()[:30], timeout=TIMEOUT_MS)
            assert errors == []
        finally:
            browser.close()

