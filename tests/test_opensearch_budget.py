"""The OpenSearch engine's side of the time budget: every request of a search
ends at its deadline (``search.engines.opensearch.cluster``).

The product's side runs on both engines, against the real cluster, in
``tests/test_budget.py``; here what a real cluster cannot show on demand: a
cluster that does not answer within the budget.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from search.engines.opensearch.cluster import MARGIN, Cluster
from search.engines.opensearch.target import parse_target
from search.models import Deadline, OutOfTime


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers (a cluster stuck in a long search)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/archive", accepted
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_search_stops_waiting_at_its_deadline_and_is_not_retried(silent_server):
    url, accepted = silent_server
    cluster = Cluster(parse_target(url))
    try:
        started = time.perf_counter()
        with pytest.raises(OutOfTime):
            cluster.search({"query": {"match_all": {}}}, Deadline.after(0.3))
        waited = time.perf_counter() - started
    finally:
        cluster.close()
    # The client's own timeout (30 s, three retries) would wait minutes.
    assert 0.3 <= waited < 0.3 + MARGIN + 2.0, waited
    assert len(accepted) == 1  # one request, not tried again on another connection


def test_a_passed_deadline_sends_nothing(silent_server):
    url, accepted = silent_server
    cluster = Cluster(parse_target(url))
    try:
        with pytest.raises(OutOfTime):
            cluster.search({"query": {"match_all": {}}}, Deadline(time.perf_counter() - 1, 1.0))
    finally:
        cluster.close()
    assert accepted == []
