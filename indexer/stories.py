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
import logging
import re
from collections.abc import Callable, Iterable

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

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


class Stories:
    """One indexing run's story assignment (see the module docstring).

    ``known`` yields the entries the index holds when the run starts; it is
    read only when the first article is assigned (a run with nothing to add
    does not pay for it).
    """

    def __init__(self, known: Callable[[], Iterable[Entry]], threshold: float = DEFAULT_THRESHOLD):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"the story threshold must be in (0, 1], not {threshold}")
        self.threshold = threshold
        self._known = known
        self._lsh: MinHashLSH | None = None
        self._entries: dict[str, tuple[str, np.ndarray]] = {}  # source -> (story, signature values)
        self._gone: set[str] = set()  # removed before the known entries were read

    def _tables(self) -> MinHashLSH:
        if self._lsh is None:
            self._lsh = MinHashLSH(threshold=self.threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
            for source, story, sig in self._known():
                if len(sig) == NUM_PERM * 4 and source not in self._gone:  # no words: no signature
                    self._insert(source, story, _values(sig))
        return self._lsh

    def _insert(self, source: str, story: str, values: np.ndarray) -> None:
        assert self._lsh is not None
        self._lsh.insert(source, LeanMinHash(seed=SEED, hashvalues=values.astype(np.uint64), scheme=SCHEME),
                         check_duplication=False)
        self._entries[source] = (story, values)

    def remove(self, source: str) -> None:
        """The article of ``source`` leaves its story (removed, or about to be replaced)."""
        if self._lsh is None:
            self._gone.add(source)
        elif self._entries.pop(source, None) is not None:
            self._lsh.remove(source)

    def assign(self, source: str, sig: bytes, content_hash: str) -> str:
        """The story of the article of ``source`` with signature ``sig`` (replacing its previous one)."""
        self.remove(source)
        lsh = self._tables()
        if len(sig) != NUM_PERM * 4:
            return new_story_id(source, content_hash)  # no words: a story of its own
        values = _values(sig)
        best, best_score = None, self.threshold
        for other in lsh.query(LeanMinHash(seed=SEED, hashvalues=values.astype(np.uint64), scheme=SCHEME)):
            story, other_values = self._entries[other]
            score = float(np.mean(values == other_values))
            # Ties go to the smaller story id, so the choice does not depend on table order.
            if score > best_score or (score == best_score and (best is None or story < best)):
                best, best_score = story, score
        story = best if best is not None else new_story_id(source, content_hash)
        self._insert(source, story, values)
        return story

    def __len__(self) -> int:
        self._tables()
        return len(self._entries)
