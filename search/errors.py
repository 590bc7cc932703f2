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
