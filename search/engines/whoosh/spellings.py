"""What the spellings panel asks of the Whoosh engine (see ``search.matched``):
the marked words of the first matches, and how many matches hold each spelling.

Counting a spelling is its posting lists in the exact-spelling fields (the
lower-cased words) looked up at the matches: no stored field is read.

* When the matches are not much fewer than the word's postings
  (:func:`.postings.limits_reads`, as for a ranking list that is kept),
  many of its blocks hold one, so its whole lists are read and the
  documents holding it kept for the generation in ``DocTable.spelled``,
  apart from the ranking's posting cache so that a common word's spellings
  do not push the ranking's own lists out of it: the next search asking
  about the word reads nothing.
* Else only the blocks that may hold a match are read, the body's first;
  the title's only for the matches whose body lacks the word (a title's
  words are nearly always in its body too).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from search.counting import FacetTimeout
from search.models import Deadline, OutOfTime

from . import highlight
from .facets import Filtered, TableCounter
from .postings import EMPTY_IDS, contains, limits_reads, term_ids, union
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
        done: dict[str, list[str]] = {}  # text -> its marked words: copies of a story share their texts

        def marked(text: str) -> list[str]:
            words = done.get(text)
            if words is None:
                words = done[text] = marks.of(text)
            return words

        for docnum, _ in self.first(limit):
            if time.perf_counter() > deadline:
                raise FacetTimeout
            stored = self.stored.stored_fields(docnum)
            out.append({"title": marked(stored.get("title") or ""),
                        "body": marked((stored.get("body") or "")[:highlight.SNIPPET_SOURCE_CHARS])})
        return out

    def words(self, groups: list[tuple[str, ...]], *, deadline: float) -> list[int]:
        docs = self.filtered.docs()
        limit = Deadline(deadline, 0.0)  # the facet's own limit, for the posting readers
        held: dict[str, np.ndarray] = {}  # word -> the matches holding it

        def holding(word: str) -> np.ndarray:
            if word not in held:
                held[word] = self._holding(word, docs, limit)
            return held[word]

        out = []
        try:
            for first, *others in groups:
                ids = holding(first)
                for word in others:
                    ids = ids[contains(holding(word), ids)]
                out.append(len(ids))
        except OutOfTime:
            raise FacetTimeout from None
        return out

    def _holding(self, word: str, docs: np.ndarray, limit: Deadline) -> np.ndarray:
        """The matches (``docs``, ascending) holding ``word`` in an exact-spelling field."""
        searcher, kept = self.snap.searcher, self.snap.table.spelled
        got = kept.get((word,))
        whole = got[0] if got else None
        if whole is None:
            postings = sum(searcher.doc_frequency(f, word) for f in EXACT_FIELDS)
            if not limits_reads(docs, postings, kept=True) and kept.worth_keeping(postings, 4 * postings):
                whole = union([term_ids(searcher, f, word, limit) for f in EXACT_FIELDS], None).astype(np.int32)
                kept.put((word,), whole)
        if whole is not None:
            return docs[contains(whole, docs.astype(np.int32))]
        body = term_ids(searcher, "body_exact", word, limit, within=docs)
        in_body = contains(body, docs)
        rest = docs[~in_body]
        title = term_ids(searcher, "title_exact", word, limit, within=rest) if len(rest) else EMPTY_IDS
        in_body[np.flatnonzero(~in_body)[contains(title, rest)]] = True
        return docs[in_body]
