"""Document ids, and the one rule for two files that claim the same id."""

from __future__ import annotations

import hashlib
import re

_DOC_ID = re.compile(r"[0-9a-f]{16}")


def make_doc_id(key: str) -> str:
    """A short, URL-safe, stable document id from a canonical URL or a source path."""
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def is_doc_id(value: str) -> bool:
    return len(value) == 16 and all(c in "0123456789abcdef" for c in value)


def _taken_key(doc_id: str) -> int | str:
    """How an id claimed during a run is remembered: a made id (16 hex digits)
    as its number, 36 bytes against 65 for the string; any other id as itself."""
    return int(doc_id, 16) if _DOC_ID.fullmatch(doc_id) else doc_id


class IdClaims:
    """Which source file owns which document id.

    An id (from a canonical URL) already used by another live file falls back
    to this file's own path id, so two pages never overwrite each other.

    The owners of the ids held when the claims were made (the index's files)
    are kept; an id claimed since is only remembered as taken: in one run each
    file claims its id once, so an id claimed since is another file's to any
    later claim. A big run claims hundreds of thousands of ids, in the indexing
    process and again in each writing worker: a set of numbers holds them in
    about a third of the memory of a dict of ids to paths.
    """

    def __init__(self, owners: dict[str, str] | None = None):
        self._owner: dict[str, str] = dict(owners or {})  # doc id -> source path
        self._taken: set[int | str] = set()

    def claim(self, doc_id: str, source: str) -> str:
        """The id ``source``'s document gets: ``doc_id``, or its path id when taken."""
        if _taken_key(doc_id) in self._taken or self._owner.get(doc_id, source) != source:
            doc_id = make_doc_id(source)
        self._taken.add(_taken_key(doc_id))
        return doc_id

    def release(self, doc_id: str, source: str) -> None:
        """``source`` left the index: its id is free again."""
        if self._owner.get(doc_id) == source:
            del self._owner[doc_id]
            self._taken.discard(_taken_key(doc_id))

    def copy(self) -> IdClaims:
        copied = IdClaims(self._owner)
        copied._taken = set(self._taken)
        return copied
