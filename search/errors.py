"""Errors about the index itself (not about a request): every engine raises these."""

from __future__ import annotations


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
