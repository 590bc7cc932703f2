"""One alias on one cluster: the client, its calls in the product's terms, the live index."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from search.errors import IndexMissing

from . import store
from .client import connect, translated
from .target import Target


class Cluster:
    """What searching and writing share: the target, its client and alias."""

    def __init__(self, target: Target):
        self.target = target
        self.alias = target.alias
        self.client = connect(target)
        self.closed = False

    def calls(self, doing: str) -> AbstractContextManager[None]:
        """A block of cluster calls whose failures become the product's index errors."""
        if self.closed:
            raise RuntimeError(f"the engine for {self.target.display} is closed")
        return translated(self.target, doing)

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
            return self.client.search(index=self.alias, body=body, allow_partial_search_results=False)

    def close(self) -> None:
        self.closed = True
        self.client.close()
