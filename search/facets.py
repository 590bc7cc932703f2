"""Facets: what each one means, and running each within its own time limit.

Each facet kind is one small class with two methods (the Datasette model):
``counts(counter)`` asks the engine for the numbers, ``records(counted)``
turns them into the plain records of :class:`search.models.Facets`.

What a facet means is decided here: a value facet counts as if its own
selection were not made (the other values stay choosable, several selected
values are OR-ed), lists the most frequent values first and every selected
value even when nothing matches it; a date histogram fills the periods
between the first and the last with zeros and ends with the bucket of
articles without a date. How to count is the engine's (:class:`FacetCounter`).

Each facet has its own time limit: the engine checks the facet's deadline
as it counts and gives up past it (:class:`FacetTimeout`), and a facet that
finished late counts as timed out too, and so does one that the search's
own time budget cuts short. A facet that timed out is left empty and named
in ``Facets.timed_out``; the page is answered regardless.

A new facet: its class (or an instance of an existing kind) in ``FACETS``
and its list in ``search.models.Facets``; the engine counts the field it names.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from .counting import FacetCounter, FacetTimeout, PeriodCounts, ValueCounts
from .models import NO_DEADLINE, Bucket, Deadline, Facets, FacetValue

#: Most values listed per facet (selected values are always listed too).
FACET_LIMIT = 50
#: The section facet's bucket of articles without a section; as a requested
#: section, it selects them (engines see it in ``ValidRequest.filters``).
NO_SECTION = "(no section)"
#: Value field -> the label that selects its matches without a value.
MISSING_VALUES = {"section": NO_SECTION}


class Facet(Protocol):
    name: str  # its list in ``Facets``

    def counts(self, counter: FacetCounter, deadline: float) -> Any: ...

    def records(self, counted: Any) -> list: ...


class ValueFacet:
    """Values of an indexed field (section, author, publication), filterable by a request list.

    With ``missing`` (a label, e.g. "(no section)"), the list ends with the
    bucket of matches without a value (when there are any, or it is selected),
    so a single-valued field's counts add up to the total; that label,
    requested as a value, selects those matches.
    """

    def __init__(self, name: str, param: str, missing: str | None = None):
        self.name = name
        self.param = param  # the SearchRequest list that selects values
        self.missing = missing

    def counts(self, counter: FacetCounter, deadline: float) -> ValueCounts:
        return counter.values(self.name, own_selection=False, limit=FACET_LIMIT, deadline=deadline,
                              missing=self.missing is not None)

    def records(self, counted: ValueCounts) -> list[FacetValue]:
        wanted = dict(counted.selected)
        chosen_missing = wanted.pop(self.missing, None) is not None if self.missing else False
        chosen = {v: c for pairs in wanted.values() for v, c in pairs}
        out = [FacetValue(v, c, v in chosen) for v, c in counted.top]
        listed = {v for v, _ in counted.top}
        out += [FacetValue(v, chosen[v], True) for v in sorted(chosen) if v not in listed]
        # A requested value the index does not know still shows as selected.
        out += [FacetValue(value, 0, True) for value, pairs in wanted.items() if not pairs]
        if self.missing is not None and (counted.missing or chosen_missing):
            out.append(FacetValue(self.missing, counted.missing, chosen_missing))
        return out


class _Histogram:
    """Counts per period in date order, gaps filled with zeros, then the undated."""

    name = ""

    def counts(self, counter: FacetCounter, deadline: float) -> PeriodCounts:
        return counter.periods(self.name, deadline=deadline)

    def records(self, counted: PeriodCounts) -> list[Bucket]:
        out: list[Bucket] = []
        if counted.periods:
            by_period = dict(counted.periods)
            out = [Bucket(self.label(p), by_period.get(p, 0))
                   for p in self.span(counted.periods[0][0], counted.periods[-1][0])]
        out.append(Bucket(None, counted.undated))
        return out

    def label(self, period: int) -> str:
        raise NotImplementedError

    def span(self, first: int, last: int) -> list[int]:
        raise NotImplementedError


class YearHistogram(_Histogram):
    name = "year"

    def label(self, period: int) -> str:
        return f"{period:04d}"

    def span(self, first: int, last: int) -> list[int]:
        return list(range(first, last + 1))


class MonthHistogram(_Histogram):
    name = "month"

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


#: Every facet of a search response, in the order they are listed.
FACETS: tuple[Facet, ...] = (
    ValueFacet("section", "sections", missing=NO_SECTION),
    ValueFacet("author", "authors"),
    ValueFacet("publication", "publications"),
    YearHistogram(),
    MonthHistogram(),
)

#: Request lists that filter a value field: field -> SearchRequest attribute.
VALUE_FILTERS = {f.name: f.param for f in FACETS if isinstance(f, ValueFacet)}


def compute(counter: FacetCounter, time_limit: float, search_deadline: Deadline = NO_DEADLINE,
            facets: tuple[Facet, ...] = FACETS) -> tuple[Facets, list[str]]:
    """Every facet, each within ``time_limit`` seconds of its own start and
    all before the search's own deadline (its time budget)."""
    found = Facets()
    cut_by_budget = False
    for facet in facets:
        deadline = min(time.perf_counter() + time_limit, search_deadline.at)
        try:
            records = facet.records(facet.counts(counter, deadline))
        except FacetTimeout:
            records = None
        if records is None or time.perf_counter() > deadline:  # finished late: same as cut off
            found.timed_out.append(facet.name)
            cut_by_budget = cut_by_budget or deadline == search_deadline.at
            continue
        setattr(found, facet.name, records)
    warnings = []
    if found.timed_out:
        limit = (f"the search's {search_deadline.budget:g}s time budget" if cut_by_budget
                 else f"{time_limit:g}s limit")
        warnings.append(f"facets not computed in time ({limit}): {', '.join(found.timed_out)}")
    return found, warnings
