"""What the spellings panel asks of the Whoosh engine (see ``search.matched``):
the marked words of the first matches, and how many matches hold each spelling.

Counting a spelling is one posting list per exact-spelling field (the
lower-cased words) masked by the matches: no stored field is read. Only the
posting blocks that may hold a match are read: a query of two or three words
matches far fewer documents than a spelling's list holds. (The lists are
not kept in the generation's posting cache: a common word's spellings
would push the ranking's own lists out of it.)
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from search.counting import FacetTimeout
from search.models import Deadline, OutOfTime

from . import highlight
from .facets import Filtered, TableCounter
from .postings import term_ids, union
from .searchers import Snapshot, StoredFields

#: The exact-spelling fields a spelling is counted in.
EXACT_FIELDS = ("title_exact", "body_exact")


class SearchCounter(TableCounter):
    """:class:`search.counting.FacetCounter` of one search: the table's counts and
    the spellings panel's questions."""

    def __init__(self, snap: Snapshot, stored: StoredFields, filtered: Filtered, spec: highlight.HighlightSpec,
                 first: Callable[[int], list[tuple[int, float]]]):
        super().__init__(snap.table, filtered)
        self.snap = snap
        self.stored = stored  # the search's reads, its hits among them
        self.spec = spec
        self.first = first  # the first n (document, score) in the request's order

    def surfaces(self, *, limit: int, deadline: float) -> list[dict[str, list[str]]]:
        out = []
        marks = highlight.TokenMarks(self.spec)  # shared by the sample
        for docnum, _ in self.first(limit):
            if time.perf_counter() > deadline:
                raise FacetTimeout
            stored = self.stored.stored_fields(docnum)
            out.append({"title": marks.of(stored.get("title") or ""),
                        "body": marks.of((stored.get("body") or "")[:highlight.SNIPPET_SOURCE_CHARS])})
        return out

    def words(self, groups: list[tuple[str, ...]], *, deadline: float) -> list[int]:
        matches, docs = self.filtered.matches, self.filtered.docs()
        limit = Deadline(deadline, 0.0)  # the facet's own limit, for the posting readers
        held: dict[str, np.ndarray] = {}  # word -> the matches holding it

        def holding(word: str) -> np.ndarray:
            if word not in held:
                # At least the postings of the matches, from the blocks that may hold one.
                ids = union([term_ids(self.snap.searcher, f, word, limit, within=docs) for f in EXACT_FIELDS],
                            None)
                held[word] = ids[matches[ids]]
            return held[word]

        out = []
        try:
            for first, *others in groups:
                ids = holding(first)
                for word in others:
                    ids = ids[np.isin(ids, holding(word), assume_unique=True)]
                out.append(len(ids))
        except OutOfTime:
            raise FacetTimeout from None
        return out
