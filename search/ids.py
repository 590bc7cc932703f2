"""Document ids, and the one rule for two files that claim the same id."""

from __future__ import annotations

import hashlib


def make_doc_id(key: str) -> str:
    """A short, URL-safe, stable document id from a canonical URL or a source path."""
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def is_doc_id(value: str) -> bool:
    return len(value) == 16 and all(c in "0123456789abcdef" for c in value)


class IdClaims:
    """Which source file owns which document id.

    An id (from a canonical URL) already used by another live file falls back
    to this file's own path id, so two pages never overwrite each other.
    """

    def __init__(self, owners: dict[str, str] | None = None):
        self._owner: dict[str, str] = dict(owners or {})  # doc id -> source path

    def claim(self, doc_id: str, source: str) -> str:
        """The id ``source``'s document gets: ``doc_id``, or its path id when taken."""
        if self._owner.get(doc_id, source) != source:
            doc_id = make_doc_id(source)
        self._owner[doc_id] = source
        return doc_id

    def release(self, doc_id: str, source: str) -> None:
        """``source`` left the index: its id is free again."""
        if self._owner.get(doc_id) == source:
            del self._owner[doc_id]

    def copy(self) -> IdClaims:
        return IdClaims(self._owner)
