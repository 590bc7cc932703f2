"""Per-generation numpy columns: one entry per Whoosh document number.

Facets, histograms, filters and date sorting all work on whole match sets;
reading stored fields per matching article would cost milliseconds per
thousand hits. These arrays are built once per index generation from the
column readers and shared (read-only) by every thread.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np
from whoosh.util.numeric import byte_to_length

from search.query.dates import NO_DATE

from .analysis import fold
from .idindex import IdIndex
from .lru import SizedLRU
from .postings import PostingCache
from .schema import AUTHOR_SEP
from .suggest import SpellingWords

log = logging.getLogger(__name__)


#: Bytes of ``DocTable.spelled`` per process: a word asked about by every
#: article of half a million is 4 MB.
SPELLED_BUDGET = 32 * 1024 * 1024


@dataclass
class Vocabulary:
    """Distinct values of a facet column, with ordinals into ``values``."""

    values: list[str]
    by_fold: dict[str, list[int]]  # folded value -> ordinals, for lenient selection
    exact: dict[str, int]  # value -> ordinal, built once per generation

    @classmethod
    def of(cls, values: list[str]) -> Vocabulary:
        by_fold: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            by_fold.setdefault(fold(v.strip()), []).append(i)
        return cls(values, by_fold, {v: i for i, v in enumerate(values)})

    def ordinals(self, wanted: list[str]) -> dict[str, list[int]]:
        """Each requested value -> matching ordinals (exact spelling first, then folded)."""
        out: dict[str, list[int]] = {}
        for w in wanted:
            if w in self.exact:
                out[w] = [self.exact[w]]
            else:
                out[w] = self.by_fold.get(fold(w.strip()), [])
        return out


@dataclass
class DocTable:
    size: int  # doc_count_all: deleted documents included (masked by ``live``)
    live: np.ndarray  # bool
    section: np.ndarray  # int32 ordinal into sections.values, -1 = none
    sections: Vocabulary
    author_doc: np.ndarray  # int32: docnum of each (document, author) pair
    author_ord: np.ndarray  # int32: author ordinal of each pair
    authors: Vocabulary
    publication: np.ndarray  # int32 ordinal into publications.values, -1 = none
    publications: Vocabulary
    day: np.ndarray  # int32 YYYYMMDD, NO_DATE = 0
    published: np.ndarray  # int64 epoch seconds (meaningless where day == NO_DATE)
    #: Each document's month as an int32 ordinal into ``month_values`` (the
    #: distinct YYYYMM, ascending; 0 = no date): histograms count ordinals.
    month_code: np.ndarray
    month_values: np.ndarray
    indexed: np.ndarray  # int64 epoch ms first indexed (search.stamps), 0 = unknown
    changed: np.ndarray  # int64 epoch ms last changed, 0 = unknown
    #: int32 story ordinal (``story_values``); a document without a story
    #: (an index older than them) has one of its own, past the values.
    story: np.ndarray
    story_values: list[str]
    # Field lengths as Whoosh's scorer sees them (quantised), read on first use.
    _lengths: dict[str, np.ndarray] = field(default_factory=dict)
    _lengths_lock: threading.Lock = field(default_factory=threading.Lock)
    #: Decoded posting lists of frequent terms (see .evaluate and .phrases).
    postings: PostingCache = field(default_factory=lambda: PostingCache())
    #: The documents holding each of the spellings panel's frequent words (see .spellings).
    spelled: SizedLRU[tuple[np.ndarray, np.ndarray]] = field(default_factory=lambda: SizedLRU(SPELLED_BUDGET))
    #: The spelling fields' words, read on first use (see .suggest).
    _spelling: dict[tuple[str, ...], SpellingWords] = field(default_factory=dict)
    #: Ids by document number and back, read on first use (exports, saved sets).
    _ids: list[IdIndex] = field(default_factory=list)
    #: Each story's documents (see ``story_members``), built on first use.
    _members: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def id_index(self, reader) -> IdIndex:
        if not self._ids:
            with self._lengths_lock:
                if not self._ids:
                    self._ids.append(IdIndex.build(reader, self.live))
        return self._ids[0]

    def story_members(self) -> tuple[np.ndarray, np.ndarray]:
        """(documents ordered by story, then by docnum; where each story's run
        starts, one more at the end): story ``s`` is ``docs[starts[s]:starts[s + 1]]``.

        Sorted once per generation (8 bytes an article), so a page's copies
        are found by slicing instead of scanning the story column per search.
        """
        if not self._members:
            with self._lengths_lock:
                if not self._members:
                    docs = np.argsort(self.story, kind="stable").astype(np.int32)
                    starts = np.zeros(int(self.story.max(initial=-1)) + 2, dtype=np.int32)
                    np.cumsum(np.bincount(self.story, minlength=len(starts) - 1), out=starts[1:])
                    self._members.append((docs, starts))
        return self._members[0]

    def spelling_words(self, reader, fieldnames: tuple[str, ...]) -> SpellingWords:
        """The words of ``fieldnames`` in this generation, for spelling suggestions."""
        words = self._spelling.get(fieldnames)
        if words is None:
            with self._lengths_lock:
                words = self._spelling.get(fieldnames)
                if words is None:
                    terms = set().union(*(reader.lexicon(f) for f in fieldnames))
                    words = SpellingWords(t.decode("utf-8") for t in terms)
                    self._spelling[fieldnames] = words
        return words

    def field_lengths(self, reader, fieldname: str) -> np.ndarray:
        """Per-document length of ``fieldname`` (float64), for vectorised BM25."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            with self._lengths_lock:
                lengths = self._lengths.get(fieldname)
                if lengths is None:
                    lengths = _read_lengths(reader, fieldname, self.size)
                    self._lengths[fieldname] = lengths
        return lengths

    @classmethod
    def build(cls, reader) -> DocTable:
        size = reader.doc_count_all()
        live = np.ones(size, dtype=bool)
        if reader.has_deletions():
            for d in range(size):
                if reader.is_deleted(d):
                    live[d] = False
        sections_raw = _column(reader, "section_facet", size, "")
        section, sections = _ordinals(sections_raw)
        # An index written before publications has no such column: none has one.
        publication, publications = _ordinals(_column(reader, "publication_facet", size, "")
                                              if "publication_facet" in reader.schema else [""] * size)
        authors_raw = _column(reader, "author_facet", size, "")
        day = np.asarray(_column(reader, "day", size, NO_DATE), dtype=np.int64).astype(np.int32)
        published = np.asarray(_column(reader, "published", size, NO_DATE), dtype=np.int64)
        stamps = {name: (np.asarray(_column(reader, name, size, 0), dtype=np.int64)
                         if name in reader.schema else np.zeros(size, dtype=np.int64))
                  for name in ("indexed_at", "changed_at")}  # an index older than stamps has none

        month_code, month_values = months(day)
        story_values, story = _stories(_column(reader, "story", size, "") if "story" in reader.schema
                                       else [""] * size)

        auth_lists = [[a for a in raw.split(AUTHOR_SEP) if a] if raw else [] for raw in authors_raw]
        auth_values = sorted({a for lst in auth_lists for a in lst})
        auth_index = {v: i for i, v in enumerate(auth_values)}
        pairs_doc = [d for d, lst in enumerate(auth_lists) for _ in dict.fromkeys(lst)]
        pairs_ord = [auth_index[a] for lst in auth_lists for a in dict.fromkeys(lst)]

        return cls(
            size=size,
            live=live,
            section=section,
            sections=sections,
            author_doc=np.asarray(pairs_doc, dtype=np.int32),
            author_ord=np.asarray(pairs_ord, dtype=np.int32),
            authors=Vocabulary.of(auth_values),
            publication=publication,
            publications=publications,
            day=day,
            published=published,
            month_code=month_code,
            month_values=month_values,
            indexed=stamps["indexed_at"],
            changed=stamps["changed_at"],
            story=story,
            story_values=story_values,
        )

    @property
    def month(self) -> np.ndarray:
        """Each document's YYYYMM (0: no date)."""
        return self.month_values[self.month_code]

    # --- filters ---------------------------------------------------------

    def value_mask(self, column: str, ordinals: list[int]) -> np.ndarray:
        """Documents whose single-valued ``column`` (section, publication) has one
        of ``ordinals`` (-1: no value)."""
        return np.isin(getattr(self, column), np.asarray(ordinals, dtype=np.int32))

    def author_mask(self, ordinals: list[int]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        chosen = np.isin(self.author_ord, np.asarray(ordinals, dtype=np.int32))
        mask[self.author_doc[chosen]] = True
        return mask

    def day_mask(self, lo: int, hi: int) -> np.ndarray:
        return (self.day >= lo) & (self.day <= hi) & (self.day != NO_DATE)

    def dated_between(self, lo: int, hi: int) -> np.ndarray:
        """Ascending live document numbers dated lo..hi (inclusive YYYYMMDD)."""
        return np.flatnonzero(self.day_mask(lo, hi) & self.live)

    # --- ordering --------------------------------------------------------

    def date_order(self, docnums: np.ndarray, newest: bool, limit: int) -> np.ndarray:
        """The first ``limit`` of ``docnums`` (ascending) by date; undated last, ties by docnum."""
        if len(docnums) == 0:
            return docnums
        stamps = self.published[docnums]
        key = -stamps if newest else stamps.copy()
        key[self.day[docnums] == NO_DATE] = np.iinfo(np.int64).max
        if limit < len(docnums):
            part = np.argpartition(key, limit - 1)[:limit]
            # argpartition is not stable: re-sort the chosen few by (key, docnum).
            order = part[np.lexsort((docnums[part], key[part]))]
            # Ties at the cut-off may have been chosen arbitrarily: widen to
            # every document sharing the cut-off key, then cut again.
            cut = key[order[-1]]
            tied = np.flatnonzero(key == cut)
            if len(tied) > 1:
                pool = np.union1d(order, tied)
                order = pool[np.lexsort((docnums[pool], key[pool]))][:limit]
            return docnums[order]
        order = np.lexsort((docnums, key))
        return docnums[order]

    def indexed_order(self, docnums: np.ndarray, limit: int) -> np.ndarray:
        """The first ``limit`` of ``docnums`` newest-indexed first; articles indexed
        together (one run) newest published first, then by docnum; unknown last."""
        if len(docnums) == 0:
            return docnums
        stamps = self.indexed[docnums]
        published = np.where(self.day[docnums] == NO_DATE, np.iinfo(np.int64).min + 1,
                             self.published[docnums])
        # Whole sort: the keys are cheap, and ties span whole indexing runs.
        order = np.lexsort((docnums, -published, -stamps))
        return docnums[order[:limit]]


def _codes(raw: list[str]) -> tuple[np.ndarray, list[str]]:
    """A single-valued column as int32 ordinals into its sorted distinct values (-1: empty)."""
    distinct = set(raw)
    values = sorted(v for v in distinct if v)
    index = {v: i for i, v in enumerate(values)}
    index.update((v, -1) for v in distinct if not v)
    # map over the dict's own lookup: no Python frame per document
    return np.fromiter(map(index.__getitem__, raw), dtype=np.int32, count=len(raw)), values


def months(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each day's month as an ordinal (int32) into the distinct YYYYMM (ascending, 0 for no date)."""
    values, codes = np.unique(day // 100, return_inverse=True)
    return codes.astype(np.int32), values


def _stories(raw: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct story ids, and each document's ordinal (unique past them when it has none)."""
    story, values = _codes(raw)
    alone = np.flatnonzero(story < 0)
    story[alone] = len(values) + np.arange(len(alone), dtype=np.int32)
    return values, story


def _ordinals(raw: list[str]) -> tuple[np.ndarray, Vocabulary]:
    """A single-valued facet column as ordinals into its sorted values (-1: empty)."""
    codes, values = _codes(raw)
    return codes, Vocabulary.of(values)


def _column(reader, fieldname: str, size: int, default):
    """Values of a sortable column for every document of every segment.

    Read raw (``translate=False``) and decoded here: Whoosh's translating
    reader costs ~20 µs a value, too slow for 100k documents.
    """
    fieldobj = reader.schema[fieldname]
    numeric = getattr(fieldobj, "numtype", None) is int
    values: list = [default] * size
    for sub, offset in reader.leaf_readers():
        n = sub.doc_count_all()
        if not sub.has_column(fieldname):
            # No document of this segment carries a value: defaults stand.
            continue
        column = sub.column_reader(fieldname, translate=False)
        if numeric:
            # whoosh.util.numeric.from_sortable, for whole arrays.
            arr = _raw_numbers(column, n)
            if fieldobj.signed:
                arr = arr - np.uint64(1 << (fieldobj.bits - 1))
            values[offset:offset + n] = arr.view(np.int64).tolist()
        else:
            raw = _raw_bytes(column, n)
            decoded = {b: fieldobj.from_column_value(b) for b in set(raw)}  # few distinct values
            values[offset:offset + n] = map(decoded.__getitem__, raw)
    return values


#: Whoosh stores field lengths as one byte each; this decodes all 256 codes.
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def _read_lengths(reader, fieldname: str, size: int) -> np.ndarray:
    codes = np.zeros(size, dtype=np.int64)
    for sub, offset in reader.leaf_readers():
        n = sub.doc_count_all()
        column = _length_column(sub, fieldname)
        if column is not None:
            codes[offset:offset + n] = column_bytes(column, n)
        elif sub.field_length(fieldname):
            # Not the codec we know: ask document by document (slow, once).
            for d in range(n):
                codes[offset + d] = _encode(sub.doc_field_length(d, fieldname, 0) or 0)
    return _BYTE_TO_LENGTH[codes]


def _length_column(sub, fieldname: str):
    """The raw one-byte length column of a Whoosh 2.7 (W3 codec) segment, if any."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        return sub._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    except AttributeError:
        return None


def _encode(length: int) -> int:
    from whoosh.util.numeric import length_to_byte
    return length_to_byte(length)


def column_bytes(column, n: int) -> np.ndarray:
    """All one-byte values of a Whoosh fixed-size column at once."""
    try:
        count = column._count
        data = column._dbfile.get(column._basepos, count) if count else b""
        out = np.zeros(n, dtype=np.int64)
        out[:min(count, n)] = np.frombuffer(data, dtype=np.uint8)[:n]
        return out
    except AttributeError:  # another column implementation: iterate it
        return np.fromiter(column, dtype=np.int64, count=n)


def _raw_bytes(column, n: int) -> list[bytes]:
    """The first ``n`` values of a Whoosh variable-length bytes column, read
    with one ``get`` and sliced: its reader's iterator makes one file read per
    value (~1 µs each, most of a half-million-article index's open)."""
    try:
        lengths, dbfile, base = column._lengths, column._dbfile, column._basepos
    except AttributeError:  # another column implementation: iterate it
        log.debug("column %r read value by value", column)
        return list(column)[:n]
    ends = np.cumsum(np.asarray(lengths)[:n], dtype=np.int64).tolist()
    data = dbfile.get(base, ends[-1]) if ends else b""
    return list(map(data.__getitem__, map(slice, [0] + ends[:-1], ends)))


def _raw_numbers(column, n: int) -> np.ndarray:
    """All values of a Whoosh numeric column (sortable form) as uint64."""
    try:
        width, count = column._fixedlen, column._count
        data = column._dbfile.get(column._basepos, count * width) if count else b""
        out = np.full(n, column._default, dtype=np.uint64)
        values = np.frombuffer(data, dtype=np.dtype(">" + column._typecode))
        out[:min(count, n)] = values[:n].astype(np.uint64)
        return out
    except AttributeError:  # another column implementation: iterate it
        return np.array(list(column)[:n], dtype=np.uint64)
