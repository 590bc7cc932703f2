"""Document ids by document number and back, for whole result sets (exports, saved sets).

Whoosh keeps ids in stored fields, which cost an unpickling per document;
the ``file_state`` column holds them too, and reading it once per index
generation gives every id at once (16 bytes an article).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .schema import decode_identity


class IdIndex:
    def __init__(self, ids: np.ndarray, live: np.ndarray):
        self.ids = ids  # S16 per docnum (b"" for deleted documents)
        docnums = np.flatnonzero(live & (ids != b""))
        self._order = docnums[np.argsort(ids[docnums], kind="stable")]
        self._sorted = ids[self._order]

    @classmethod
    def build(cls, reader, live: np.ndarray) -> IdIndex:
        size = reader.doc_count_all()
        ids = np.zeros(size, dtype="S16")
        if size and "file_state" in reader.schema:
            column = reader.column_reader("file_state")
            for docnum in np.flatnonzero(live).tolist():
                ids[docnum] = decode_identity(column[docnum])[0].encode("ascii", "replace")
        return cls(ids, live)

    def id_of(self, docnum: int) -> str:
        return self.ids[docnum].decode("ascii")

    def docnums(self, ids: Sequence[str]) -> np.ndarray:
        """The live document number of each id, -1 for an id the index does not hold."""
        if len(self._sorted) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        keys = np.array([i.encode("ascii", "replace") for i in ids], dtype="S16")
        at = np.searchsorted(self._sorted, keys)
        inside = at < len(self._sorted)
        found = np.zeros(len(keys), dtype=bool)
        found[inside] = self._sorted[at[inside]] == keys[inside]
        # An id longer than 16 characters was cut by the S16 array: never ours.
        found &= np.array([len(i) <= 16 for i in ids], dtype=bool)
        return np.where(found, self._order[np.minimum(at, len(self._order) - 1)], -1)
