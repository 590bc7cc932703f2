"""Results-over-time histogram: which buckets to draw and where.

Geometry is computed here, in plain Python, so the template only places
rectangles and the chart needs neither JavaScript nor inline styles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from search.models import Bucket, Facets

#: Up to this many months between the first and last result, draw months;
#: beyond it a month bar gets too thin to click, so draw years.
MAX_MONTHS = 36

# Coordinates are percentages of the SVG's box rather than a viewBox: the
# chart stretches to any width while its text keeps its size and shape.
WIDTH = 100.0
HEIGHT = 84.0  # the bars' area; the rest, below the axis, holds the labels
LABEL_Y = 97.0
GAP_RATIO = 0.2

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Bar:
    period: str  # "2024" or "2024-05"
    label: str  # "2024" or "May 2024"
    short_label: str | None  # drawn under the axis; None to keep labels legible
    count: int
    href: str | None  # None for empty periods: nothing to link to
    x: float
    y: float
    width: float
    height: float

    @property
    def aria_label(self) -> str:
        noun = "article" if self.count == 1 else "articles"
        return f"{self.label}: {self.count} {noun}"

    first: bool = False

    @property
    def label_anchor(self) -> str:
        # A centred label under the first bar would hang off the left edge.
        return "start" if self.first else "middle"

    @property
    def label_x(self) -> float:
        return self.x if self.first else self.x + self.width / 2


@dataclass(frozen=True)
class Histogram:
    unit: str  # "year" or "month"
    bars: list[Bar]
    undated: int
    baseline: float = HEIGHT
    label_y: float = LABEL_Y

    @property
    def title(self) -> str:
        return f"Results per {self.unit}"


def _month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def _month_period(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _periods(buckets: list[Bucket], unit: str) -> list[str]:
    """Every period from the first to the last bucket, gaps included.

    Empty periods are drawn as gaps so the horizontal axis stays proportional
    to time.
    """
    dated = [b.value for b in buckets if b.value]
    if not dated:
        return []
    if unit == "year":
        first, last = min(int(v) for v in dated), max(int(v) for v in dated)
        return [f"{y:04d}" for y in range(first, last + 1)]
    first, last = min(map(_month_index, dated)), max(map(_month_index, dated))
    return [_month_period(i) for i in range(first, last + 1)]


def _choose_unit(facets: Facets) -> str:
    months = [b.value for b in facets.month if b.value]
    if months:
        span = max(map(_month_index, months)) - min(map(_month_index, months)) + 1
        if span <= MAX_MONTHS:
            return "month"
    return "year"


def _label(period: str) -> str:
    if len(period) == 4:
        return period
    year, month = period.split("-")
    return f"{_MONTHS[int(month) - 1]} {year}"


def _short_label(period: str, position: int, count: int) -> str | None:
    if len(period) == 4:
        # Years: label all when few, else every few so they do not overlap.
        step = 1 if count <= 12 else (count + 11) // 12
        return period if position % step == 0 else None
    year, month = period.split("-")
    if count <= 12:
        return _MONTHS[int(month) - 1]
    # Long month runs: each January (and the first bar) carries its year,
    # quarters their month, so the axis reads without crowding.
    if month == "01" or position == 0:
        return f"{_MONTHS[int(month) - 1]} {year}"
    return _MONTHS[int(month) - 1] if month in {"04", "07", "10"} else None


def build_histogram(facets: Facets, link: Callable[[str], str]) -> Histogram | None:
    """The chart for these facets, or None when no result has a date.

    ``link(period)`` returns the URL that narrows the search to that period.
    """
    unit = _choose_unit(facets)
    buckets = facets.month if unit == "month" else facets.year
    counts = {b.value: b.count for b in buckets if b.value}
    periods = _periods(buckets, unit)
    if not periods:
        return None
    undated = sum(b.count for b in facets.year if b.value is None)
    peak = max(counts.values(), default=0) or 1
    slot = WIDTH / len(periods)
    bar_width = slot * (1 - GAP_RATIO)
    bars = []
    for i, period in enumerate(periods):
        count = counts.get(period, 0)
        # A non-empty bar is at least 1.5% tall so a single article shows.
        height = max(HEIGHT * count / peak, 1.5) if count else 0.0
        bars.append(Bar(
            period=period,
            label=_label(period),
            short_label=_short_label(period, i, len(periods)),
            count=count,
            href=link(period) if count else None,
            x=round(i * slot + (slot - bar_width) / 2, 3),
            y=round(HEIGHT - height, 3),
            width=round(bar_width, 3),
            height=round(height, 3),
            first=i == 0,
        ))
    return Histogram(unit=unit, bars=bars, undated=undated)
