"""Under real gunicorn with 2 workers: metrics added up across workers, JSON for what
gunicorn itself refuses, CORS for other sites' scripts."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bench.server import Server
from tests.conftest import build_index
from tests.web_fixtures import gunicorn_server, web_corpus

pytestmark = pytest.mark.slow  # starts gunicorn


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Server, Path]]:
    base = tmp_path_factory.mktemp("served")
    metrics_dir = base / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left by an earlier server")
    server = gunicorn_server(build_index(base / "ix", web_corpus()), base / "gunicorn.log",
                             PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    try:
        yield server.start(), metrics_dir
    finally:
        server.stop()


def scrape(url: str) -> dict[str, float]:
    """Every sample as 'name{label=value,...}' -> value."""
    text = requests.get(url + "/metrics", timeout=60).text
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}"] = s.value
    return samples


def worker_pids(metrics_dir: Path) -> set[str]:
    return {p.stem.rpartition("_")[2] for p in metrics_dir.glob("*.db")}


def test_metrics_add_up_across_both_workers(served):
    server, metrics_dir = served
    assert not (metrics_dir / "counter_999999.db").exists()  # wiped at start
    sent = {"hits": 0, "no_hits": 0, "invalid": 0}

    def get(path: str) -> int:
        return requests.get(server.url + path, timeout=60, headers={"Connection": "close"}).status_code

    with ThreadPoolExecutor(8) as pool:
        # Until both workers have answered some (each keeps files under its pid).
        for _ in range(20):
            statuses = list(pool.map(get, ["/api/search?q=budget"] * 8 + ["/api/search?q=zzzz"] * 4
                                     + ["/api/search?page=0"] * 2))
            assert statuses == [200] * 12 + [400] * 2
            sent["hits"] += 8
            sent["no_hits"] += 4
            sent["invalid"] += 2
            if len(worker_pids(metrics_dir)) >= 2:
                break
    assert len(worker_pids(metrics_dir)) == 2

    samples = scrape(server.url)
    route = "/api/search"
    assert samples[f"newsarchive_http_requests_total{{method=GET,route={route},status=200}}"] == \
        sent["hits"] + sent["no_hits"]
    assert samples[f"newsarchive_http_requests_total{{method=GET,route={route},status=400}}"] == sent["invalid"]
    assert samples[f"newsarchive_http_request_duration_seconds_count{{method=GET,route={route},status=200}}"] == \
        sent["hits"] + sent["no_hits"]
    assert samples[f"newsarchive_http_request_duration_seconds_bucket{{le=+Inf,method=GET,route={route},"
                   "status=200}"] == sent["hits"] + sent["no_hits"]
    for outcome, count in sent.items():
        assert samples[f"newsarchive_searches_total{{kind=search,outcome={outcome}}}"] == count
    stats = requests.get(server.url + "/api/stats", timeout=60).json()
    assert samples["newsarchive_index_up{}"] == 1
    assert samples["newsarchive_index_documents{}"] == stats["documents"] == 33
    assert samples[f"newsarchive_index_generation_info{{generation={stats['generation']}}}"] == 1
    assert samples["newsarchive_index_last_indexed_timestamp_seconds{}"] > 1.7e9


def test_a_request_line_too_long_for_gunicorn_gets_the_json_error(served):
    server, _ = served
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as s:
        s.sendall(b"GET /api/search?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414") and b"Content-Type: application/json" in head
    error = json.loads(body)["error"]
    assert error["code"] == "uri_too_long" and "8,190 bytes" in error["message"] and error["param"] is None


def test_read_only_routes_answer_other_sites_get_only(served):
    server, _ = served
    origin = {"Origin": "https://tools.newsroom.example"}
    got = requests.get(server.url + "/api/export?q=budget&fields=id", headers=origin, timeout=60)
    assert got.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Total-Count" in got.headers["Access-Control-Expose-Headers"]
    preflight = requests.options(server.url + "/api/search?q=budget", timeout=60, headers={
        **origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET"
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
    posted = requests.post(server.url + "/api/sets", json={"q": "budget"}, headers=origin, timeout=60)
    assert posted.status_code == 201 and "Access-Control-Allow-Origin" not in posted.headers
