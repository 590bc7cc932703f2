"""One alias on one cluster: the client, its calls in the product's terms, the live index."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opensearchpy import exceptions as ox

from search.errors import IndexMissing, IndexUnreadable

from . import store
from .client import connect, translated
from .target import Target

log = logging.getLogger(__name__)

#: Errors of a node that left the cluster during a search (the cluster's own words).
NODE_LOST = ("node_disconnected_exception", "node_not_connected_exception", "node_closed_exception")
#: Seconds before a search that lost a node is tried again.
RETRY_PAUSE = 0.5


class Cluster:
    """What searching and writing share: the target, its client and alias."""

    def __init__(self, target: Target):
        self.target = target
        self.alias = target.alias
        self.client = connect(target)
        self.closed = False

    @contextmanager
    def calls(self, doing: str) -> Iterator[None]:
        """A block of cluster calls whose failures become the product's index errors."""
        if self.closed:
            raise RuntimeError(f"the engine for {self.target.display} is closed")
        try:
            with translated(self.target, doing):
                yield
        except IndexUnreadable as e:
            if e.path != self.target.display:
                raise
            raise self._red_shards(e) from None

    def _red_shards(self, error: IndexUnreadable) -> IndexUnreadable:
        """``error`` naming the shards the cluster reports red, when the failure named none."""
        try:
            health = self.client.cluster.health(index=self.alias, level="shards", request_timeout=10)
            (index, _), = health["indices"].items()
        except Exception as e:  # the failure is told as it came
            log.debug("could not ask %s which shards are red: %s", self.target.display, e)
            return error
        return store.damage(health, index) if health["status"] == "red" else IndexUnreadable(index, error.problem)

    def live(self) -> store.Live:
        """The concrete index behind the alias now; IndexMissing when there is none."""
        with self.calls("read the index"):
            found = store.live(self.client, self.alias)
        if found is None:
            raise IndexMissing(f"no index at {self.target.display}: run 'newsarchive index PATH "
                               f"--index {self.target.display}' first")
        return found

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.calls("search"):
            try:
                return self.client.search(index=self.alias, body=body, allow_partial_search_results=False)
            except ox.TransportError as e:
                if not any(kind in str(e.info) for kind in NODE_LOST):
                    raise
                # A node left between the query and fetch phases: the copies on
                # the others answer a second try (a search changes nothing).
                log.warning("search on %s lost a node (%s); trying once more", self.target.display, e.error)
                time.sleep(RETRY_PAUSE)
                return self.client.search(index=self.alias, body=body, allow_partial_search_results=False)

    def close(self) -> None:
        self.closed = True
        self.client.close()
