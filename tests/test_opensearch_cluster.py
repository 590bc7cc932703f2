"""The development cluster itself: two real nodes, one of which can crash and come back."""

from __future__ import annotations

import pytest
import requests
from opensearchpy import OpenSearch

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
        # Every copy answers alike: read each shard copy on node 2 alone.
        node2 = client.nodes.info(node_id="node-2")["nodes"]
        (node2_id,) = node2
        resp = client.search(index=INDEX, body={"query": {"match_all": {}}}, size=0,
                             preference=f"_only_nodes:{node2_id}")
        assert resp["hits"]["total"]["value"] == 101
        assert resp["_shards"]["successful"] == 2
    finally:
        client.indices.delete(index=INDEX, ignore_unavailable=True)
