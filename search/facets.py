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

A new facet: its class (or an instance of an existing kind) in ``FACETS``
and its list in ``search.models.Facets``; the engine counts the field it names.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from .models import Bucket, FacetCounter, Facets, FacetValue, PeriodCounts, ValueCounts

#: Most values listed per facet (selected values are always listed too).
FACET_LIMIT = 50


class Facet(Protocol):
    name: str  # its list in ``Facets``

    def counts(self, counter: FacetCounter) -> Any: ...

    def records(self, counted: Any) -> list: ...


class ValueFacet:
    """Values of an indexed field (section, author), filterable by a request list."""

    def __init__(self, name: str, param: str):
        self.name = name
        self.param = param  # the SearchRequest list that selects values

    def counts(self, counter: FacetCounter) -> ValueCounts:
        return counter.values(self.name, own_selection=False, limit=FACET_LIMIT)

    def records(self, counted: ValueCounts) -> list[FacetValue]:
        chosen = {v: c for pairs in counted.selected.values() for v, c in pairs}
        out = [FacetValue(v, c, v in chosen) for v, c in counted.top]
        listed = {v for v, _ in counted.top}
        out += [FacetValue(v, chosen[v], True) for v in sorted(chosen) if v not in listed]
        # A requested value the index does not know still shows as selected.
        out += [FacetValue(wanted, 0, True) for wanted, pairs in counted.selected.items() if not pairs]
        return out


class _Histogram:
    """Counts per period in date order, gaps filled with zeros, then the undated."""

    name = ""

    def counts(self, counter: FacetCounter) -> PeriodCounts:
        return counter.periods(self.name)

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
    ValueFacet("section", "sections"),
    ValueFacet("author", "authors"),
    YearHistogram(),
    MonthHistogram(),
)

#: Request lists that filter a value field: field -> SearchRequest attribute.
VALUE_FILTERS = {f.name: f.param for f in FACETS if isinstance(f, ValueFacet)}


def _timed(facet: Facet, counter: FacetCounter) -> tuple[list, float]:
    started = time.perf_counter()
    records = facet.records(facet.counts(counter))
    return records, time.perf_counter() - started


class FacetRunner:
    """Runs the facets side by side, each within ``time_limit`` seconds.

    Each facet runs in a thread of a small pool, so a slow one is cut off (its
    page is answered without it, the facet named in ``Facets.timed_out`` and
    in a warning) instead of holding up the page. The limit counts from when
    the facets were handed to the pool; a facet that finished but took longer
    than the limit counts as timed out too, so the outcome does not depend on
    when its result was looked at.
    """

    #: Threads per service: a few requests' facets at once (web workers run 4 threads).
    WORKERS = 16

    def __init__(self, time_limit: float, facets: tuple[Facet, ...] = FACETS):
        self.time_limit = time_limit
        self.facets = facets
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.WORKERS, thread_name_prefix="facets")
            return self._pool

    def run(self, counter: FacetCounter) -> tuple[Facets, list[str]]:
        pool = self._executor()
        started = time.perf_counter()
        jobs: list[tuple[Facet, Future]] = [(f, pool.submit(_timed, f, counter)) for f in self.facets]
        found = Facets()
        for facet, job in jobs:
            remaining = started + self.time_limit - time.perf_counter()
            try:
                records, took = job.result(timeout=max(remaining, 0.0))
            except TimeoutError:
                job.cancel()  # not started yet: never start it
                found.timed_out.append(facet.name)
                continue
            if took > self.time_limit:
                found.timed_out.append(facet.name)
                continue
            setattr(found, facet.name, records)
        warnings = []
        if found.timed_out:
            warnings.append(f"facets not computed in time ({self.time_limit:g}s limit): "
                            f"{', '.join(found.timed_out)}")
        return found, warnings

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
