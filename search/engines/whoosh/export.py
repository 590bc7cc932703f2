"""Whole result sets, streamed: exports and the rows of saved sets (``Engine.export``, ``Engine.rows``).

An export orders every match at once with numpy (one 8-byte document number,
and in relevance order one 8-byte score, per match) and then reads the rows
``BATCH`` at a time as they are consumed, from a searcher of its own on the
index state it started on, so a commit during a long download changes nothing
in it. Rows whose fields all live in columns (ids, stamps, scores) are made
without reading stored fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from search.models import ArticleRow, Export, ValidRequest
from search.query import Node
from search.stamps import iso

from . import searching
from .lru import SizedLRU
from .schema import stored_record
from .searchers import Snapshot

#: Rows read between two hand-overs to the consumer (a few MB of stored fields at most).
BATCH = 1_000
#: Fields a row can get from the generation's columns alone.
COLUMN_FIELDS = frozenset({"id", "indexed_at", "changed_at", "score"})


class RowStream:
    """Rows that let go of their snapshot when exhausted or closed, started or not
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


def export(snap: Snapshot, release: Callable[[], None], cache: SizedLRU, request: ValidRequest,
           tree: Node | None, fields: frozenset[str]) -> Export:
    """The export of ``request`` on ``snap`` (a private snapshot that ``release`` closes)."""
    try:
        chosen = searching.select(snap, cache, request, tree)
        docnums = np.flatnonzero(chosen.filtered.matches)
        scores = None
        if chosen.sort == "relevance":
            scored = chosen.matched.scored
            assert scored is not None
            keep = chosen.filtered.matches[scored.ids]
            ids, all_scores = scored.ids[keep], scored.scores[keep]
            # The order of evaluate.top: score descending, then document number.
            order = np.lexsort((ids, -all_scores))
            docnums, scores = ids[order], all_scores[order]
        else:
            docnums = searching.ordered(snap.table, docnums, chosen.sort, len(docnums))
        state = snap.state()
    except BaseException:
        release()
        raise
    rows = _rows(snap, docnums, scores, fields)
    return Export(len(docnums), chosen.sort, state, RowStream(rows, release),
                  list(chosen.matched.compiled.warnings))


def _rows(snap: Snapshot, docnums: np.ndarray, scores: np.ndarray | None,
          fields: frozenset[str]) -> Iterator[ArticleRow]:
    from_columns = fields <= COLUMN_FIELDS
    id_index = snap.table.id_index(snap.searcher.reader()) if from_columns else None
    for start in range(0, len(docnums), BATCH):
        batch = docnums[start:start + BATCH].tolist()
        batch_scores = scores[start:start + BATCH].tolist() if scores is not None else [None] * len(batch)
        for docnum, score in zip(batch, batch_scores):
            score = None if score is None else round(score, 4)
            if id_index is not None:
                yield _column_row(snap, id_index.id_of(docnum), docnum, score)
            else:
                yield _stored_row(snap.searcher.stored_fields(docnum), score)


def _column_row(snap: Snapshot, doc_id: str, docnum: int, score: float | None) -> ArticleRow:
    table = snap.table
    return ArticleRow(id=doc_id, indexed_at=iso(int(table.indexed[docnum]) or None),
                      changed_at=iso(int(table.changed[docnum]) or None), score=score)


def _stored_row(stored: dict, score: float | None) -> ArticleRow:
    return ArticleRow(**stored_record(stored), score=score)


def rows(snap: Snapshot, ids: Sequence[str], fields: frozenset[str]) -> list[ArticleRow | None]:
    reader = snap.searcher.reader()
    docnums = snap.table.id_index(reader).docnums(ids).tolist()
    from_columns = fields <= COLUMN_FIELDS
    found: list[ArticleRow | None] = []
    for doc_id, docnum in zip(ids, docnums):
        if docnum < 0:
            found.append(None)
        elif from_columns:
            found.append(_column_row(snap, doc_id, docnum, None))
        else:
            found.append(_stored_row(snap.searcher.stored_fields(docnum), None))
    return found
