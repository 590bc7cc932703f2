"""Reindex under a live gunicorn while clients search without pause (both engines).

``newsarchive serve`` (2 workers) serves a generated corpus plus the sample
corpus; client threads search continuously while the main thread runs
``newsarchive index --rebuild`` and incremental runs that add, change and
delete pages. Asserted for every single response:

* it is a 200 with the search JSON (no request fails, no connection drops);
* it is consistent: for the queries that match only generated pages (one
  section each) the section facet counts add up to ``total``, and ``hits``
  never exceed ``per_page``;
* once the run that deleted a batch has finished, no response to a request
  sent afterwards has a hit from that batch;
* pages added by a run are found by the first request after the run, without
  a restart.
"""

from __future__ import annotations

import random
import shutil
import threading
import time

import pytest
import requests

from tests.conftest import REPO
from tests.reliability_helpers import Ticker, index_json, serving, write_pages

GENERATED = 100
CLIENTS = 4
#: Queries that match generated pages only (one section each).
FACET_CHECKED = {"relgazette", "relgazette council", "relgazette -bridge", "doomedzq", "freshzq"}


class Clients:
    """Searching threads that check each response and keep any problem found."""

    def __init__(self, url: str):
        self.url = url
        self.lock = threading.Lock()
        self.deleted_after: dict[str, float] = {}  # marker -> monotonic time its deleting run ended
        self.problems: list[str] = []
        self.tickers = [Ticker(self._step_for(i), max_seconds=150) for i in range(CLIENTS)]
        self.responses = 0

    def _step_for(self, i: int):
        session = requests.Session()
        rng = random.Random(i)

        def step() -> None:
            q = rng.choice(["relgazette", "relgazette council", "relgazette OR harbour", "doomedzq",
                            "relgazette -bridge", "freshzq", "council", "", "story*"])
            params = {"q": q, "per_page": str(rng.choice([5, 10, 50]))}
            if rng.random() < 0.3:
                params["sort"] = rng.choice(["newest", "oldest"])
            sent = time.monotonic()
            r = session.get(self.url + "/api/search", params=params, timeout=60)
            self._check(q, params, sent, r)

        return step

    def _check(self, q: str, params: dict, sent: float, r: requests.Response) -> None:
        with self.lock:
            self.responses += 1
        if r.status_code != 200:
            self._problem(f"{params}: HTTP {r.status_code} {r.text[:300]}")
            return
        data = r.json()
        if len(data["hits"]) > int(params["per_page"]) or data["total"] < len(data["hits"]):
            self._problem(f"{params}: {len(data['hits'])} hits, total {data['total']}")
        if q in FACET_CHECKED:
            # Generated pages only, exactly one section each: the facet adds up.
            counted = sum(v["count"] for v in data["facets"]["section"])
            if counted != data["total"]:
                self._problem(f"{params}: section counts sum to {counted}, total is {data['total']}")
        for marker, finished in list(self.deleted_after.items()):
            if sent > finished and any(marker in h["title"] for h in data["hits"]):
                self._problem(f"{params}: hit from batch {marker!r} deleted before the request")

    def _problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def start(self) -> None:
        for t in self.tickers:
            t.start()

    def stop(self) -> None:
        for t in self.tickers:
            t.stop()
        for t in self.tickers:
            self.problems += t.errors  # exceptions: connection errors, bad JSON


def _search(url: str, q: str) -> dict:
    r = requests.get(url + "/api/search", params={"q": q, "per_page": "100"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.slow
def test_reindex_while_serving(tmp_path, new_target):
    pages = tmp_path / "pages"
    write_pages(pages / "generated", range(GENERATED))
    write_pages(pages / "doomed", range(5000, 5020), marker="doomedzq")
    sample = REPO / "sample_corpus"
    if sample.is_dir():  # the sample corpus too, as served in production
        shutil.copytree(sample, pages / "sample", ignore=shutil.ignore_patterns("*.json", "*.md"))
    index_dir = new_target()  # a directory, or an alias on the OpenSearch cluster
    first = index_json(str(pages), "--index", str(index_dir), "--quiet", codes=(0, 3))
    total_docs = first["documents"]
    assert total_docs >= GENERATED + 20

    with serving(index_dir, tmp_path / "server.log") as server:
        clients = Clients(server.url)
        clients.start()
        try:
            time.sleep(1.0)
            # 1. A full rebuild, swapped in under the clients.
            report = index_json("--index", str(index_dir), "--rebuild", codes=(0, 3))
            assert report["documents"] == total_docs
            # 2. New pages: searchable by the very next request, no restart.
            write_pages(pages / "fresh", range(6000, 6012), marker="freshzq")
            report = index_json("--index", str(index_dir), codes=(0, 3))
            assert report["added"] == 12
            assert _search(server.url, "freshzq")["total"] == 12
            # 3. Delete a batch: no hit for it from any request sent after the run.
            assert _search(server.url, "doomedzq")["total"] == 20
            shutil.rmtree(pages / "doomed")
            report = index_json("--index", str(index_dir), codes=(0, 3))
            clients.deleted_after["doomedzq"] = time.monotonic()
            assert report["removed"] == 20
            assert _search(server.url, "doomedzq")["total"] == 0
            # 4. Changed pages, then a second rebuild and an incremental run right after.
            write_pages(pages / "generated", range(0, 30), marker="changedzq")
            report = index_json("--index", str(index_dir), codes=(0, 3))
            assert report["updated"] == 30
            assert _search(server.url, "changedzq")["total"] == 30
            report = index_json("--index", str(index_dir), "--rebuild", codes=(0, 3))
            write_pages(pages / "fresh", range(6012, 6015), marker="freshzq")
            index_json("--index", str(index_dir), codes=(0, 3))
            assert _search(server.url, "freshzq")["total"] == 15
            assert _search(server.url, "doomedzq")["total"] == 0
            time.sleep(1.0)
        finally:
            clients.stop()
        assert clients.problems == [], clients.problems[:20]
        assert clients.responses > 50, clients.responses
        health = requests.get(server.url + "/healthz", timeout=60)
        assert health.status_code == 200
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-5000:]
