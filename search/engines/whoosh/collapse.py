"""Story clusters in Whoosh results: one hit per story, its copies, the ``story`` filter.

Works on the generation's story column (``DocTable.story``) and a search's
match mask with numpy. The page's stories are found by ranking a prefix of
the matches and keeping each story's first (best-ranked) article; a prefix
too short to fill the page is widened (×4) until it fills it or holds every
match, looking at the deadline between rounds.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

import numpy as np

from search.copies import COPIES_LISTED, Copy
from search.models import Deadline
from search.query.dates import NO_DATE

from .doctable import DocTable

#: The first prefix ranked for a collapsed page of ``end`` stories: ``end``
#: times this (copies rarely fill more than that many places before it).
FIRST_PREFIX = 4

Ranked = list[tuple[int, float]]  # (docnum, score), best first


def story_mask(table: DocTable, story: str) -> np.ndarray:
    """The documents of ``story`` (none when the generation has no such story)."""
    at = bisect.bisect_left(table.story_values, story)
    if at == len(table.story_values) or table.story_values[at] != story:
        return np.zeros(table.size, dtype=bool)
    docs, starts = table.story_members()
    mask = np.zeros(table.size, dtype=bool)
    mask[docs[starts[at]:starts[at + 1]]] = True
    return mask


def count_stories(table: DocTable, docs: np.ndarray) -> int:
    """How many stories the documents ``docs`` (the matches) belong to."""
    found = table.story[docs]
    return int(np.count_nonzero(np.bincount(found))) if len(found) else 0


def leaders(ranked: Callable[[int], Ranked], table: DocTable, total: int, start: int, end: int,
            deadline: Deadline) -> Ranked:
    """Places ``start:end`` of the collapsed order: each story's best-ranked
    article, in the order of ``ranked(k)`` (the first ``k`` matches)."""
    k = end * FIRST_PREFIX
    while True:
        prefix = ranked(k)
        docs = np.fromiter((d for d, _ in prefix), dtype=np.int64, count=len(prefix))
        _, first = np.unique(table.story[docs], return_index=True)
        if len(first) >= end or k >= total:
            first.sort()
            return [prefix[i] for i in first[start:end]]
        deadline.check()
        k *= 4


def copies(table: DocTable, matches: np.ndarray, docnums: list[int]) -> list[tuple[int, list[int]]]:
    """For each of ``docnums``: how many other matches share its story, and the
    first ``COPIES_LISTED`` of them, earliest published first (undated last).

    Each story's members are a slice of ``DocTable.story_members``: the work
    grows with the page's stories, not with the generation."""
    docs, starts = table.story_members()
    out = []
    for d, s in zip(docnums, table.story[np.asarray(docnums, dtype=np.int64)].tolist()):
        members = docs[starts[s]:starts[s + 1]]
        if len(members) < 2:  # a story of its own: the hit alone
            out.append((0, []))
            continue
        others = members[matches[members] & (members != d)]
        # Earliest first, undated last, then by docnum.
        order = others[np.lexsort((others, table.published[others], table.day[others] == NO_DATE))]
        out.append((len(order), order[:COPIES_LISTED].tolist()))
    return out


def copy_of(stored: dict) -> Copy:
    """A listed copy from a document's stored fields."""
    return Copy(id=stored["id"], url=stored.get("url"), date=stored.get("date"),
                publication=stored.get("publication") or None)
