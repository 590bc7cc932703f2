"""The Whoosh engine's collapsing on a generation's columns: the story index
(``DocTable.story_members``) gives what scanning the whole story column gave."""

from __future__ import annotations

import numpy as np
import pytest

from search.copies import COPIES_LISTED
from search.engines.whoosh import collapse
from search.engines.whoosh.doctable import DocTable, Vocabulary, _stories, months
from search.query.dates import NO_DATE


def random_table(rng: np.random.Generator, size: int) -> DocTable:
    """A generation of ``size`` documents: stories of 1 to 12 members (some
    without a story), dates with ties and undated ones."""
    raw: list[str] = []
    while len(raw) < size:
        n = int(rng.integers(1, 13))
        name = "" if rng.random() < 0.1 else f"s{len(raw)}"
        raw += [name] * n
    raw = raw[:size]
    rng.shuffle(raw)
    values, story = _stories(raw)
    day = rng.choice([NO_DATE, 19870301, 19870302, 19870415], size=size).astype(np.int32)
    published = np.where(day == NO_DATE, NO_DATE, day.astype(np.int64) * 10 + rng.integers(0, 3, size))
    none = np.full(size, -1, dtype=np.int32)
    zeros = np.zeros(size, dtype=np.int64)
    month_code, month_values = months(day)
    return DocTable(size=size, live=np.ones(size, dtype=bool), section=none, sections=Vocabulary.of([]),
                    author_doc=np.zeros(0, dtype=np.int32), author_ord=np.zeros(0, dtype=np.int32),
                    authors=Vocabulary.of([]), publication=none, publications=Vocabulary.of([]), day=day,
                    published=published, month_code=month_code, month_values=month_values, indexed=zeros,
                    changed=zeros, story=story, story_values=values)


def scanned_copies(table: DocTable, matches: np.ndarray, docnums: list[int]) -> list[tuple[int, list[int]]]:
    """The copies as found before the story index: the whole column scanned."""
    stories = table.story[np.asarray(docnums, dtype=np.int64)]
    members = np.flatnonzero(matches & np.isin(table.story, stories))
    order = members[np.lexsort((members, table.published[members], table.day[members] == NO_DATE))]
    of_story = table.story[order]
    out = []
    for d, s in zip(docnums, stories.tolist()):
        others = order[(of_story == s) & (order != d)]
        out.append((len(others), others[:COPIES_LISTED].tolist()))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_copies_from_the_story_index_are_those_of_a_column_scan(seed: int):
    rng = np.random.default_rng(seed)
    table = random_table(rng, int(rng.integers(50, 3000)))
    matches = rng.random(table.size) < rng.choice([0.05, 0.5, 1.0])
    matched = np.flatnonzero(matches)
    # A page: matching documents of distinct stories, as leaders gives them.
    _, first = np.unique(table.story[rng.permutation(matched)], return_index=True)
    page = rng.permutation(matched)[first][:10].tolist()
    got = collapse.copies(table, matches, page)
    assert got == scanned_copies(table, matches, page)
    assert any(count for count, _ in got) or len(matched) < 20  # the check saw copies


def test_the_story_index_slices_each_story_and_the_story_filter_uses_it():
    table = random_table(np.random.default_rng(99), 2_000)
    docs, starts = table.story_members()
    assert starts[-1] == table.size and sorted(docs.tolist()) == list(range(table.size))
    for s in range(len(starts) - 1):
        members = docs[starts[s]:starts[s + 1]]
        assert members.tolist() == np.flatnonzero(table.story == s).tolist()
    for name in table.story_values[:50]:
        assert (collapse.story_mask(table, name) == (table.story == table.story_values.index(name))).all()
    assert not collapse.story_mask(table, "no such story").any()
