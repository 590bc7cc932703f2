"""The boundary between the product and a search engine.

The product (query language, limits, facet meaning, records, ``SearchService``)
decides what a search means; an engine decides how to answer it fast. An
engine gets a validated request and the query's syntax tree and does the rest
its own way: compiling the tree, ranking, filtering, counting facets,
highlighting, suggestions, more-like-this, storage and locking. Only the
engine's package (``search/engines/<name>/``) imports its library.

The indexer writes through a :class:`WriterSession`: it adds, replaces and
removes articles, records what they were built from and which files failed,
and leaving the block commits atomically (an exception leaves the live index
as it was).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from .errors import BadIndexTarget, IndexMissing
from .models import (Answer, Article, ArticleRow, Export, Hit, IndexState, IndexStats, Sources, SourceState,
                     StoredArticle, ValidRequest)
from .query import Node
from .snippets import ArticleMarks


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
    """One indexing run's changes, committed atomically on leaving the ``with`` block.

    Every article written (by the session or its parts) is stamped by the rule
    of :mod:`search.stamps`: one time per session taken under the writer lock,
    the first ``indexed_at`` of an id the live index held kept (also by a
    rebuild), ``changed_at`` moved only when the article's fingerprint changed.

    Leaving the block without an exception commits; with one, the live index
    stays as it was and whatever the session wrote is deleted (a failed run on
    a full disk leaves the disk as it found it; entering also removes what a
    killed run left). Entering an incremental session on a damaged index
    raises ``IndexUnreadable`` (``search.errors``); a rebuild repairs it.

    A session that added and removed no article commits nothing: the
    generation, and so every ETag and the time of the last commit, stay as
    they were (roots and failures that changed are still saved). A rebuild,
    or a first run on an empty target, always commits.
    """

    #: What the live index held when the session began: roots, files and known
    #: failures (a rebuild starts from the roots only: everything is parsed again).
    previous: Sources
    #: Things the operator should know (e.g. a dead indexer's lock was cleared).
    warnings: list[str]
    #: After the commit: documents in the index and its generation.
    documents: int
    generation: str
    #: After the commit: files whose article the index refused (file -> reason);
    #: everything else was committed.
    failed: dict[str, str]

    def __enter__(self) -> WriterSession: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def add(self, article: Article, state: SourceState) -> str:
        """Add the article of ``article.source``, replacing that file's previous
        one; returns the id it got (its own, unless another file claims it)."""

    def remove(self, source: str) -> None:
        """Remove the article of the file ``source`` (it is gone), and forget its failure."""

    def record_failure(self, path: str, content_hash: str, reason: str) -> None:
        """Remember that the file ``path`` could not be indexed, and why.

        ``content_hash`` identifies what failed: the SHA-1 of the file's bytes
        (the ``content_hash`` an article of it would have), or a token naming
        what stood in the way of reading it (e.g. ``unreadable:EACCES``). It
        replaces the file's earlier record. Records are committed with the
        session (also when no article changed, without a new generation) and
        are read back in ``Sources.failures`` (``previous`` of the next session,
        ``Engine.sources()``). An incremental session carries the earlier
        records forward; ``add`` (or an accepted part receipt) of the same
        path and ``remove`` forget a record; recording one removes no article
        (an earlier version of the file keeps its article). A rebuild starts with none.
        """

    def set_roots(self, roots: list[str]) -> None:
        """The files and directories this index is built from (``Sources.roots``)."""

    def stories(self) -> list[tuple[str, str, bytes]]:
        """(source, story, signature) of each article the live index held when
        the session began (none in a rebuild or a new index): the state
        ``indexer.stories`` assigns this run's articles from. Articles are
        written with their ``story`` and ``signature`` and read back here."""

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
    """A search engine over one index (a directory, or an alias on an OpenSearch cluster)."""

    @property
    def generation(self) -> str:
        """Names the index state now live; changes with every commit (ETags carry it)."""

    def check(self) -> None:
        """Raise IndexMissing or UnsafeIndex (``search.errors``) when it cannot serve."""

    def state(self) -> IndexState:
        """The live state: its generation and the time of the commit that made it
        visible (articles a later commit writes are stamped at or after it, see
        :mod:`search.stamps`). Cheap: /healthz, ETags and metrics call it per request."""

    def search(self, request: ValidRequest, tree: Node | None) -> Answer:
        """Answer a validated request; ``tree`` None means every article.
        ``Answer.index`` is the state that answered; ``request.indexed_since``
        (epoch ms) keeps articles with ``indexed_at`` at or after it; sort
        "indexed" is newest ``indexed_at`` first, articles of one run newest
        published first, then undated, unknown ``indexed_at`` last.

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

    def export(self, request: ValidRequest, tree: Node | None, fields: frozenset[str]) -> Export:
        """Every article matching ``request``, to stream (page and per_page are ignored).

        The contract (``tests/test_export.py`` holds an engine to it):

        * ``Export.total`` is counted before the first row and equals the
          ``total`` :meth:`search` gives for the same request on the same state;
        * ``request.deadline`` holds for the work before the first row (finding,
          counting and ordering the matches: OutOfTime past it, as in
          :meth:`search`), never for reading the rows, which is long by nature,
          paced by the consumer and bounded by the row limit;
        * ``Export.rows`` yields every match exactly once, in exactly the order
          :meth:`search` pages them (``Export.sort``, ties broken the same way):
          rows ``[(p-1)*n, p*n)`` are page ``p`` at ``per_page=n``, with no cap
          at ``limits.MAX_DEPTH``;
        * every row comes from the one state named by ``Export.index``; commits
          while the rows are read change nothing in them (Whoosh keeps a searcher
          of its own on that generation; OpenSearch opens a point in time and
          pages it with ``search_after`` on the sort's keys plus a unique
          tiebreaker, a batch at a time);
        * memory does not grow with the rows read: rows are fetched in batches as
          they are consumed, never gathered (a small per-match key, e.g. Whoosh's
          8-byte document number and score, is allowed);
        * a row carries at least ``fields`` (names from ``models.ROW_FIELDS``);
          ``score`` is set in relevance order only (rounded as in hits), else None;
        * ``Export.rows.close()``, before the first row or after any, releases
          what the export holds (the searcher, the point in time); reading to the
          end does too. ``SearchService.export`` checks ``total`` against the row
          limit and closes the rows unread when it is over.
        """

    def rows(self, ids: Sequence[str], fields: frozenset[str]) -> list[ArticleRow | None]:
        """The live state's row of each id, in the same positions; None where it
        holds no such article. For saved result sets, which check up to
        ``limits.MAX_EXPORT_ROWS`` ids at once: look them up in bulk (Whoosh: a
        sorted id column; OpenSearch: ``ids`` queries in batches). A row carries
        at least ``fields``; its ``score`` is None."""

    def article(self, doc_id: str) -> StoredArticle | None: ...

    def marks(self, doc_id: str, request: ValidRequest, tree: Node) -> ArticleMarks | None:
        """Where the article matches the request's query, by the rules of a
        search's marks (words, stems, spellings, phrases; filters are not
        looked at); None when there is no such article. Raises OutOfTime past
        ``request.deadline``."""

    def related(self, doc_id: str, limit: int) -> list[Hit]:
        """More like this: the articles closest to ``doc_id``, best first."""

    def stats(self) -> IndexStats: ...

    def sources(self) -> Sources:
        """What the live index was built from (roots, files, known failures),
        for incremental runs and ``newsarchive failures``."""

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


def display_target(target: str | os.PathLike[str]) -> str:
    """``target`` as it may be shown (logs, errors, pages): a URL's password masked."""
    if not is_url(target):
        return os.fspath(target)
    from .engines.opensearch.target import mask_url

    return mask_url(os.fspath(target))


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


def open_engine(target: str | os.PathLike[str], *, shards: int | None = None,
                replicas: int | None = None) -> Engine:
    """The engine for ``target``: an index directory (Whoosh) or an
    ``http(s)://host:port[,host:port...]/alias`` URL (OpenSearch). Opens nothing yet.

    ``shards`` and ``replicas`` are for an OpenSearch index being created;
    raises BadIndexTarget (``search.errors``) for a malformed URL.
    """
    text = os.fspath(target)
    if is_url(text):
        from .engines.opensearch import OpenSearchEngine

        return OpenSearchEngine(text, shards=shards, replicas=replicas)
    if shards is not None or replicas is not None:
        raise BadIndexTarget(f"{text}: shards and replicas apply to an OpenSearch index only")
    from .engines.whoosh import WhooshEngine

    return WhooshEngine(Path(text))
