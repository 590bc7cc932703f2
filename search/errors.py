"""Errors every engine raises: about the index itself, and a search that ran out of time."""

from __future__ import annotations

from .models import SearchError


class IndexError_(Exception):
    """Base for index problems (named to avoid shadowing IndexError)."""


class IndexMissing(IndexError_):
    """Nothing has been indexed (published) yet."""


class IndexBusy(IndexError_):
    """Another writer holds the index past the lock timeout."""


class UnsafeIndex(IndexError_):
    """The index could be written by others than its owner."""


class IndexUnavailable(IndexError_):
    """The index cannot be reached now (e.g. its cluster is down or refuses the credentials)."""


class BadIndexTarget(IndexError_):
    """``--index`` names no index this program can open (e.g. a malformed URL)."""


class IndexUnreadable(IndexError_):
    """The index is there but part of it cannot be read: damaged by a bad disk,
    a careless copy, a full disk during a copy (a file truncated, overwritten
    with garbage, or missing).

    The contract for every engine:

    * Raised instead of the engine library's own error (``EOFError``, an
      unpickling error, a server's shard failure) by every :class:`search.engine.Engine`
      method that reads the index (``search``, ``article``, ``related``,
      ``stats``, ``sources``; ``generation`` too when it cannot even tell
      the index state) and by entering an incremental writer session, which
      must refuse to write on top of damage.
    * Never raised by ``check``: a server starts and keeps running, answering
      503 (code ``index_unreadable``) until the index is repaired.
    * A rebuild (``writer(rebuild=True)``) reads nothing of the damaged index
      but its list of roots, and its commit repairs the index.
    * ``path`` names what is damaged (a file of the index directory; for a
      server engine the index or shard); ``problem`` says what is wrong with
      it, in a few words. The message names both; callers add the remedy
      (``newsarchive index --rebuild``).
    """

    def __init__(self, path: str, problem: str):
        super().__init__(f"the index is damaged: {path}: {problem}")
        self.path = path
        self.problem = problem


class QueryTooExpensive(SearchError):
    """A legal search that needs more than its time budget (HTTP 503 with code
    ``query_too_expensive``; CLI exit 1). The message says what to narrow.

    A :class:`SearchError`, so code that only knows those still reports it;
    the web and the CLI answer it as the server's limit, not a bad request.
    """

    def __init__(self, message: str, budget: float):
        super().__init__(message, "q")
        self.budget = budget
