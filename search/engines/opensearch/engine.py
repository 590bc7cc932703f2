"""The OpenSearch engine: an alias on a cluster answering :class:`search.engine.Engine`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from opensearchpy import exceptions as ox

from search.models import (Answer, ArticleRow, Export, FacetValue, Hit, IndexState, IndexStats, Sources,
                           StoredArticle, ValidRequest)
from search.query import Node
from search.snippets import ArticleMarks

from . import export as export_mod
from . import related as related_mod
from . import searching, store
from .cluster import Cluster
from .documents import to_stored
from .mapping import MAPPING_VERSION
from .session import OpenSearchWriterSession
from .target import Target, parse_target

log = logging.getLogger(__name__)

#: Sections listed per stats request page (composite aggregation).
SECTIONS_PAGE = 1_000


class OpenSearchEngine:
    """Searches and writes the alias of ``target`` (see :mod:`.store` for what lies behind it).

    Opens nothing until asked: the client connects on the first request.
    ``shards`` and ``replicas`` apply when an index is created (first run,
    ``--rebuild``); replicas None means one copy wherever a second node can hold it.
    """

    def __init__(self, target: str | Target, *, shards: int | None = None, replicas: int | None = None):
        self.target = target if isinstance(target, Target) else parse_target(target)
        self.alias = self.target.alias
        self.shards = shards
        self.replicas = replicas
        self.cluster = Cluster(self.target)
        self.client = self.cluster.client
        self._warned_version = False

    def __repr__(self) -> str:
        return f"OpenSearchEngine({self.target.display!r})"

    def _calls(self, doing: str):
        return self.cluster.calls(doing)

    def live(self) -> store.Live:
        return self.cluster.live()

    def raw_search(self, body: dict[str, Any]) -> dict[str, Any]:
        """One search request on the alias (for tools, e.g. the benchmarks)."""
        return self.cluster.search(body)

    @property
    def generation(self) -> str:
        return self.live().generation

    def check(self) -> None:
        found = self.live()
        if found.mapping_version != MAPPING_VERSION and not self._warned_version:
            self._warned_version = True
            log.warning("the index at %s has mapping version %s, this newsarchive writes version %s: "
                        "searches may miss what the newer mapping adds until 'newsarchive index --rebuild'",
                        self.target.display, found.mapping_version, MAPPING_VERSION)

    # --- reading ---------------------------------------------------------

    def state(self) -> IndexState:
        return self.live().state

    def search(self, request: ValidRequest, tree: Node | None) -> Answer:
        return searching.search(self.cluster, request, tree)

    def export(self, request: ValidRequest, tree: Node | None, fields: frozenset[str]) -> Export:
        return export_mod.export(self.cluster, request, tree)

    def rows(self, ids: Sequence[str], fields: frozenset[str]) -> list[ArticleRow | None]:
        return export_mod.rows(self.cluster, ids)

    def article(self, doc_id: str) -> StoredArticle | None:
        with self._calls("read an article"):
            try:
                found = self.client.get(index=self.alias, id=doc_id, realtime=False)
            except ox.NotFoundError as e:
                if e.error == "index_not_found_exception":
                    raise
                return None
        return to_stored(found["_source"]) if found.get("found") else None

    def marks(self, doc_id: str, request: ValidRequest, tree: Node) -> ArticleMarks | None:
        return searching.marks(self.cluster, request, tree, doc_id)

    def related(self, doc_id: str, limit: int) -> list[Hit]:
        if self.article(doc_id) is None:
            return []
        return related_mod.related(self.cluster, doc_id, limit)

    def stats(self) -> IndexStats:
        found = self.live()
        sections: list[FacetValue] = []
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": SECTIONS_PAGE, "sources": [{"s": {"terms": {"field": "section.facet"}}}]}
            if after:
                composite["after"] = after
            resp = self.raw_search({"size": 0, "track_total_hits": True, "aggs": {
                "sections": {"composite": composite},
                "first": {"min": {"field": "date", "format": "yyyy-MM-dd"}},
                "last": {"max": {"field": "date", "format": "yyyy-MM-dd"}}}})
            aggs = resp["aggregations"]
            sections += [FacetValue(b["key"]["s"], b["doc_count"], False) for b in aggs["sections"]["buckets"]]
            after = aggs["sections"].get("after_key")
            if not after or len(aggs["sections"]["buckets"]) < SECTIONS_PAGE:
                break
        sections.sort(key=lambda fv: (-fv.count, fv.value))
        with self._calls("read the index's size"):
            size = self.client.indices.stats(index=found.index, metric="store")
        return IndexStats(
            documents=resp["hits"]["total"]["value"],
            sections=sections,
            date_min=aggs["first"].get("value_as_string") if aggs["first"].get("value") is not None else None,
            date_max=aggs["last"].get("value_as_string") if aggs["last"].get("value") is not None else None,
            generation=found.generation,
            last_indexed=found.meta.get("last_indexed") or "",
            size_bytes=size["_all"]["primaries"]["store"]["size_in_bytes"],
        )

    def sources(self) -> Sources:
        with self._calls("read the index's files"):
            found = store.live(self.client, self.alias)
            if found is None:
                return Sources()
            files, _ = store.scan_files(self.client, found.index)
            failures = store.read_failures(self.client, self.alias)
        return Sources(list(found.meta.get("roots", [])), files, failures)

    def warm(self) -> None:
        self.live()

    def clear_caches(self) -> None:
        """Nothing cached here: the cluster's caches are its own (as a server's would be)."""

    def close(self) -> None:
        self.cluster.close()

    # --- writing ---------------------------------------------------------

    def writer(self, *, rebuild: bool = False, lock_timeout: float = 60.0) -> OpenSearchWriterSession:
        return OpenSearchWriterSession(self.cluster, rebuild=rebuild, lock_timeout=lock_timeout,
                                       shards=self.shards, replicas=self.replicas)
