"""Facets and date histograms, counted with numpy over whole match sets.

Each facet is one small class with two methods (the Datasette model):
``counts(...)`` does the arithmetic over a boolean mask of matching documents,
``records(...)`` turns counts into plain records. :func:`compute` runs them
under a time budget so one slow facet cannot sink a page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .doctable import DocTable, Vocabulary
from .models import Bucket, FacetValue, Facets

#: Most values listed per facet (selected values are always listed too).
FACET_LIMIT = 50


@dataclass
class Selection:
    """Requested facet values and their ordinals in the generation's vocabulary."""

    requested: list[str] = field(default_factory=list)
    ordinals: dict[str, list[int]] = field(default_factory=dict)

    def all_ordinals(self) -> list[int]:
        return sorted({o for ords in self.ordinals.values() for o in ords})


class _ValueFacet:
    """A facet over a vocabulary of values, listing the most frequent first."""

    name = ""

    def __init__(self, table: DocTable, selection: Selection, limit: int = FACET_LIMIT):
        self.table = table
        self.selection = selection
        self.limit = limit

    @property
    def vocabulary(self) -> Vocabulary:
        raise NotImplementedError

    def counts(self, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def records(self, counts: np.ndarray) -> list[FacetValue]:
        values = self.vocabulary.values
        chosen = set(self.selection.all_ordinals())
        nonzero = np.flatnonzero(counts)
        # Most frequent first; equal counts alphabetically (values are sorted,
        # so ordinal order is alphabetical order).
        order = nonzero[np.lexsort((nonzero, -counts[nonzero]))]
        listed = [int(o) for o in order[: self.limit]]
        listed += [o for o in sorted(chosen) if o not in listed]
        out = [FacetValue(values[o], int(counts[o]), o in chosen) for o in listed]
        # A requested value the index does not know still shows as selected.
        for wanted, ords in self.selection.ordinals.items():
            if not ords:
                out.append(FacetValue(wanted, 0, True))
        return out


class SectionFacet(_ValueFacet):
    name = "section"

    @property
    def vocabulary(self) -> Vocabulary:
        return self.table.sections

    def counts(self, mask: np.ndarray) -> np.ndarray:
        n = len(self.table.sections.values)
        ords = self.table.section[mask]
        return np.bincount(ords[ords >= 0], minlength=n)[:n] if n else np.zeros(0, dtype=np.int64)


class AuthorFacet(_ValueFacet):
    name = "author"

    @property
    def vocabulary(self) -> Vocabulary:
        return self.table.authors

    def counts(self, mask: np.ndarray) -> np.ndarray:
        n = len(self.table.authors.values)
        if not n:
            return np.zeros(0, dtype=np.int64)
        hit = mask[self.table.author_doc]
        return np.bincount(self.table.author_ord[hit], minlength=n)


class _Histogram:
    """Counts per period in date order, gaps filled with zeros, then the undated."""

    name = ""

    def __init__(self, table: DocTable):
        self.table = table

    def periods(self) -> np.ndarray:
        raise NotImplementedError

    def label(self, period: int) -> str:
        raise NotImplementedError

    def span(self, first: int, last: int) -> list[int]:
        raise NotImplementedError

    def counts(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        periods = self.periods()[mask]
        dated = periods[periods != 0]
        values, counts = np.unique(dated, return_counts=True)
        return values, counts, int(len(periods) - len(dated))

    def records(self, counted: tuple[np.ndarray, np.ndarray, int]) -> list[Bucket]:
        values, counts, undated = counted
        out: list[Bucket] = []
        if len(values):
            by_period = dict(zip(values.tolist(), counts.tolist()))
            out = [Bucket(self.label(p), by_period.get(p, 0))
                   for p in self.span(int(values[0]), int(values[-1]))]
        out.append(Bucket(None, undated))
        return out


class YearHistogram(_Histogram):
    name = "year"

    def periods(self) -> np.ndarray:
        return self.table.year

    def label(self, period: int) -> str:
        return f"{period:04d}"

    def span(self, first: int, last: int) -> list[int]:
        return list(range(first, last + 1))


class MonthHistogram(_Histogram):
    name = "month"

    def periods(self) -> np.ndarray:
        return self.table.month

    def label(self, period: int) -> str:
        return f"{period // 100:04d}-{period % 100:02d}"

    def span(self, first: int, last: int) -> list[int]:
        out = []
        y, m = divmod(first, 100)
        while y * 100 + m <= last:
            out.append(y * 100 + m)
            m += 1
            if m > 12:
                y, m = y + 1, 1
        return out


@dataclass
class FacetMasks:
    """Match masks: the full one, and the ones that leave out one facet's own selection."""

    matches: np.ndarray
    without_section: np.ndarray
    without_author: np.ndarray


def compute(table: DocTable, masks: FacetMasks, sections: Selection, authors: Selection,
            time_limit: float) -> tuple[Facets, list[str]]:
    """All facets within ``time_limit`` seconds; the ones not reached are left empty."""
    deadline = time.perf_counter() + time_limit
    facets = Facets()
    skipped: list[str] = []
    jobs = [
        ("section", lambda: (f := SectionFacet(table, sections)).records(f.counts(masks.without_section))),
        ("author", lambda: (f := AuthorFacet(table, authors)).records(f.counts(masks.without_author))),
        ("year", lambda: (h := YearHistogram(table)).records(h.counts(masks.matches))),
        ("month", lambda: (h := MonthHistogram(table)).records(h.counts(masks.matches))),
    ]
    for name, job in jobs:
        if time.perf_counter() > deadline:
            skipped.append(name)
            continue
        setattr(facets, name, job())
    warnings = []
    if skipped:
        warnings.append(f"facets not computed in time ({time_limit:g}s limit): {', '.join(skipped)}")
    return facets, warnings
