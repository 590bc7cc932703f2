"""The stamps (``search.stamps``) of the articles a live index holds, for a writer session.

A session stamps each article it adds from the stamp its id had (kept first
``indexed_at``; ``changed_at`` moved only when the content changed), also in
a rebuild, which writes a new index beside the live one. Read from three
columns at the start of the session, and kept as sorted numpy arrays (about
40 bytes an article) rather than a dict of objects, because worker processes
inherit it and a 540k-article archive would otherwise cost hundreds of MB.
"""

from __future__ import annotations

import numpy as np

from search.stamps import Stamp

from .doctable import _column  # the fast whole-column reader
from .schema import decode_identity

_NONE = np.zeros(0, dtype="S16")


class History:
    def __init__(self, ids: np.ndarray, indexed: np.ndarray, changed: np.ndarray,
                 fingerprints: np.ndarray):
        order = np.argsort(ids, kind="stable")
        self._ids = ids[order]
        self._indexed = indexed[order]
        self._changed = changed[order]
        self._fingerprints = fingerprints[order]

    @classmethod
    def empty(cls) -> History:
        return cls(_NONE, np.zeros(0, np.int64), np.zeros(0, np.int64), _NONE)

    @classmethod
    def read(cls, reader) -> History:
        """The live documents' stamps; empty when the index predates them."""
        schema = reader.schema
        if reader.doc_count_all() == 0 or "indexed_at" not in schema or "file_state" not in schema:
            return cls.empty()
        size = reader.doc_count_all()
        live = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
        indexed = np.asarray(_column(reader, "indexed_at", size, 0), dtype=np.int64)[live]
        changed = np.asarray(_column(reader, "changed_at", size, 0), dtype=np.int64)[live]
        column = reader.column_reader("file_state")
        identities = [decode_identity(column[int(d)]) for d in live]
        ids = np.array([i.encode("ascii", "replace") for i, _ in identities], dtype="S16")
        prints = np.array([f.encode("ascii", "replace") for _, f in identities], dtype="S16")
        known = indexed > 0
        return cls(ids[known], indexed[known], changed[known], prints[known])

    def __len__(self) -> int:
        return len(self._ids)

    def get(self, doc_id: str) -> Stamp | None:
        key = doc_id.encode("ascii", "replace")
        at = int(np.searchsorted(self._ids, key))
        if at >= len(self._ids) or self._ids[at] != key:
            return None
        return Stamp(int(self._indexed[at]), int(self._changed[at]),
                     self._fingerprints[at].decode("ascii"))
