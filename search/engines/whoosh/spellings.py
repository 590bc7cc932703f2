"""What the spellings panel asks of the Whoosh engine (see ``search.matched``):
the marked words of the first matches, and how many matches hold each spelling.

Counting a spelling is its posting lists in the exact-spelling fields (the
lower-cased words) looked up at the matches: no stored field is read, and
only the posting blocks that may hold a match are read, the body's first;
the title's only for the matches whose body lacks the word (a title's words
are nearly always in its body too).

For each word, which documents were looked at and which of them hold it
are kept for the generation (``DocTable.spelled``, apart from the
ranking's posting cache, so that a common word's spellings do not push the
ranking's own lists out of it): the next search asking about the word reads
only for the matches not looked at yet (a rare word's lists are short, but
looking them up costs a term lookup per field and segment). The lists are
not read whole: a limited read of a frequent word touches about half its
blocks (the matches are spread over the index), and a whole read would
double what a fresh process reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from search.counting import FacetTimeout
from search.models import Deadline, OutOfTime

from . import highlight
from .facets import Filtered, TableCounter
from .lru import SizedLRU
from .postings import EMPTY_IDS, contains, term_ids
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
        kept = self.snap.table.spelled
        got = kept.get(word)
        if got is None:
            found = self._read(word, docs, limit)
            _keep(kept, word, docs, found)
            return found
        looked, held = got
        wanted = docs.astype(np.int32)
        new = docs[~contains(looked, wanted)]
        if len(new):
            looked, held = _keep(kept, word, new, self._read(word, new, limit), got)
        return docs[contains(held, wanted)]

    def _read(self, word: str, docs: np.ndarray, limit: Deadline) -> np.ndarray:
        """Of ``docs`` (ascending), those holding ``word``, from its lists' blocks that may hold one."""
        searcher = self.snap.searcher
        body = term_ids(searcher, "body_exact", word, limit, within=docs)
        held = contains(body, docs)
        rest = docs[~held]
        title = term_ids(searcher, "title_exact", word, limit, within=rest) if len(rest) else EMPTY_IDS
        held[np.flatnonzero(~held)[contains(title, rest)]] = True
        return docs[held]


#: What a kept word costs besides its arrays' data: the LRU's entry, a tuple, two array headers.
_ENTRY_BYTES = 400


def _keep(kept: SizedLRU, word: str, docs: np.ndarray, found: np.ndarray,
          got: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Remember that of ``docs`` just ``found`` hold ``word``, besides what
    ``got`` held (documents looked at before, those holding it: ascending,
    none of ``docs``); int32 (half the memory), shared read-only."""
    looked, held = docs.astype(np.int32), found.astype(np.int32)
    if got is not None:
        looked, held = _merged(got[0], looked), _merged(got[1], held)
    for a in (looked, held):
        a.setflags(write=False)
    kept.put(word, (looked, held), looked.nbytes + held.nbytes + _ENTRY_BYTES)
    return looked, held


def _merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two ascending arrays without a common value, as one (linear, no sort)."""
    return np.insert(a, np.searchsorted(a, b), b)
