"""When a search must be answered, and what an engine raises past it
(re-exported by :mod:`search.models`, where every layer finds them)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadline:
    """When a search must be answered: ``at`` is a ``time.perf_counter()`` value,
    ``budget`` the seconds the whole search was given (``math.inf``: no limit).

    An engine checks :meth:`passed` inside its expensive loops and raises
    :class:`OutOfTime` once it is true; an engine that hands the work to a
    server sends :meth:`remaining` as that server's own time limit.
    """

    at: float
    budget: float

    @classmethod
    def after(cls, budget: float) -> Deadline:
        return cls(time.perf_counter() + budget, budget)

    def passed(self) -> bool:
        return time.perf_counter() > self.at

    def remaining(self) -> float:
        """Seconds left (negative once passed; ``math.inf`` without a limit)."""
        return self.at - time.perf_counter()

    def check(self) -> None:
        if time.perf_counter() > self.at:
            raise OutOfTime

    def extended(self, seconds: float) -> Deadline:
        """The same budget, ``seconds`` later (for work that is not this search's)."""
        return Deadline(self.at + seconds, self.budget)


#: No time limit.
NO_DEADLINE = Deadline(math.inf, math.inf)


class OutOfTime(Exception):
    """The engine stopped a search at its deadline (the service turns this
    into :class:`search.errors.QueryTooExpensive`, saying what to narrow)."""
