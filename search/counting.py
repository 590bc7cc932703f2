"""What an engine counts over one search's matches for the facets: the protocol
the service's facets (``search.facets``) ask, and the plain records it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass
class ValueCounts:
    """What an engine counted for a value facet."""

    top: list[tuple[str, int]]  # (value, count): most frequent first, equal counts by value; no zeros
    selected: dict[str, list[tuple[str, int]]]  # each requested value -> the values it selected
    missing: int = 0  # matches without any value (when asked for: ``values(missing=True)``)


@dataclass
class PeriodCounts:
    """What an engine counted for a date histogram."""

    periods: list[tuple[int, int]]  # (period, count) ascending, only periods with matches
    undated: int  # matches without a date


class FacetTimeout(Exception):
    """A facet's counting went past its deadline."""


class FacetCounter(Protocol):
    """An engine's counting over one search's matches (see ``Answer.counts``).

    ``deadline`` is a ``time.perf_counter()`` value: past it, the engine stops
    counting and raises :class:`FacetTimeout`.
    """

    def values(self, field: str, *, own_selection: bool, limit: int, deadline: float,
               missing: bool = False) -> ValueCounts:
        """The ``limit`` most frequent values of ``field``, and the selected ones;
        counted with or without the request's selection on ``field`` itself;
        with ``missing``, also the matches without a value (``ValueCounts.missing``)."""

    def words(self, groups: list[tuple[str, ...]], *, deadline: float) -> list[int]:
        """Of the matches, how many contain every word of each group (lower-cased,
        as the exact-spelling fields index them), each in their title or body."""

    def surfaces(self, *, limit: int, deadline: float) -> list[dict[str, list[str]]]:
        """The matched words (see ``Answer.surfaces``) of the first ``limit`` matches
        in the request's order, for finding the spellings of the query's words."""

    def periods(self, unit: str, *, deadline: float) -> PeriodCounts:
        """Matches per ``unit``: "year" (period YYYY) or "month" (YYYYMM)."""
