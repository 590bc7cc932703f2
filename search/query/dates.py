"""Date bounds: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' to inclusive day numbers.

Dates are compared as YYYYMMDD integers ("day numbers"), so a bound is just
the first or last day number the text could mean.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

#: The day number of an article without a date.
NO_DATE = 0

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")

#: The smallest day number that is a real date (NO_DATE is 0 and must never
#: fall inside an open-ended range).
FIRST_DAY = 1
LAST_DAY = 99_991_231


class BadDate(ValueError):
    """Text that is not a (complete, valid) date."""


@dataclass(frozen=True)
class DayRange:
    lo: int  # inclusive YYYYMMDD
    hi: int  # inclusive YYYYMMDD

    def __post_init__(self) -> None:
        assert self.lo > NO_DATE

    @property
    def empty(self) -> bool:
        return self.lo > self.hi


def _parts(text: str) -> tuple[int, int | None, int | None]:
    m = _DATE_RE.match(text.strip())
    if not m:
        raise BadDate(f"{text!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    if year < 1:
        raise BadDate(f"{text!r}: year out of range")
    if month is not None and not 1 <= month <= 12:
        raise BadDate(f"{text!r}: month must be 01..12")
    if day is not None:
        assert month is not None
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise BadDate(f"{text!r}: day must be 01..{last:02d}")
    return year, month, day


def first_day(text: str) -> int:
    """The earliest day a date text covers: '2025-05' -> 20250501."""
    year, month, day = _parts(text)
    return year * 10_000 + (month or 1) * 100 + (day or 1)


def last_day(text: str) -> int:
    """The latest day a date text covers: '2025-02' -> 20250228."""
    year, month, day = _parts(text)
    month = month or 12
    day = day or calendar.monthrange(year, month)[1]
    return year * 10_000 + month * 100 + day


def covering(text: str) -> DayRange:
    """All days a date text covers: '2025' -> 2025-01-01..2025-12-31."""
    return DayRange(first_day(text), last_day(text))


def bounds(date_from: str | None, date_to: str | None) -> DayRange | None:
    """Inclusive range for request bounds; None when neither is given."""
    if not date_from and not date_to:
        return None
    lo = first_day(date_from) if date_from else FIRST_DAY
    hi = last_day(date_to) if date_to else LAST_DAY
    return DayRange(lo, hi)


def day_text(day: int) -> str | None:
    """20250503 -> '2025-05-03'; NO_DATE -> None."""
    if day == NO_DATE:
        return None
    return f"{day // 10_000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"
