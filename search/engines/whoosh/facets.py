"""Filtering and facet counting with numpy over one search's match mask.

The meaning of filters and facets (several values OR-ed, a value facet
counted without its own selection, the no-date bucket) is the product's
(:mod:`search.facets`); this module does the arithmetic on the generation's
columns (:class:`.doctable.DocTable`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.models import PeriodCounts, ValueCounts
from search.models import ValidRequest

from .doctable import DocTable, Vocabulary


class _Sections:
    """One section per document (``DocTable.section``: ordinal, -1 for none)."""

    def vocabulary(self, table: DocTable) -> Vocabulary:
        return table.sections

    def mask(self, table: DocTable, ordinals: list[int]) -> np.ndarray:
        return table.section_mask(ordinals)

    def counts(self, table: DocTable, mask: np.ndarray) -> np.ndarray:
        n = len(table.sections.values)
        ords = table.section[mask]
        return np.bincount(ords[ords >= 0], minlength=n)[:n] if n else np.zeros(0, dtype=np.int64)


class _Authors:
    """Any number of authors per document (``DocTable.author_doc/author_ord`` pairs)."""

    def vocabulary(self, table: DocTable) -> Vocabulary:
        return table.authors

    def mask(self, table: DocTable, ordinals: list[int]) -> np.ndarray:
        return table.author_mask(ordinals)

    def counts(self, table: DocTable, mask: np.ndarray) -> np.ndarray:
        n = len(table.authors.values)
        if not n:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(table.author_ord[mask[table.author_doc]], minlength=n)


#: The value fields that can be filtered and counted.
VALUE_COLUMNS = {"section": _Sections(), "author": _Authors()}
#: The date histograms' periods: unit -> DocTable column (YYYY, YYYYMM; 0 = no date).
PERIODS = {"year": "year", "month": "month"}


@dataclass
class Filtered:
    """One search's matches, and its matches without each value filter."""

    matches: np.ndarray
    _without: dict[str, np.ndarray]
    selected: dict[str, dict[str, list[int]]]  # field -> requested value -> ordinals

    @classmethod
    def build(cls, table: DocTable, text_mask: np.ndarray, request: ValidRequest) -> Filtered:
        selected = {field: VALUE_COLUMNS[field].vocabulary(table).ordinals(values)
                    for field, values in request.filters.items()}
        masks = {field: VALUE_COLUMNS[field].mask(table, sorted({o for ords in chosen.values() for o in ords}))
                 for field, chosen in selected.items()}
        base = text_mask
        if request.days is not None:
            base = text_mask & table.day_mask(request.days.lo, request.days.hi)
        without = {}
        for field in masks:
            others = [m for f, m in masks.items() if f != field]
            without[field] = _all(base, others)
        return cls(_all(base, list(masks.values())), without, selected)

    def without(self, field: str) -> np.ndarray:
        """The matches as if ``field`` had no filter."""
        return self._without.get(field, self.matches)


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

    def values(self, field: str, *, own_selection: bool, limit: int) -> ValueCounts:
        column = VALUE_COLUMNS[field]
        values = column.vocabulary(self.table).values
        mask = self.filtered.matches if own_selection else self.filtered.without(field)
        counts = column.counts(self.table, mask)
        nonzero = np.flatnonzero(counts)
        # Most frequent first; equal counts alphabetically (values are sorted,
        # so ordinal order is alphabetical order).
        order = nonzero[np.lexsort((nonzero, -counts[nonzero]))][:limit].tolist()
        selected = {wanted: [(values[o], int(counts[o])) for o in ords]
                    for wanted, ords in self.filtered.selected.get(field, {}).items()}
        return ValueCounts([(values[o], int(counts[o])) for o in order], selected)

    def periods(self, unit: str) -> PeriodCounts:
        periods = getattr(self.table, PERIODS[unit])[self.filtered.matches]
        dated = periods[periods != 0]
        values, counts = np.unique(dated, return_counts=True)
        return PeriodCounts(list(zip(values.tolist(), counts.tolist())), int(len(periods) - len(dated)))
