"""Whole result sets from OpenSearch: exports through a point in time, rows of saved sets by id.

An export opens a point in time on the concrete index live when it starts and
pages it ``BATCH`` rows at a time with ``search_after`` on the sort's keys
(which end with the unique article id), in exactly the order of
:mod:`.searching`: no ``from`` past the paging cap, nothing gathered, and a
commit (even a rebuild's alias swap, see ``store.delete_unused``) changes
nothing in the rows. Closing the rows deletes the point in time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from search.models import ArticleRow, Export, ValidRequest
from search.query import Node
from search.rowstream import RowStream

from . import searching
from .cluster import Cluster
from .documents import ROW_SOURCE, to_row

log = logging.getLogger(__name__)

#: Rows per request (a few MB of fields at most).
BATCH = 1_000
#: How long the cluster keeps a point in time between two batches.
KEEP_ALIVE = "5m"
#: Ids looked up per request for saved sets.
IDS_BATCH = 5_000


def export(cluster: Cluster, request: ValidRequest, tree: Node | None) -> Export:
    """The export of ``request`` on the index state live now (rows carry every field)."""
    live = cluster.live()
    body, (compiled, sort, *_) = searching.request_body(cluster, request, tree)
    # No track_scores: a score is given in relevance order only, where the sort computes it.
    page: dict[str, Any] = {"query": body["query"], "sort": body["sort"], "size": BATCH, "_source": ROW_SOURCE,
                            "track_total_hits": True}
    if "post_filter" in body:
        page["post_filter"] = body["post_filter"]
    with cluster.calls("start an export"):
        pit = cluster.client.create_pit(index=live.index, keep_alive=KEEP_ALIVE)["pit_id"]
    try:
        first = _page(cluster, page, pit, None)
    except BaseException:
        _close(cluster, pit)
        raise
    rows = _rows(cluster, page, pit, first, sort == "relevance")
    return Export(first["hits"]["total"]["value"], sort, live.state,
                  RowStream(rows, lambda: _close(cluster, pit)), list(compiled.warnings))


def _page(cluster: Cluster, page: dict[str, Any], pit: str, after: list[Any] | None) -> dict[str, Any]:
    body = {**page, "pit": {"id": pit, "keep_alive": KEEP_ALIVE}}
    if after is not None:
        body["search_after"] = after
        body["track_total_hits"] = False
    with cluster.calls("export"):
        return cluster.client.search(body=body, allow_partial_search_results=False)


def _rows(cluster: Cluster, page: dict[str, Any], pit: str, found: dict[str, Any],
          scored: bool) -> Iterator[ArticleRow]:
    while True:
        hits = found["hits"]["hits"]
        for hit in hits:
            yield to_row(hit["_source"], round(hit["_score"] or 0.0, 4) if scored else None)
        if len(hits) < BATCH:
            return
        found = _page(cluster, page, found.get("pit_id", pit), hits[-1]["sort"])


def _close(cluster: Cluster, pit: str) -> None:
    try:
        with cluster.calls("close an export"):
            cluster.client.delete_pit(body={"pit_id": [pit]})
    except Exception as e:  # it expires on its own after KEEP_ALIVE
        log.warning("could not close the export's point in time on %s: %s", cluster.target.display, e)


def rows(cluster: Cluster, ids: Sequence[str]) -> list[ArticleRow | None]:
    """The row of each id in the live index, None where there is none (``Engine.rows``)."""
    found: dict[str, ArticleRow] = {}
    for start in range(0, len(ids), IDS_BATCH):
        batch = list(dict.fromkeys(ids[start:start + IDS_BATCH]))
        resp = cluster.search({"query": {"ids": {"values": batch}}, "size": len(batch), "_source": ROW_SOURCE,
                               "track_total_hits": False})
        for hit in resp["hits"]["hits"]:
            row = to_row(hit["_source"])
            found[row.id] = row
    return [found.get(doc_id) for doc_id in ids]
