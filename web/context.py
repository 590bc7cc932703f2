"""What a request handler needs from its app: the search service and HTTP caching.

The blueprints (``api``, ``views``) import this module, and ``app`` imports
the blueprints: nothing here imports ``app``, so there is no cycle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Response, current_app, request

from search import SearchService, open_engine

#: Where ``create_app`` keeps the ServiceHolder in ``app.extensions``.
EXTENSION = "newsarchive"


@dataclass(frozen=True)
class IndexSummary:
    """What /healthz and /metrics say about the index: computed once per generation."""

    generation: str
    documents: int
    last_indexed_seconds: float | None


class ServiceHolder:
    """Creates the SearchService on first use, in the process that serves.

    gunicorn forks workers after importing the app; opening Whoosh files before
    the fork would share file offsets between processes, so nothing is opened
    until a request arrives. A missing index is not cached: the next request
    tries again, so the site comes up by itself once the indexer has run.
    """

    def __init__(self, target: str, facet_time_limit: float, search_budget: float,
                 service_class: type[SearchService] = SearchService):
        self.target = target
        self.facet_time_limit = facet_time_limit
        self.search_budget = search_budget
        self.service_class = service_class
        self._service: SearchService | None = None
        self._summary: IndexSummary | None = None
        self._lock = threading.Lock()

    def get(self) -> SearchService:
        service = self._service
        if service is not None:
            return service
        with self._lock:
            if self._service is None:
                engine = open_engine(self.target)
                # Raises IndexMissing (-> 503) until the indexer has published,
                # UnsafeIndex when the index appeared since startup but is unsafe.
                engine.check()
                self._service = self.service_class(engine, facet_time_limit=self.facet_time_limit,
                                                   budget=self.search_budget)
            return self._service

    def summary(self) -> IndexSummary:
        """The live index's generation, size and last commit; the statistics are
        read again only when the generation changes (a readlink per call)."""
        service = self.get()
        known = self._summary
        if known is None or known.generation != service.generation():
            stats = service.stats()
            when = dt.datetime.fromisoformat(stats.last_indexed).timestamp() if stats.last_indexed else None
            known = self._summary = IndexSummary(stats.generation, stats.documents, when)
        return known

    def close(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._service = None


def service() -> SearchService:
    holder: ServiceHolder = current_app.extensions[EXTENSION]
    return holder.get()


@cache
def _release_fingerprint() -> str:
    """A hash of this package's code, templates and CSS.

    Part of every ETag so that deploying new templates invalidates cached
    pages even when the index is unchanged; identical in every worker.
    """
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".html", ".css", ".js", ".json"}:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def generation_etag() -> str:
    """An ETag for this URL at the live index generation.

    A response is a function of the URL, the index and the code, so a hash of
    the three identifies it without computing it (raises IndexMissing).
    """
    key = "\0".join([service().generation(), request.full_path, _release_fingerprint()])
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def cached(build: Callable[[], Response]) -> Response:
    """Answer 304 when the client holds the current version, else build it.

    Checked before building, so a revalidation costs no search at all.
    """
    etag = generation_etag()
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = build()
        if response.status_code != 200:
            return response  # errors are not versions of the resource
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = current_app.config["CACHE_CONTROL"]
    return response
