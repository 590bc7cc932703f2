"""Story clusters: the same story published twice (syndication, a re-saved page) shares one id.

Each body gets a MinHash signature of its 5-word shingles (``datasketch``);
:class:`Stories` assigns an article to the story of the most similar article
the index holds, found by locality-sensitive hashing (``MinHashLSH``) and
confirmed by the signatures' estimated Jaccard similarity (≥ ``threshold``),
else to a new story. Engine-neutral: an engine only stores the two values of
:class:`search.models.Article` (``story``, ``signature``) and reads them back
for the next run (``WriterSession.stories``); the LSH tables live in memory
for one run, rebuilt from those stored values when the run has something to
assign, so the clusters commit (or not) with the articles themselves.

Assignment is incremental and greedy: a new or changed article joins the
story of its best match or starts one; a removed article leaves its story
(the others keep its id). Two stories an article bridges are not merged:
it joins the closer one. A rebuild assigns every article afresh.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH


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
# Drawing the permutations costs more than hashing a short body: once per process.
#: datasketch 2's 32-bit scheme: every value fits the uint32 the signature stores.
SCHEME = "affine32"
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


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
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_PERMUTATIONS, scheme=SCHEME)
    minhash.update_batch(list(found))
    # MinHash keeps 32-bit values in uint64 slots.
    return minhash.hashvalues.astype("<u4").tobytes()


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4")


def new_story_id(source: str, content_hash: str) -> str:
    """A new story's id: from the file and content that started it (a changed
    article that no longer matches anything starts a story of its own)."""
    return hashlib.sha1(f"{source}\0{content_hash}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


#: (source, story id, signature) of one indexed article.
Entry = tuple[str, str, bytes]


class _Stored:
    """The stories the index held when the run began, in the run's LSH bands, built at once.

    Inserting 108k stored signatures one by one into ``MinHashLSH`` costs
    ~4 s of Python per incremental run (16 dictionary inserts each); here each
    band's keys are computed for all of them with numpy and sorted, and a
    query looks its keys up with ``searchsorted``: ~0.2 s. Candidates are
    confirmed against the signatures either way, so the band hash need not be
    datasketch's.
    """

    def __init__(self, entries: list[Entry], bands: int, rows: int):
        self.sources = [source for source, _, _ in entries]
        self.stories = [story for _, story, _ in entries]
        self.row = {source: i for i, source in enumerate(self.sources)}
        self.values = np.frombuffer(b"".join(sig for _, _, sig in entries), dtype="<u4").reshape(-1, NUM_PERM)
        self.alive = np.ones(len(entries), dtype=bool)
        self.shape = (bands, rows)
        # Every (article, band) key in one sorted array: a query is two searchsorted calls.
        keys = _band_keys(self.values, bands, rows).ravel()
        self.order = np.argsort(keys, kind="stable")
        self.keys = keys[self.order]
        self.order //= bands  # positions in the sorted keys -> article rows

    def remove(self, source: str) -> None:
        row = self.row.get(source)
        if row is not None:
            self.alive[row] = False

    def candidates(self, values: np.ndarray) -> np.ndarray:
        """Rows sharing at least one band with ``values``, still in the index."""
        if not self.sources:
            return np.zeros(0, dtype=np.int64)
        wanted = _band_keys(values[None, :], *self.shape)[0]
        los, his = np.searchsorted(self.keys, wanted, "left"), np.searchsorted(self.keys, wanted, "right")
        found = [self.order[lo:hi] for lo, hi in zip(los.tolist(), his.tolist()) if hi > lo]
        if not found:
            return np.zeros(0, dtype=np.int64)
        rows = np.unique(np.concatenate(found))
        return rows[self.alive[rows]]

    def __len__(self) -> int:
        return int(self.alive.sum())


def _band_keys(values: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (signature, band): FNV-1a over the band's number and its
    32-bit values (band ``i`` holds values ``i*rows:(i+1)*rows``, as in
    ``MinHashLSH.hashranges``), so keys of different bands never meet."""
    blocks = values[:, :bands * rows].reshape(len(values), bands, rows).astype(np.uint64)
    key = np.full((len(values), bands), 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        key = (key ^ np.arange(bands, dtype=np.uint64)) * np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for j in range(rows):
            key = (key ^ blocks[:, :, j]) * np.uint64(0x100000001B3)
    return key


class Stories:
    """One indexing run's story assignment (see the module docstring).

    ``known`` yields the entries the index holds when the run starts; it is
    read only when the first article is assigned (a run with nothing to add
    does not pay for it). They are held in bulk-built band tables
    (:class:`_Stored`); the run's own articles in a ``MinHashLSH``.
    """

    def __init__(self, known: Callable[[], Iterable[Entry]], threshold: float = DEFAULT_THRESHOLD):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"the story threshold must be in (0, 1], not {threshold}")
        self.threshold = threshold
        self._known = known
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
        self._stored: _Stored | None = None
        self._entries: dict[str, tuple[str, np.ndarray]] = {}  # this run's: source -> (story, signature values)
        self._gone: set[str] = set()  # removed before the known entries were read

    def _read_stored(self) -> _Stored:
        if self._stored is None:
            entries = [e for e in self._known() if len(e[2]) == NUM_PERM * 4 and e[0] not in self._gone]
            self._stored = _Stored(entries, self._lsh.b, self._lsh.r)
        return self._stored

    def remove(self, source: str) -> None:
        """The article of ``source`` leaves its story (removed, or about to be replaced)."""
        if self._stored is None:
            self._gone.add(source)
        else:
            self._stored.remove(source)
        if self._entries.pop(source, None) is not None:
            self._lsh.remove(source)

    def assign(self, source: str, sig: bytes, content_hash: str) -> str:
        """The story of the article of ``source`` with signature ``sig`` (replacing its previous one)."""
        self.remove(source)
        stored = self._read_stored()
        if len(sig) != NUM_PERM * 4:
            return new_story_id(source, content_hash)  # no words: a story of its own
        values = _values(sig)
        found = [(stored.stories[row], stored.values[row]) for row in stored.candidates(values)]
        found += [self._entries[other] for other in self._lsh.query(_lean(values))]
        best, best_score = None, self.threshold
        for story, other_values in found:
            score = float(np.mean(values == other_values))
            # Ties go to the smaller story id, so the choice does not depend on table order.
            if score > best_score or (score == best_score and (best is None or story < best)):
                best, best_score = story, score
        story = best if best is not None else new_story_id(source, content_hash)
        self._lsh.insert(source, _lean(values), check_duplication=False)
        self._entries[source] = (story, values)
        return story

    def __len__(self) -> int:
        return len(self._read_stored()) + len(self._entries)


def _lean(values: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=values.astype(np.uint64), scheme=SCHEME)
