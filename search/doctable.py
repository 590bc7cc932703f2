"""Per-generation numpy columns: one entry per Whoosh document number.

Facets, histograms, filters and date sorting all work on whole match sets;
reading stored fields per matching article would cost milliseconds per
thousand hits. These arrays are built once per index generation from the
column readers and shared (read-only) by every thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import fold
from .schema import AUTHOR_SEP, NO_DATE


@dataclass
class Vocabulary:
    """Distinct values of a facet column, with ordinals into ``values``."""

    values: list[str]
    by_fold: dict[str, list[int]]  # folded value -> ordinals, for lenient selection

    @classmethod
    def of(cls, values: list[str]) -> "Vocabulary":
        by_fold: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            by_fold.setdefault(fold(v.strip()), []).append(i)
        return cls(values, by_fold)

    def ordinals(self, wanted: list[str]) -> dict[str, list[int]]:
        """Each requested value -> matching ordinals (exact spelling first, then folded)."""
        out: dict[str, list[int]] = {}
        exact = {v: i for i, v in enumerate(self.values)}
        for w in wanted:
            if w in exact:
                out[w] = [exact[w]]
            else:
                out[w] = self.by_fold.get(fold(w.strip()), [])
        return out


@dataclass
class DocTable:
    size: int  # doc_count_all: deleted documents included (masked by ``live``)
    live: np.ndarray  # bool
    section: np.ndarray  # int32 ordinal into sections.values, -1 = none
    sections: Vocabulary
    author_doc: np.ndarray  # int32: docnum of each (document, author) pair
    author_ord: np.ndarray  # int32: author ordinal of each pair
    authors: Vocabulary
    day: np.ndarray  # int32 YYYYMMDD, NO_DATE = 0
    published: np.ndarray  # int64 epoch seconds (meaningless where day == NO_DATE)
    year: np.ndarray  # int32 year or 0
    month: np.ndarray  # int32 YYYYMM or 0

    @classmethod
    def build(cls, reader) -> "DocTable":
        size = reader.doc_count_all()
        live = np.ones(size, dtype=bool)
        if reader.has_deletions():
            for d in range(size):
                if reader.is_deleted(d):
                    live[d] = False
        sections_raw = _column(reader, "section_facet", size, "")
        authors_raw = _column(reader, "author_facet", size, "")
        day = np.asarray(_column(reader, "day", size, NO_DATE), dtype=np.int64).astype(np.int32)
        published = np.asarray(_column(reader, "published", size, NO_DATE), dtype=np.int64)

        sec_values = sorted({s for s in sections_raw if s})
        sec_index = {v: i for i, v in enumerate(sec_values)}
        section = np.fromiter((sec_index.get(s, -1) for s in sections_raw), dtype=np.int32, count=size)

        auth_lists = [[a for a in raw.split(AUTHOR_SEP) if a] if raw else [] for raw in authors_raw]
        auth_values = sorted({a for lst in auth_lists for a in lst})
        auth_index = {v: i for i, v in enumerate(auth_values)}
        pairs_doc = [d for d, lst in enumerate(auth_lists) for _ in dict.fromkeys(lst)]
        pairs_ord = [auth_index[a] for lst in auth_lists for a in dict.fromkeys(lst)]

        return cls(
            size=size,
            live=live,
            section=section,
            sections=Vocabulary.of(sec_values),
            author_doc=np.asarray(pairs_doc, dtype=np.int32),
            author_ord=np.asarray(pairs_ord, dtype=np.int32),
            authors=Vocabulary.of(auth_values),
            day=day,
            published=published,
            year=(day // 10_000).astype(np.int32),
            month=(day // 100).astype(np.int32),
        )

    # --- filters ---------------------------------------------------------

    def section_mask(self, ordinals: list[int]) -> np.ndarray:
        return np.isin(self.section, np.asarray(ordinals, dtype=np.int32))

    def author_mask(self, ordinals: list[int]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        chosen = np.isin(self.author_ord, np.asarray(ordinals, dtype=np.int32))
        mask[self.author_doc[chosen]] = True
        return mask

    def day_mask(self, lo: int, hi: int) -> np.ndarray:
        return (self.day >= lo) & (self.day <= hi) & (self.day != NO_DATE)

    def dated_between(self, lo: int, hi: int) -> np.ndarray:
        """Ascending live document numbers dated lo..hi (inclusive YYYYMMDD)."""
        return np.flatnonzero(self.day_mask(lo, hi) & self.live)

    # --- ordering --------------------------------------------------------

    def date_order(self, docnums: np.ndarray, newest: bool, limit: int) -> np.ndarray:
        """The first ``limit`` of ``docnums`` (ascending) by date; undated last, ties by docnum."""
        if len(docnums) == 0:
            return docnums
        stamps = self.published[docnums]
        key = -stamps if newest else stamps.copy()
        key[self.day[docnums] == NO_DATE] = np.iinfo(np.int64).max
        if limit < len(docnums):
            part = np.argpartition(key, limit - 1)[:limit]
            # argpartition is not stable: re-sort the chosen few by (key, docnum).
            order = part[np.lexsort((docnums[part], key[part]))]
            # Ties at the cut-off may have been chosen arbitrarily: widen to
            # every document sharing the cut-off key, then cut again.
            cut = key[order[-1]]
            tied = np.flatnonzero(key == cut)
            if len(tied) > 1:
                pool = np.union1d(order, tied)
                order = pool[np.lexsort((docnums[pool], key[pool]))][:limit]
            return docnums[order]
        order = np.lexsort((docnums, key))
        return docnums[order]


def _column(reader, fieldname: str, size: int, default):
    """Values of a sortable column for every document of every segment."""
    values: list = [default] * size
    for sub, offset in reader.leaf_readers():
        n = sub.doc_count_all()
        if sub.has_column(fieldname):
            col = sub.column_reader(fieldname)
            values[offset:offset + n] = list(col)[:n]
        # else: a segment without the column has no document carrying a
        # value for it (Whoosh writes a column as soon as one does).
    return values
