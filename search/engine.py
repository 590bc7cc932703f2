"""The boundary between the product and a search engine.

The product (query language, limits, facet meaning, records, ``SearchService``)
decides what a search means; an engine decides how to answer it fast. An
engine gets a validated request and the query's syntax tree and does the rest
its own way: compiling the tree, ranking, filtering, counting facets,
highlighting, suggestions, more-like-this, storage and locking. Only the
engine's package (``search/engines/<name>/``) imports its library.

The indexer writes through a :class:`WriterSession`: it adds, replaces and
removes articles, records what they were built from, and leaving the block
commits atomically (an exception leaves the live index as it was).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from .errors import IndexMissing
from .models import Answer, Article, Hit, IndexStats, Sources, SourceState, StoredArticle, ValidRequest
from .query import Node


class Receipt(Protocol):
    """What a part writer (see :meth:`WriterSession.parts`) says about one article it wrote."""

    part: int
    doc_id: str  # the id it was written under (after the part's own id claims)
    source: str


class PartWriter(Protocol):
    """Writes articles in a worker process; the session adopts its result at commit.

    Created in the indexing process before the workers start (and inherited by
    them), used in one worker, whose :meth:`finish` result (picklable) goes
    back to :meth:`WriterSession.adopt`.
    """

    number: int

    def add(self, article: Article, state: SourceState) -> Receipt: ...

    def finish(self) -> Any: ...


class WriterSession(Protocol):
    """One indexing run's changes, committed atomically on leaving the ``with`` block."""

    #: What the live index held when the session began (roots and files).
    previous: Sources
    #: Things the operator should know (e.g. a dead indexer's lock was cleared).
    warnings: list[str]
    #: After the commit: documents in the index and its generation.
    documents: int
    generation: str

    def __enter__(self) -> WriterSession: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def add(self, article: Article, state: SourceState) -> str:
        """Add the article of ``article.source``, replacing that file's previous
        one; returns the id it got (its own, unless another file claims it)."""

    def remove(self, source: str) -> None:
        """Remove the article of the file ``source``."""

    def set_roots(self, roots: list[str]) -> None:
        """The files and directories this index is built from (``Sources.roots``)."""

    def parts(self, count: int) -> list[PartWriter] | None:
        """``count`` writers for worker processes, or None when this engine
        only writes from the session's own process (workers then send articles)."""

    def accept(self, receipt: Receipt) -> bool:
        """Take one article a part wrote into the run (replacing its file's old
        one); False when its id was taken meanwhile: it is dropped, and the
        caller adds the article again through :meth:`add`."""

    def adopt(self, result: Any) -> None:
        """Take a finished part's result into this session's commit."""


class Engine(Protocol):
    """A search engine over one index (a directory, or later an OpenSearch alias)."""

    @property
    def generation(self) -> str:
        """Names the index state now live; changes with every commit (ETags carry it)."""

    def check(self) -> None:
        """Raise IndexMissing or UnsafeIndex (``search.errors``) when it cannot serve."""

    def search(self, request: ValidRequest, tree: Node | None) -> Answer:
        """Answer a validated request; ``tree`` None means every article.

        ``request.deadline`` (:class:`search.models.Deadline`) is the search's
        time budget: past ``deadline.at`` the engine stops working on it and
        raises :class:`search.models.OutOfTime` (the service turns that into
        ``QueryTooExpensive``), within a small margin: checked inside every
        loop whose length grows with the archive or the query (posting
        decoding, phrase matching, prefix and fuzzy expansion, scoring,
        highlighting). An engine that searches on a server sends
        ``deadline.remaining()`` as the server's own limit (OpenSearch: the
        ``timeout`` of the search body, plus the client's request timeout) and
        raises OutOfTime when the server reports it timed out. Facets are
        counted after this returns, within the same deadline.
        """

    def article(self, doc_id: str) -> StoredArticle | None: ...

    def related(self, doc_id: str, limit: int) -> list[Hit]:
        """More like this: the articles closest to ``doc_id``, best first."""

    def stats(self) -> IndexStats: ...

    def sources(self) -> Sources:
        """What the live index was built from, for incremental runs."""

    def writer(self, *, rebuild: bool = False, lock_timeout: float = 60.0) -> WriterSession:
        """A writer session; ``rebuild`` builds a new index beside the live one and
        swaps it in at commit (the live one stays searchable until then)."""

    def warm(self) -> None:
        """Load what the first searches would otherwise load."""

    def clear_caches(self) -> None:
        """Forget cached results (benchmarks time queries without them)."""

    def close(self) -> None: ...


def is_url(target: str | os.PathLike[str]) -> bool:
    return os.fspath(target).startswith(("http://", "https://"))


def default_index_target() -> str:
    """``$NEWSARCHIVE_INDEX``, else ``./var/index``."""
    return os.environ.get("NEWSARCHIVE_INDEX") or "var/index"


def absolute_target(target: str | os.PathLike[str]) -> str:
    """``target`` as it means the same from any working directory (a URL as it is)."""
    return os.fspath(target) if is_url(target) else str(Path(target).resolve())


def index_ready(target: str | os.PathLike[str]) -> bool:
    """True when ``target`` holds an index to serve, False when none is there yet;
    raises UnsafeIndex (or another IndexError_) when it must not be served."""
    engine = open_engine(target)
    try:
        engine.check()
        return True
    except IndexMissing:
        return False
    finally:
        engine.close()


def open_engine(target: str | os.PathLike[str]) -> Engine:
    """The engine for ``target``: an index directory (Whoosh) or, later, an
    ``http(s)://host:port/alias`` URL (OpenSearch). Opens nothing yet."""
    text = os.fspath(target)
    if is_url(text):
        raise ValueError(f"{text}: the OpenSearch engine is not available yet; "
                         "give an index directory")
    from .engines.whoosh import WhooshEngine

    return WhooshEngine(Path(text))
