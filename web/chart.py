"""Results-over-time histogram: which buckets to draw and where.

Geometry is computed here, in plain Python, so the template only places
rectangles and text and the chart needs no inline styles. Labels under the
axis are ranked (the first bar, with its year, before year starts, before
quarters, before the rest) and thinned here for a phone-sized chart; the
page's script thins them again for the width it really has, by the same
ranks, measuring the drawn text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from search.models import Bucket, Facets

UNITS = ("year", "month")
#: Up to this many months between the first and last result, draw months;
#: beyond it a month bar gets too thin to click, so draw years (unless asked).
MAX_MONTHS = 36

# Coordinates are percentages of the SVG's box rather than a viewBox: the
# chart stretches to any width while its text keeps its size and shape.
WIDTH = 100.0
HEIGHT = 84.0  # the bars' area; the rest, below the axis, holds the labels
LABEL_Y = 97.0
GAP_RATIO = 0.2
#: Fewer periods than this are drawn as narrow bars in the middle, not as
#: slabs across the whole width (one period is one bar, not a block).
MIN_SLOTS = 8
#: The narrowest chart (px) the server's own thinning keeps legible, and
#: what a label's text is taken to need (px per character, and between labels).
ASSUMED_WIDTH_PX = 300
CHAR_PX = 7.0
LABEL_GAP_PX = 8.0

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Bar:
    period: str  # "2024" or "2024-05"
    label: str  # "2024" or "May 2024"
    short_label: str  # drawn under the axis when there is room for it
    rank: int  # 0 goes first when labels are thinned (see module docstring)
    count: int
    href: str | None  # None for empty periods: nothing to link to
    x: float
    y: float
    width: float
    height: float
    label_anchor: str = "middle"
    shown: bool = True  # the label is kept at ASSUMED_WIDTH_PX

    @property
    def aria_label(self) -> str:
        noun = "article" if self.count == 1 else "articles"
        return f"{self.label}: {self.count:,} {noun}"

    @property
    def label_x(self) -> float:
        return {"start": self.x, "end": self.x + self.width}.get(self.label_anchor, self.x + self.width / 2)


@dataclass(frozen=True)
class Tick:
    """A line of the count scale, at ``y`` percent, labelled ``count``."""

    count: int
    y: float


@dataclass(frozen=True)
class Histogram:
    unit: str  # "year" or "month"
    bars: list[Bar]
    undated: int
    ticks: list[Tick]
    switch: dict[str, str]  # other unit -> the URL that draws the chart in it
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


def _short_label(period: str, position: int) -> tuple[str, int]:
    """(the label under the axis, its rank): years rank by roundness; months
    carry their year on the first bar and each January."""
    if len(period) == 4:
        year = int(period)
        rank = 0 if position == 0 else 1 if year % 10 == 0 else 2 if year % 5 == 0 else 3 if year % 2 == 0 else 4
        return period, rank
    year, month = period.split("-")
    name = _MONTHS[int(month) - 1]
    if position == 0 or month == "01":
        return f"{name} {year}", 0 if position == 0 else 1
    return name, 2 if month == "07" else 3 if month in {"04", "10"} else 4


def _thin(spans: list[tuple[float, float]], ranks: list[int]) -> list[bool]:
    """Which labels to keep so that none overlaps another: best rank first."""
    kept: list[tuple[float, float]] = []
    shown = [False] * len(spans)
    for i in sorted(range(len(spans)), key=lambda i: (ranks[i], i)):
        lo, hi = spans[i]
        if all(hi + LABEL_GAP_PX <= a or lo >= b + LABEL_GAP_PX for a, b in kept):
            kept.append(spans[i])
            shown[i] = True
    return shown


def _ticks(peak: int) -> tuple[int, list[Tick]]:
    """(the count at the top of the scale, the scale's lines): a step of 1, 2 or
    5 times a power of ten, at most four lines above the axis."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if math.ceil(peak / step) <= 4:
                top = math.ceil(peak / step) * step
                return top, [Tick(n, round(HEIGHT - HEIGHT * n / top, 3)) for n in range(step, top + 1, step)]
        magnitude *= 10


def build_histogram(facets: Facets, link: Callable[[str], str], unit: str | None = None,
                    switch_link: Callable[[str], str] | None = None) -> Histogram | None:
    """The chart for these facets, or None when no result has a date.

    ``link(period)`` returns the URL that narrows the search to that period;
    ``unit`` ("year", "month") overrides the choice by span, and
    ``switch_link(unit)`` gives the URL that draws the chart in another unit.
    """
    unit = unit if unit in UNITS else _choose_unit(facets)
    buckets = facets.month if unit == "month" else facets.year
    counts = {b.value: b.count for b in buckets if b.value}
    periods = _periods(buckets, unit)
    if not periods:
        return None
    undated = sum(b.count for b in facets.year if b.value is None)
    top, ticks = _ticks(max(counts.values(), default=0) or 1)
    slots = max(len(periods), MIN_SLOTS)
    slot = WIDTH / slots
    offset = (slots - len(periods)) * slot / 2  # few periods: centred
    bar_width = slot * (1 - GAP_RATIO)
    edges = len(periods) >= MIN_SLOTS  # labels at the very edges are anchored inwards
    labels = [_short_label(p, i) for i, p in enumerate(periods)]
    anchors = ["middle"] * len(periods)
    if edges:
        anchors[0] = "start"
        anchors[-1] = "end" if len(periods) > 1 else anchors[-1]
    spans = []
    for i, (text, _) in enumerate(labels):
        width = len(text) * CHAR_PX
        x = (offset + i * slot + (slot - bar_width) / 2) * ASSUMED_WIDTH_PX / WIDTH
        bar_px = bar_width * ASSUMED_WIDTH_PX / WIDTH
        lo = {"start": x, "end": x + bar_px - width}.get(anchors[i], x + bar_px / 2 - width / 2)
        spans.append((lo, lo + width))
    shown = _thin(spans, [rank for _, rank in labels])
    bars = []
    for i, period in enumerate(periods):
        count = counts.get(period, 0)
        # A non-empty bar is at least 1.5% tall so a single article shows.
        height = max(HEIGHT * count / top, 1.5) if count else 0.0
        bars.append(Bar(
            period=period,
            label=_label(period),
            short_label=labels[i][0],
            rank=labels[i][1],
            count=count,
            href=link(period) if count else None,
            x=round(offset + i * slot + (slot - bar_width) / 2, 3),
            y=round(HEIGHT - height, 3),
            width=round(bar_width, 3),
            height=round(height, 3),
            label_anchor=anchors[i],
            shown=shown[i],
        ))
    switch = {other: switch_link(other) for other in UNITS if other != unit} if switch_link else {}
    return Histogram(unit=unit, bars=bars, undated=undated, ticks=ticks, switch=switch)
