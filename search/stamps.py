"""When an article entered the index and when it last changed: the rule every engine follows.

A writer session takes one time (``now_ms``) when it begins, after it holds
the index's writer lock, and stamps every article it adds with :func:`restamp`:

* an article whose id the index did not hold gets ``indexed_at = changed_at = now``;
* an article the index held keeps its first ``indexed_at``; its ``changed_at``
  moves to ``now`` only when its :func:`fingerprint` (what a reader sees:
  title, body, URL, date, section, authors) differs. So a rebuild, or a page
  file whose markup changed around the same text, changes nothing.

Sessions follow each other under the writer lock, so every article a later
commit adds or changes is stamped at or after the time of the commit before
it (``IndexState.last_indexed``). That makes ``last_indexed`` a safe cursor: a
script that passes the ``last_indexed`` of its previous answer as
``indexed_since`` misses nothing (it may see an article twice at the edge).

Times are Unix epoch milliseconds inside; records carry them as ISO 8601 UTC
text with milliseconds, which sorts as the times do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache

from .models import Article

_MS = 1000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@lru_cache(maxsize=4096)  # one indexing run stamps all its articles alike: few distinct values
def iso(ms: int | None) -> str | None:
    """``ms`` as '2025-01-31T09:30:00.123+00:00' (None stays None)."""
    if ms is None:
        return None
    return dt.datetime.fromtimestamp(ms / _MS, dt.timezone.utc).isoformat(timespec="milliseconds")


def iso_seconds(seconds: float) -> str:
    """A Unix time (seconds, e.g. a file's mtime) as :func:`iso` text, truncated to the millisecond."""
    return iso(int(seconds * _MS)) or ""


def parse_instant(text: str) -> int:
    """ISO 8601 date or date-time as epoch milliseconds; without a zone it is UTC.

    Raises ValueError with a message a user can act on.
    """
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or time "
                         "(e.g. 2025-01-31 or 2025-01-31T09:30:00Z)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int(when.timestamp() * _MS)


def fingerprint(article: Article) -> str:
    """A short hash of what a reader sees of ``article`` (not its source file)."""
    date = article.date.isoformat() if article.date else ""
    parts = (article.url or "", article.title, article.body, date, article.section or "",
             "\x1f".join(article.authors))
    return hashlib.sha1("\x1e".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Stamp:
    indexed_at: int  # epoch ms the article first entered the index
    changed_at: int  # epoch ms its content last changed (== indexed_at until then)
    fingerprint: str


def restamp(previous: Stamp | None, fingerprint: str, now: int) -> Stamp:
    """The stamp of an article added at ``now`` (see the module docstring)."""
    if previous is None:
        return Stamp(now, now, fingerprint)
    changed = previous.changed_at if previous.fingerprint == fingerprint else now
    return Stamp(previous.indexed_at, changed, fingerprint)
