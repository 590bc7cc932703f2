"""The OpenSearch engine on a real two-node cluster when things go wrong.

(Searching while ``--rebuild`` swaps the alias is ``tests/test_reindex_while_serving.py``,
which runs on both engines.)

* With one replica, node 2 is killed (SIGKILL) while searches run: every
  search keeps being answered, and once node 2 is back it holds every
  article, those written while it was down included.
* A bulk request that partly fails: exactly the refused files are reported
  (exit status 3), everything else is committed and searchable.
* A rebuild keeps the old index answering until its swap, and a failed one
  leaves it live.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests
from opensearchpy import OpenSearch

from indexer.pipeline import Indexer
from search import SearchRequest, SearchService, open_engine
from tests.conftest import NO_FILE, make_article
from tests.opensearch_cluster import DevCluster
from tests.reliability_helpers import index_json, write_pages

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

#: A word longer than Lucene's largest term (32,766 bytes): the cluster refuses the whole document.
IMMENSE = "x" * 40_000


def _alias() -> str:
    return f"rel-{uuid.uuid4().hex[:10]}"


def _cleanup(url: str, alias: str) -> None:
    requests.delete(f"{url}/{alias}-*", params={"expand_wildcards": "all"}, timeout=120)


def _health(url: str, **wait_for: str) -> dict:
    params = {f"wait_for_{k}": v for k, v in wait_for.items()}
    return requests.get(f"{url}/_cluster/health", params={**params, "timeout": "120s"}, timeout=150).json()


def test_searches_keep_answering_while_a_node_dies_and_it_comes_back_whole(opensearch_dev_cluster: DevCluster):
    cluster = opensearch_dev_cluster
    alias = _alias()
    # Both nodes in the URL: the client moves to node 1 when node 2 stops answering.
    both = f"http://127.0.0.1:{cluster.http_port},127.0.0.1:{cluster.http_port + 1}/{alias}"
    articles = [make_article(f"Harbour report {i}", f"The harbour board met on day {i}. Budget {i % 7}.",
                             date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", section=f"S{i % 3}",
                             url=f"https://kill.example/{i}") for i in range(300)]
    engine = open_engine(both, shards=2, replicas=1)
    try:
        with engine.writer() as session:
            for a in articles:
                session.add(a, NO_FILE)
        assert _health(cluster.url, status="green")["status"] == "green"
        service = SearchService(engine)
        failures: list[str] = []
        answered = [0]
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    resp = service.search(SearchRequest(q="harbour budget", per_page=20))
                    if resp.total != len(articles):
                        failures.append(f"total {resp.total}")
                    answered[0] += 1
                except Exception as e:  # noqa: BLE001 - every failed request is reported below
                    failures.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(2)
            before = answered[0]
            cluster.kill(2)
            time.sleep(8)
            during = answered[0] - before
            # Written while node 2 is down: it must catch up when it rejoins.
            with engine.writer() as session:
                session.add(make_article("Late harbour news", "Written while node 2 was down.",
                                         url="https://kill.example/late"), NO_FILE)
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert failures == [], failures[:10]
        assert during > 20, during

        cluster.restart_node(2)
        health = _health(cluster.url, nodes="2", status="green")
        assert (health["number_of_nodes"], health["status"]) == (2, "green")
        client = OpenSearch([cluster.url], timeout=60)
        (node2_id,) = client.nodes.info(node_id="node-2")["nodes"]
        on_node2 = client.search(index=alias, body={"query": {"match_all": {}}}, size=0,
                                 preference=f"_only_nodes:{node2_id}")
        assert on_node2["hits"]["total"]["value"] == len(articles) + 1
        assert on_node2["_shards"]["successful"] == 2
        assert service.search(SearchRequest(q="late")).total == 1
        service.close()
    finally:
        engine.close()
        _health(cluster.url, nodes="2")
        _cleanup(cluster.url, alias)


def test_a_partly_refused_bulk_request_reports_exactly_the_refused_files(opensearch_cluster, tmp_path):
    alias = _alias()
    url = f"{opensearch_cluster}/{alias}"
    pages = tmp_path / "pages"
    good = write_pages(pages, range(40))
    refused = []
    for n in (3, 17, 33):  # spread over the batch
        path = good.pop(n - len(refused))
        path.write_text(path.read_text().replace("</p>", f" {IMMENSE}</p>", 1), encoding="utf-8")
        refused.append(path)
    try:
        report = index_json(str(pages), "--index", url, "--jobs", "1", codes=(3,))
        assert sorted(f["path"] for f in report["failures"]) == sorted(str(p) for p in refused)
        assert all("immense term" in f["reason"] for f in report["failures"])
        assert (report["added"], report["failed"], report["documents"]) == (37, 3, 37)
        assert set(open_engine(url).sources().files) == {str(p) for p in good}
        # The refused files are tried again on the next run (nothing remembers them as done).
        again = index_json("--index", url, codes=(3,))
        assert (again["failed"], again["unchanged"], again["added"]) == (3, 37, 0)
    finally:
        _cleanup(opensearch_cluster, alias)


def test_a_rebuild_answers_from_the_old_index_until_its_swap(opensearch_cluster, tmp_path):
    alias = _alias()
    url = f"{opensearch_cluster}/{alias}"
    pages = tmp_path / "pages"
    write_pages(pages, range(12))
    try:
        Indexer(url, jobs=1).run([pages])
        engine = open_engine(url)
        before = engine.generation
        write_pages(pages, range(12, 15))
        seen: list[tuple[str, int]] = []

        def progress(done: int, total: int) -> None:
            seen.append((engine.generation, engine.stats().documents))

        report = Indexer(url, jobs=1, progress=progress).run(None, rebuild=True)
        assert report.documents == 15
        assert seen and all(s == (before, 12) for s in seen)
        assert engine.generation != before and engine.stats().documents == 15

        def crash(done: int, total: int) -> None:
            raise RuntimeError("simulated crash")

        live = engine.generation
        with pytest.raises(RuntimeError):
            Indexer(url, jobs=1, progress=crash).run(None, rebuild=True)
        assert engine.generation == live and engine.stats().documents == 15
        indexes = requests.get(f"{opensearch_cluster}/_cat/indices/{alias}-*", params={"format": "json"},
                               timeout=60).json()
        assert len(indexes) == 1  # the failed rebuild's index is gone, the replaced one too
        engine.close()
    finally:
        _cleanup(opensearch_cluster, alias)
