"""A Whoosh query matching a precomputed set of document numbers.

Date clauses (``date:2025``, ``date:[… TO …]``) become one of these, built
from the per-generation ``day`` array: it is exact and fast, where Whoosh
2.7's tiered ``NumericRange`` returned wrong matches for some open-ended
ranges (e.g. up to 9999-12-31 matched every document).
"""

from __future__ import annotations

import numpy as np
from whoosh import matching
from whoosh.query import qcore


class DocSetQuery(qcore.Query):
    """Matches exactly ``docnums`` (global, ascending); every match scores ``score``."""

    # Every match scores the same constant (1.0 unless told): in an AND it
    # shifts all candidates alike, so it never reorders them.
    def __init__(self, docnums: np.ndarray, label: str, score: float = 1.0):
        self.docnums = np.asarray(docnums, dtype=np.int64)
        self.label = label  # for repr and equality: what the set stands for
        self.score = score
        self.boost = 1.0

    def __repr__(self) -> str:
        return f"DocSetQuery({self.label!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, DocSetQuery) and other.label == self.label

    def __hash__(self) -> int:
        return hash(("DocSetQuery", self.label))

    def is_leaf(self) -> bool:
        return True

    def field(self):
        return None

    def estimate_size(self, ixreader) -> int:
        return len(self.docnums)

    def matcher(self, searcher, context=None):
        # Whoosh asks each segment's sub-searcher for a matcher with
        # segment-local document numbers: find this segment's offset.
        offset = 0
        parent = searcher.get_parent()
        if parent is not searcher and parent.subsearchers:
            for sub, off in parent.subsearchers:
                if sub is searcher:
                    offset = off
                    break
        size = searcher.doc_count_all()
        lo, hi = np.searchsorted(self.docnums, [offset, offset + size])
        local = (self.docnums[lo:hi] - offset).tolist()
        if not local:
            return matching.NullMatcher()
        if self.score:
            return matching.ListMatcher(local, all_weights=self.score)
        # ListMatcher treats all_weights=0 as "not given" (weights of 1.0).
        return matching.ListMatcher(local, weights=[0.0] * len(local))
