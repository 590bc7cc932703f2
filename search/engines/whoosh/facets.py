"""Filtering and facet counting with numpy over one search's match mask.

The meaning of filters and facets (several values OR-ed, a value facet
counted without its own selection, the no-date bucket) is the product's
(:mod:`search.facets`); this module does the arithmetic on the generation's
columns (:class:`.doctable.DocTable`). Counting goes through the documents
(or author pairs) ``CHUNK`` at a time and looks at the facet's deadline
before each chunk, so a facet over a huge archive is cut off in time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
import dataclasses
from dataclasses import dataclass

import numpy as np

from search.facets import MISSING_VALUES
from search.counting import FacetTimeout, PeriodCounts, ValueCounts
from search.models import ValidRequest

from .collapse import story_mask
from .doctable import DocTable, Vocabulary


#: Documents (or author pairs) counted between two looks at the deadline:
#: one chunk is a millisecond or two of numpy work.
CHUNK = 1 << 18


def _chunks(n: int, deadline: float) -> Iterator[slice]:
    for start in range(0, n, CHUNK):
        if time.perf_counter() > deadline:
            raise FacetTimeout
        yield slice(start, min(start + CHUNK, n))


class _Single:
    """At most one value per document (``DocTable.section``, ``.publication``:
    ordinal, -1 for none); the last count is of the documents without one."""

    def __init__(self, column: str, vocabulary: str):
        self.column = column
        self.vocabulary_name = vocabulary

    def vocabulary(self, table: DocTable) -> Vocabulary:
        return getattr(table, self.vocabulary_name)

    def mask(self, table: DocTable, ordinals: list[int]) -> np.ndarray:
        return table.value_mask(self.column, ordinals)

    def counts(self, table: DocTable, filtered: Filtered, field: str | None, deadline: float) -> np.ndarray:
        """Matches (as if ``field`` had no filter) per ordinal."""
        docs = filtered.docs(field)
        n = len(self.vocabulary(table).values)
        column = getattr(table, self.column)
        total = np.zeros(n + 1, dtype=np.int64)
        for part in _chunks(len(docs), deadline):
            # Ordinal -1 (no value) counted in the extra last slot.
            total += np.bincount(column[docs[part]] + 1, minlength=n + 1)[:n + 1]
        return np.roll(total, -1)


class _Authors:
    """Any number of authors per document (``DocTable.author_doc/author_ord`` pairs)."""

    def vocabulary(self, table: DocTable) -> Vocabulary:
        return table.authors

    def mask(self, table: DocTable, ordinals: list[int]) -> np.ndarray:
        return table.author_mask(ordinals)

    def counts(self, table: DocTable, filtered: Filtered, field: str | None, deadline: float) -> np.ndarray:
        mask = filtered.without(field) if field else filtered.matches
        n = len(table.authors.values)
        total = np.zeros(n, dtype=np.int64)
        for part in _chunks(len(table.author_doc), deadline):
            total += self.count_part(table, mask, part, n)
        return total

    def count_part(self, table: DocTable, mask: np.ndarray, part: slice, n: int) -> np.ndarray:
        hit = mask[table.author_doc[part]]
        return np.bincount(table.author_ord[part][hit], minlength=n)


#: The value fields that can be filtered and counted.
VALUE_COLUMNS = {"section": _Single("section", "sections"), "author": _Authors(),
                 "publication": _Single("publication", "publications")}
#: The date histograms' periods: unit -> what divides a YYYYMM into one (YYYY, YYYYMM).
PERIODS = {"year": 100, "month": 1}


@dataclass
class Filtered:
    """One search's matches, and its matches without each value filter."""

    matches: np.ndarray
    _without: dict[str, np.ndarray]
    selected: dict[str, dict[str, list[int]]]  # field -> requested value -> ordinals
    _docs: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)

    @classmethod
    def build(cls, table: DocTable, text_mask: np.ndarray, request: ValidRequest) -> Filtered:
        selected = {field: _ordinals(table, field, values) for field, values in request.filters.items()}
        masks = {field: VALUE_COLUMNS[field].mask(table, sorted({o for ords in chosen.values() for o in ords}))
                 for field, chosen in selected.items()}
        base = text_mask
        if request.days is not None:
            base = text_mask & table.day_mask(request.days.lo, request.days.hi)
        if request.indexed_since is not None:
            base = base & (table.indexed >= request.indexed_since)
        if request.request.story is not None:
            base = base & story_mask(table, request.request.story)
        without = {}
        for field in masks:
            others = [m for f, m in masks.items() if f != field]
            without[field] = _all(base, others)
        return cls(_all(base, list(masks.values())), without, selected)

    def without(self, field: str) -> np.ndarray:
        """The matches as if ``field`` had no filter."""
        return self._without.get(field, self.matches)

    def docs(self, field: str | None = None) -> np.ndarray:
        """The document numbers of ``matches`` (of ``without(field)``), ascending,
        found once per search: gathering a column at them is several times
        faster than masking it with a half-full boolean array."""
        key = field if field in self._without else ""
        docs = self._docs.get(key)
        if docs is None:
            docs = self._docs[key] = np.flatnonzero(self.without(field) if key else self.matches)
            docs.setflags(write=False)  # shared by the search's steps
        return docs


def _ordinals(table: DocTable, field: str, values: list[str]) -> dict[str, list[int]]:
    """Each requested value of ``field`` -> the ordinals it selects (-1: no value)."""
    label = MISSING_VALUES.get(field)
    out = VALUE_COLUMNS[field].vocabulary(table).ordinals([v for v in values if v != label])
    if label in values:
        out[label] = [-1]
    return out


def _all(base: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
    out = base
    for m in masks:
        out = out & m
    return out


class TableCounter:
    """:class:`search.facets.FacetCounter` over a generation's columns."""

    def __init__(self, table: DocTable, filtered: Filtered):
        self.table = table
        self.filtered = filtered
        self._months: np.ndarray | None = None

    def values(self, field: str, *, own_selection: bool, limit: int, deadline: float,
               missing: bool = False) -> ValueCounts:
        column = VALUE_COLUMNS[field]
        values = column.vocabulary(self.table).values
        counts = column.counts(self.table, self.filtered, None if own_selection else field, deadline)
        # A single-valued column's count of documents without a value comes last
        # (index -1, which is also how a selected ordinal -1 reads it).
        without = int(counts[-1]) if len(counts) > len(values) else 0
        counts = counts[:len(values)] if len(counts) > len(values) else counts
        nonzero = np.flatnonzero(counts)
        # Most frequent first; equal counts alphabetically (values are sorted,
        # so ordinal order is alphabetical order).
        order = nonzero[np.lexsort((nonzero, -counts[nonzero]))][:limit].tolist()
        selected = {wanted: [(values[o], int(counts[o])) if o >= 0 else (wanted, without) for o in ords]
                    for wanted, ords in self.filtered.selected.get(field, {}).items()}
        return ValueCounts([(values[o], int(counts[o])) for o in order], selected, without if missing else 0)

    def periods(self, unit: str, *, deadline: float) -> PeriodCounts:
        values = self.table.month_values
        counts = self._month_counts(deadline)
        dated = (values != 0) & (counts > 0)
        # Months (YYYYMM) add up into years (YYYY): a few hundred numbers.
        periods, at = np.unique(values[dated] // PERIODS[unit], return_inverse=True)
        summed = np.bincount(at, weights=counts[dated], minlength=len(periods)).astype(np.int64)
        return PeriodCounts(list(zip(periods.tolist(), summed.tolist())), int(counts[values == 0].sum()))

    def _month_counts(self, deadline: float) -> np.ndarray:
        """Matches per month ordinal (``DocTable.month_values``), counted once
        per search: the year histogram adds up the month one's counts."""
        if self._months is None:
            codes, docs = self.table.month_code, self.filtered.docs()
            counts = np.zeros(len(self.table.month_values), dtype=np.int64)
            for part in _chunks(len(docs), deadline):
                counts += np.bincount(codes[docs[part]], minlength=len(counts))
            self._months = counts
        return self._months
