"""Rows of an export that let go of what they read from (``Export.rows``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .models import ArticleRow


class RowStream:
    """Rows that let go of what they read from (a searcher, a point in time) when
    exhausted or closed, started or not
    (a generator that never started would not run its ``finally``)."""

    def __init__(self, rows: Iterator[ArticleRow], release: Callable[[], None]):
        self._rows = rows
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> RowStream:
        return self

    def __next__(self) -> ArticleRow:
        try:
            return next(self._rows)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            self._rows.close()  # type: ignore[attr-defined]
            release()
