"""Story clusters: the same story published twice (syndication, a re-saved page) shares one id.

Each body gets a MinHash signature of its 5-word shingles (``datasketch``);
:class:`Stories` assigns an article to the story of the most similar article
the index holds, found by locality-sensitive hashing (bands and rows as
``MinHashLSH`` chooses them, held in sorted numpy tables) and confirmed by
the signatures' estimated Jaccard similarity (≥ ``threshold``), else to a
new story. Engine-neutral: an engine only stores the two values of
:class:`search.models.Article` (``story``, ``signature``) and reads them back
for the next run (``WriterSession.stories``); the LSH tables (their
signatures in a temporary file) live for one run, rebuilt from those stored
values when the run has something to assign, so the clusters commit (or
not) with the articles themselves.

Assignment is incremental and greedy: a new or changed article joins the
story of its best match or starts one; a removed article leaves its story
(the others keep its id). Two stories an article bridges are not merged:
it joins the closer one. A rebuild assigns every article afresh.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import logging
import os
import re
import tempfile
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: Words per shingle.
SHINGLE_WORDS = 5
#: Hash functions per signature: the estimated Jaccard's standard error is
#: about sqrt(J(1-J)/128), 0.035 at J = 0.8; the signature costs 512 bytes.
NUM_PERM = 128
SEED = 1
#: Estimated Jaccard similarity of shingles from which two bodies are one story.
DEFAULT_THRESHOLD = 0.8
#: LSH band sizes are chosen (by datasketch) weighing missed pairs far above
#: false candidates: every candidate is checked against its signature anyway.
#: At 0.8 that is 16 bands of 8 rows: a pair at J = 0.8 is a candidate 95% of
#: the time, at 0.84 99% (the balanced default, 9 bands of 13 rows: 40%, 63%).
LSH_WEIGHTS = (0.05, 0.95)

_WORD = re.compile(r"\w+")
#: datasketch 2's 32-bit scheme: every value fits the uint32 the signature stores.
SCHEME = "affine32"


@functools.cache
def _minhash_class() -> tuple[type, Any]:
    """datasketch's MinHash and this run's permutations, imported on first use:
    datasketch imports scipy (~0.6 s), which an indexing run that assigns no
    story (or a search) should not pay at start-up. Cached: drawing the
    permutations costs more than hashing a short body, so once per process."""
    from datasketch import MinHash

    return MinHash, MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


@functools.cache
def lsh_shape(threshold: float) -> tuple[int, int]:
    """(bands, rows) of the LSH tables, as datasketch's ``MinHashLSH`` chooses them
    for ``threshold`` and ``LSH_WEIGHTS`` (its tables are not used). Imported on
    first use too: the writing workers of a big run are forked before the first
    story is assigned, and each would carry datasketch and scipy (~28 MB of its
    resident memory) if the indexing process had imported them by then."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
    return lsh.b, lsh.r


def shingles(body: str) -> set[bytes]:
    """The body's overlapping 5-word sequences, case-folded (a shorter body is one shingle)."""
    words = _WORD.findall(body.casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode("utf-8", "surrogatepass")} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8", "surrogatepass")
            for i in range(len(words) - SHINGLE_WORDS + 1)}


def signature(body: str) -> bytes:
    """The MinHash signature of ``body`` (``NUM_PERM`` uint32, little-endian); b"" without words."""
    found = shingles(body)
    if not found:
        return b""
    minhash_class, permutations = _minhash_class()
    minhash = minhash_class(num_perm=NUM_PERM, seed=SEED, permutations=permutations, scheme=SCHEME)
    minhash.update_batch(list(found))
    # MinHash keeps 32-bit values in uint64 slots.
    return minhash.hashvalues.astype("<u4").tobytes()


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4")


def new_story_id(source: str, content_hash: str) -> str:
    """A new story's id: from the file and content that started it (a changed
    article that no longer matches anything starts a story of its own)."""
    return hashlib.sha1(f"{source}\0{content_hash}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


SIGNATURE_BYTES = NUM_PERM * 4

#: (source, story id, signature) of one indexed article.
Entry = tuple[str, str, bytes]

#: Articles of a run held unsorted (scanned whole) before they are sealed into a sorted table.
TAIL = 1024
#: Tables are merged only up to this many articles: a merge copies both
#: tables' band keys (~200 bytes an article), and an unbounded last merge
#: at half a million articles would briefly hold ~0.1 GB more.
MERGED_MAX = 1 << 16


class _Signatures:
    """The signatures the tables hold, in an unlinked temporary file, read back by id.

    They are most of a table's memory (512 bytes an article: ~280 MB at half a
    million) but read only for the few candidates of each query, one
    ``pread`` each; the page cache keeps them cheap without counting in the
    indexing process's resident memory.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="newsarchive-signatures-")
        self._fd = self._file.fileno()
        self._count = 0
        # Closed with the run's Stories, which has no close of its own to call.
        weakref.finalize(self, self._file.close)

    def add(self, values: np.ndarray) -> np.ndarray:
        """Store ``values`` (one signature a row); their ids."""
        os.pwrite(self._fd, np.ascontiguousarray(values, dtype="<u4").tobytes(), self._count * SIGNATURE_BYTES)
        ids = np.arange(self._count, self._count + len(values), dtype=np.int64)
        self._count += len(values)
        return ids

    def read(self, ids: np.ndarray) -> np.ndarray:
        return np.frombuffer(b"".join(os.pread(self._fd, SIGNATURE_BYTES, i * SIGNATURE_BYTES)
                                      for i in ids.tolist()), dtype="<u4").reshape(-1, NUM_PERM)


#: Signatures gathered at a time when the stored articles are read.
_CHUNK = 4096


class _Table:
    """Articles' stories with every (article, band) key in one sorted array, built at once.

    A query is two ``searchsorted`` calls; inserting 108k signatures one by
    one into ``MinHashLSH`` instead cost ~4 s of Python and about 8 KB of
    memory an article (16 byte-string keys in sets). Candidates are confirmed
    against the signatures (in :class:`_Signatures`) either way, so the band
    hash need not be datasketch's.
    """

    def __init__(self, sources: list[str], stories: list[str], ids: np.ndarray, keys: np.ndarray,
                 rows: np.ndarray, store: _Signatures):
        """``keys[i]`` is a band key of the article at row ``rows[i]`` (any order)."""
        self.sources = sources
        self.stories = stories
        self.ids = ids
        self.store = store
        self.row = {source: i for i, source in enumerate(sources)}
        self.alive = np.ones(len(sources), dtype=bool)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        # Positions in the sorted keys -> article rows; int32 (a table holds far fewer than 2**31).
        self.order = rows[order].astype(np.int32)

    @classmethod
    def of(cls, entries: Iterable[Entry], shape: tuple[int, int], store: _Signatures) -> _Table:
        """A table of ``entries``, read once, a chunk of signatures at a time."""
        sources: list[str] = []
        stories: list[str] = []
        ids, keys, chunk = [], [], bytearray()

        def flush() -> None:
            values = np.frombuffer(bytes(chunk), dtype="<u4").reshape(-1, NUM_PERM)
            ids.append(store.add(values))
            keys.append(_band_keys(values, *shape).ravel())
            chunk.clear()

        for source, story, sig in entries:
            sources.append(source)
            stories.append(story)
            chunk += sig
            if len(chunk) == _CHUNK * SIGNATURE_BYTES:
                flush()
        flush()
        rows = np.repeat(np.arange(len(sources), dtype=np.int32), shape[0])
        return cls(sources, stories, np.concatenate(ids), np.concatenate(keys), rows, store)

    @classmethod
    def merged(cls, tables: list[_Table]) -> _Table:
        """One table of the articles still alive in ``tables`` (their keys, not their signatures, copied)."""
        lives = [np.flatnonzero(t.alive) for t in tables]
        keys, rows, base = [], [], 0
        for t, live in zip(tables, lives):
            renumbered = np.cumsum(t.alive, dtype=np.int64) - 1 + base
            kept = t.alive[t.order]
            keys.append(t.keys[kept])
            rows.append(renumbered[t.order[kept]])
            base += len(live)
        return cls([t.sources[i] for t, live in zip(tables, lives) for i in live.tolist()],
                   [t.stories[i] for t, live in zip(tables, lives) for i in live.tolist()],
                   np.concatenate([t.ids[live] for t, live in zip(tables, lives)]),
                   np.concatenate(keys), np.concatenate(rows), tables[0].store)

    def remove(self, source: str) -> None:
        row = self.row.get(source)
        if row is not None:
            self.alive[row] = False

    def matches(self, values: np.ndarray, wanted: np.ndarray) -> list[tuple[str, float]]:
        """(story, estimated Jaccard) of the live articles sharing a band key with ``wanted``."""
        los, his = np.searchsorted(self.keys, wanted, "left"), np.searchsorted(self.keys, wanted, "right")
        found = [self.order[lo:hi] for lo, hi in zip(los.tolist(), his.tolist()) if hi > lo]
        if not found:
            return []
        rows = np.unique(np.concatenate(found))
        rows = rows[self.alive[rows]]
        scores = (self.store.read(self.ids[rows]) == values).mean(axis=1)
        return [(self.stories[row], score) for row, score in zip(rows.tolist(), scores.tolist())]

    def __len__(self) -> int:
        return int(self.alive.sum())


class _Tail:
    """The run's newest articles (at most ``TAIL``), their band keys compared all at once."""

    def __init__(self, shape: tuple[int, int]):
        self.entries: list[Entry] = []
        self.row: dict[str, int] = {}
        self.keys = np.empty((TAIL, shape[0]), dtype=np.uint64)
        self.values = np.empty((TAIL, NUM_PERM), dtype="<u4")
        self.alive = np.zeros(TAIL, dtype=bool)

    def add(self, entry: Entry, values: np.ndarray, keys: np.ndarray) -> None:
        row = len(self.entries)
        self.entries.append(entry)
        self.row[entry[0]] = row
        self.values[row], self.keys[row], self.alive[row] = values, keys, True

    def remove(self, source: str) -> None:
        row = self.row.get(source)
        if row is not None:
            self.alive[row] = False

    def matches(self, values: np.ndarray, wanted: np.ndarray) -> list[tuple[str, float]]:
        n = len(self.entries)
        rows = np.flatnonzero((self.keys[:n] == wanted).any(axis=1) & self.alive[:n])
        scores = (self.values[rows] == values).mean(axis=1)
        return [(self.entries[row][1], score) for row, score in zip(rows.tolist(), scores.tolist())]

    def live(self) -> list[Entry]:
        return [entry for row, entry in enumerate(self.entries) if self.alive[row]]

    def __len__(self) -> int:
        return int(self.alive[:len(self.entries)].sum())


def _band_keys(values: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (signature, band): FNV-1a over the band's number and its
    32-bit values (band ``i`` holds values ``i*rows:(i+1)*rows``, as in
    ``MinHashLSH.hashranges``), so keys of different bands never meet."""
    blocks = values[:, :bands * rows].reshape(len(values), bands, rows).astype(np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):  # one context: entering it costs more than a small band's arithmetic
        key = np.full((len(values), bands), 0xCBF29CE484222325, dtype=np.uint64)
        key = (key ^ np.arange(bands, dtype=np.uint64)) * prime
        for j in range(rows):
            key = (key ^ blocks[:, :, j]) * prime
    return key


#: glibc's ``mallopt`` parameter number of M_MMAP_THRESHOLD.
_M_MMAP_THRESHOLD = -3
#: Blocks from this size get their own mapping, returned to the system when freed (glibc's default).
MMAP_THRESHOLD = 128 * 1024


def steady_malloc() -> bool:
    """Fix glibc's mmap threshold at its default, for the indexing process.

    glibc raises the threshold to the size of each mapped block freed (up to
    32 MB): after the first merge of band tables frees its arrays, the next
    ones (up to 32 MB) come from the heap, whose freed holes between live
    blocks are never given back. Measured on 30,000 synthetic articles, the
    process held 2.45 KB an article against 0.97 KB of live arrays; with the
    threshold fixed, 1.1 KB. False (logged) where this is not glibc."""
    try:
        libc = ctypes.CDLL(None)
        done = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    except (OSError, AttributeError) as e:
        log.debug("mallopt unavailable, the band tables may fragment the heap: %s", e)
        return False
    if not done:
        log.debug("mallopt(M_MMAP_THRESHOLD) refused: the band tables may fragment the heap")
    return done


class Stories:
    """One indexing run's story assignment (see the module docstring).

    ``known`` yields the entries the index holds when the run starts; it is
    read only when the first article is assigned (a run with nothing to add
    does not pay for it), into one :class:`_Table`. The run's own articles
    gather in a :class:`_Tail`, sealed into tables merged as they double in
    size (a log-structured merge), so memory stays flat per article and a
    query looks at O(log n) tables.
    """

    def __init__(self, known: Callable[[], Iterable[Entry]], threshold: float = DEFAULT_THRESHOLD):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"the story threshold must be in (0, 1], not {threshold}")
        self.threshold = threshold
        self._known = known
        # With the stored table (see lsh_shape): a run that assigns nothing opens no file nor imports datasketch.
        self._shape = (0, 0)
        self._stored: _Table | None = None
        self._store: _Signatures | None = None
        self._tables: list[_Table] = []
        self._tail: _Tail | None = None
        self._gone: set[str] = set()  # removed before the known entries were read
        steady_malloc()

    def _read_stored(self) -> _Table:
        if self._stored is None:
            self._shape = lsh_shape(self.threshold)
            self._tail = _Tail(self._shape)
            self._store = _Signatures()
            self._stored = _Table.of((e for e in self._known() if len(e[2]) == SIGNATURE_BYTES
                                      and e[0] not in self._gone), self._shape, self._store)
        return self._stored

    def remove(self, source: str) -> None:
        """The article of ``source`` leaves its story (removed, or about to be replaced)."""
        if self._stored is None:
            self._gone.add(source)
        else:
            self._stored.remove(source)
        for table in self._tables:
            table.remove(source)
        if self._tail is not None:
            self._tail.remove(source)

    def assign(self, source: str, sig: bytes, content_hash: str) -> str:
        """The story of the article of ``source`` with signature ``sig`` (replacing its previous one)."""
        self.remove(source)
        stored = self._read_stored()
        if len(sig) != SIGNATURE_BYTES:
            return new_story_id(source, content_hash)  # no words: a story of its own
        values = _values(sig)
        wanted = _band_keys(values[None, :], *self._shape)[0]
        best, best_score = None, self.threshold
        assert self._tail is not None  # made with the stored table
        for table in (stored, *self._tables, self._tail):
            for story, score in table.matches(values, wanted):
                # Ties go to the smaller story id, so the choice does not depend on table order.
                if score > best_score or (score == best_score and (best is None or story < best)):
                    best, best_score = story, score
        story = best if best is not None else new_story_id(source, content_hash)
        self._remember((source, story, sig), values, wanted)
        return story

    def assign_body(self, source: str, body: str, content_hash: str) -> tuple[str, bytes]:
        """The story of the article of ``source`` with ``body``, and the body's signature."""
        sig = signature(body)
        return self.assign(source, sig, content_hash), sig

    def _remember(self, entry: Entry, values: np.ndarray, keys: np.ndarray) -> None:
        assert self._tail is not None and self._store is not None  # assign read the stored table first
        if len(self._tail.entries) == TAIL:
            self._tables.append(_Table.of(self._tail.live(), self._shape, self._store))
            self._tail = _Tail(self._shape)
            while (len(self._tables) > 1 and len(self._tables[-2]) <= 2 * len(self._tables[-1])
                   and len(self._tables[-2]) + len(self._tables[-1]) <= MERGED_MAX):
                self._tables[-2:] = [_Table.merged(self._tables[-2:])]
        self._tail.add(entry, values, keys)

    def __len__(self) -> int:
        stored = len(self._read_stored())
        assert self._tail is not None
        return stored + sum(len(t) for t in self._tables) + len(self._tail)
