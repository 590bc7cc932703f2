"""The development cluster itself: real nodes, one of which can crash and come back; clear failures."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from opensearchpy import OpenSearch

from bench.server import free_port
from tests.opensearch_cluster import CLUSTER_SCRIPT, _require_tools, _wait_gone

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

INDEX = "cluster-test"


def _health(url: str, **wait_for: str) -> dict:
    """``_cluster/health``, waiting up to a minute for the ``wait_for_*`` conditions given."""
    params = {f"wait_for_{k}": v for k, v in wait_for.items()}
    resp = requests.get(f"{url}/_cluster/health", params={**params, "timeout": "60s"}, timeout=90)
    resp.raise_for_status()
    return resp.json()


def test_cluster_is_green_with_two_nodes(opensearch_cluster):
    health = _health(opensearch_cluster)
    assert health["status"] == "green"
    assert health["number_of_nodes"] == 2
    nodes = requests.get(f"{opensearch_cluster}/_cat/nodes", params={"format": "json", "h": "name"},
                         timeout=30).json()
    assert sorted(n["name"] for n in nodes) == ["node-1", "node-2"]


def test_a_killed_node_rejoins_with_its_data(opensearch_dev_cluster):
    cluster = opensearch_dev_cluster
    client = OpenSearch([cluster.url], timeout=60)
    client.indices.create(index=INDEX, body={"settings": {"number_of_shards": 2, "number_of_replicas": 1}})
    try:
        assert _health(cluster.url, status="green")["status"] == "green"
        client.bulk(body=[line for i in range(100) for line in ({"index": {"_index": INDEX, "_id": str(i)}},
                                                                    {"n": i})], refresh=True)
        killed_pid = cluster.pid(2)
        cluster.kill(2)

        # The survivor (the cluster manager) still answers, with the data.
        health = _health(cluster.url, nodes="1")
        assert health["number_of_nodes"] == 1
        assert health["status"] in ("yellow", "green")
        assert client.count(index=INDEX)["count"] == 100
        # Written while node 2 is down: it must catch up on rejoining.
        client.index(index=INDEX, body={"n": 100}, id="100", refresh=True)

        cluster.restart_node(2)
        assert cluster.pid(2) != killed_pid
        health = _health(cluster.url, nodes="2", status="green")
        assert (health["number_of_nodes"], health["status"]) == (2, "green")
        assert _health(cluster.node_url(2))["number_of_nodes"] == 2  # its own HTTP is back
        # Every copy answers alike: read each shard copy on node 2 alone.
        node2 = client.nodes.info(node_id="node-2")["nodes"]
        (node2_id,) = node2
        resp = client.search(index=INDEX, body={"query": {"match_all": {}}}, size=0,
                             preference=f"_only_nodes:{node2_id}")
        assert resp["hits"]["total"]["value"] == 101
        assert resp["_shards"]["successful"] == 2
    finally:
        client.indices.delete(index=INDEX, ignore_unavailable=True)


def _run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CLUSTER_SCRIPT), *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def _processes_under(home: Path) -> list[int]:
    """Live processes whose command line names a path inside ``home``."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(home).encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:  # gone meanwhile
            continue
    return pids


def _wait_until_none_under(home: Path, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := _processes_under(home)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def test_the_owners_watchdog_stops_the_cluster_and_leaves_after_a_stop(tmp_path):
    """With ``--owner PID`` the nodes go when PID goes (a test run killed with
    SIGKILL runs no finalizer); after a plain ``stop`` the watchdog leaves too."""
    _require_tools()
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    done = _run_script("start", "--nodes", "1", "--http-port", str(free_port()), "--home", str(home_a),
                       "--owner", str(os.getpid()))
    assert done.returncode == 0, done.stderr
    try:
        assert len(_processes_under(home_a)) == 2  # the node and its watchdog
    finally:
        _run_script("stop", "--home", str(home_a))
    assert _wait_until_none_under(home_a, 30) == []

    owner = subprocess.Popen(["sleep", "600"])
    try:
        done = _run_script("start", "--nodes", "1", "--http-port", str(free_port()), "--home", str(home_b),
                           "--owner", str(owner.pid))
        assert done.returncode == 0, done.stderr
        node = int((home_b / "node-1.pid").read_text())
        owner.kill()
        owner.wait()
        assert _wait_until_none_under(home_b, 120) == []
        _wait_gone(node, timeout=5)  # gone, or a zombie no one reaps (this process adopts orphans)
        assert f"owner {owner.pid} is gone" in (home_b / "watchdog.log").read_text()
    finally:
        owner.kill()
        _run_script("stop", "--home", str(home_b))


def test_start_refuses_a_port_in_use(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _run_script("start", "--nodes", "1", "--http-port", str(port), "--home", str(tmp_path))
    assert done.returncode == 1
    assert f"port in use: {port}" in done.stderr


def test_start_without_java_says_so(tmp_path):
    done = _run_script("start", "--nodes", "1", "--http-port", "19999", "--home", str(tmp_path),
                       env={"JAVA_HOME": str(tmp_path / "no-jdk")})
    assert done.returncode == 1
    assert "no Java found" in done.stderr


def test_a_node_that_cannot_start_stops_the_others(tmp_path):
    (tmp_path / "node-2").write_text("a file where node 2's data directory belongs")
    port = free_port()
    done = _run_script("start", "--nodes", "2", "--http-port", str(port), "--home", str(tmp_path))
    assert done.returncode == 1
    assert "node 2 exited while starting" in done.stderr
    assert "NodeEnvironment" in done.stderr  # the end of its log, with the reason
    assert _processes_under(tmp_path) == []
    assert list(tmp_path.glob("*.pid")) == []


def test_the_fixture_fails_without_a_jdk_or_maven(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(pytest.fail.Exception, match="need java, javac, mvn: install a JDK 17 and Maven"):
        _require_tools()
