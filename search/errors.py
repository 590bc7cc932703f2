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


class QueryTooExpensive(SearchError):
    """A legal search that needs more than its time budget (HTTP 503 with code
    ``query_too_expensive``; CLI exit 1). The message says what to narrow.

    A :class:`SearchError`, so code that only knows those still reports it;
    the web and the CLI answer it as the server's limit, not a bad request.
    """

    def __init__(self, message: str, budget: float):
        super().__init__(message, "q")
        self.budget = budget
