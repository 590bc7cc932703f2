"""A segment writer's posting pool: flat arrays in, whole sorted terms out.

Whoosh's ``PostingPool`` keeps each posting as a 5-tuple (~190 bytes), sorts
them all at the end and, past ``limitmb``, spills sorted runs that are merged
back posting by posting. :class:`TermPool` takes a document's postings of a
field at once (:meth:`TermPool.add_terms`, a few C-level calls for all of
them: term ids from a dict, docnums, weights and values appended to flat
arrays), sorts them by term with numpy when it spills or is read, and hands
out whole terms (:meth:`TermPool.iter_terms`), which ``.w3blocks`` writes a
block at a time. Spilled runs hold whole terms, so merging runs compares
terms, not postings. Whoosh's posting-at-a-time ``add`` stays (merging
segments goes through it).
"""

from __future__ import annotations

import heapq
import logging
import marshal
from array import array
from collections.abc import Iterator, Sequence
from itertools import groupby
from operator import itemgetter

import numpy as np
from whoosh.util import random_name

from .w3blocks import Term

log = logging.getLogger(__name__)

#: (fieldname, term bytes, docnum, weight, encoded value): Whoosh's posting.
Posting = tuple[str, bytes, int, float, "bytes | None"]

#: Estimated bytes per pooled posting (its array entries and the list's
#: pointer to its value) and per new term, for ``limitmb``.
_POSTING_BYTES = 24
_TERM_BYTES = 400
#: Postings turned into Python lists at a time when terms are read out.
_CHUNK = 65_536


class TermPool:
    """Whoosh's posting-pool interface (add, cleanup) plus whole documents'
    fields in (:meth:`add_terms`) and whole terms out (:meth:`iter_terms`)."""

    def __init__(self, tempstore, limitmb: int):
        self._tempstore = tempstore
        self._limit = limitmb * 1024 * 1024
        self._runs: list[str] = []
        self._last_docnum = -1
        #: False once a posting arrived for an earlier document than the one
        #: before it; each term's postings are then sorted when read.
        self._in_order = True
        self._clear()

    def _clear(self) -> None:
        #: Per field, each term's id. Ids are unique, not dense: add_terms
        #: offers every posting a fresh one and keeps a known term's.
        self._term_ids: dict[str, dict[bytes, int]] = {}
        self._next_id = 0
        self._ids = array("i")
        # Docnums as runs: each add_terms call's document and posting count.
        self._run_docs = array("i")
        self._run_lengths = array("i")
        self._weights = array("d")
        self._values: list[bytes] = []
        self._size = 0

    def add_terms(self, fieldname: str, docnum: int, terms: Sequence[bytes],
                  weights: Sequence[float], values: Sequence[bytes]) -> None:
        """One document's postings in one field (each term once)."""
        known = self._term_ids.get(fieldname)
        if known is None:
            known = self._term_ids[fieldname] = {}
        n, before = len(terms), len(known)
        self._ids.extend(map(known.setdefault, terms, range(self._next_id, self._next_id + n)))
        self._next_id += n
        self._run_docs.append(docnum)
        self._run_lengths.append(n)
        self._weights.extend(weights)
        self._values.extend(values)
        self._size += (n * _POSTING_BYTES + (len(known) - before) * _TERM_BYTES
                       + sum(map(len, values)))
        self._arrived(docnum)

    def add(self, item: Posting) -> None:
        fieldname, tbytes, docnum, weight, value = item
        self.add_terms(fieldname, docnum, (tbytes,), (weight,), (value or b"",))

    def _arrived(self, docnum: int) -> None:
        if docnum < self._last_docnum:
            self._in_order = False
        self._last_docnum = docnum
        if self._size > self._limit:
            self._spill()

    def _sorted_terms(self) -> Iterator[Term]:
        """The pooled postings as whole terms, in (fieldname, term) order,
        each term's postings in the order they arrived."""
        keys = sorted((f, t, i) for f, terms in self._term_ids.items() for t, i in terms.items())
        if not keys:
            return
        rank = np.zeros(self._next_id, dtype=np.int32)
        rank[np.fromiter((k[2] for k in keys), dtype=np.int64, count=len(keys))] = np.arange(len(keys))
        ranks = rank[np.frombuffer(self._ids, dtype=np.intc)]
        order = np.argsort(ranks, kind="stable")
        ends = np.cumsum(np.bincount(ranks, minlength=len(keys))).tolist()
        docnums = np.repeat(np.frombuffer(self._run_docs, dtype=np.intc),
                            np.frombuffer(self._run_lengths, dtype=np.intc))
        weights = np.frombuffer(self._weights, dtype=np.float64)
        values = self._values
        k, start = 0, 0
        while k < len(keys):
            # A chunk of whole terms at a time, as Python lists.
            last = k
            while last + 1 < len(keys) and ends[last + 1] - start <= _CHUNK:
                last += 1
            at = order[start:ends[last]]
            chunk_docs, chunk_weights = docnums[at].tolist(), weights[at].tolist()
            # (Not an object array of all values: 8 more bytes a posting at a spill.)
            chunk_values = [values[i] for i in at.tolist()]
            offset = start
            for fieldname, tbytes, _ in keys[k:last + 1]:
                a, b = start - offset, ends[k] - offset
                yield fieldname, tbytes, chunk_docs[a:b], chunk_weights[a:b], chunk_values[a:b]
                start = ends[k]
                k += 1

    def _spill(self) -> None:
        # Random: every writer of an index (worker processes too) spills into
        # the same temporary directory.
        name = f"{random_name()}.run"
        with self._tempstore.create_file(name).raw_file() as f:
            for term in self._sorted_terms():
                marshal.dump(term, f)
        self._runs.append(name)
        self._clear()

    def _read_run(self, name: str) -> Iterator[Term]:
        with self._tempstore.open_file(name).raw_file() as f:
            while True:
                try:
                    yield marshal.load(f)
                except EOFError:
                    return

    def iter_terms(self) -> Iterator[Term]:
        """Every term with all its postings, in (fieldname, term) order, each
        term's postings by docnum."""
        if self._runs:
            # What is pooled joins the runs on disk first: merging holds each
            # term's whole postings (a frequent word's, in a writing worker's
            # last segment at half a million articles, tens of MB), which then
            # come on top of a spill's peak instead of on top of the full
            # pool and its sort (one run more to write and read back).
            self._spill()
        sources = [self._read_run(name) for name in self._runs] + [self._sorted_terms()]
        # heapq.merge is stable: a term's postings from earlier runs (earlier
        # documents) come first.
        merged = heapq.merge(*sources, key=itemgetter(0, 1))
        for (fieldname, tbytes), parts in groupby(merged, key=itemgetter(0, 1)):
            # Every part's lists are its own (sliced or loaded): extend in place.
            _, _, docnums, weights, values = next(parts)
            for _, _, d, w, v in parts:
                docnums += d
                weights += w
                values += v
            if not self._in_order:
                order = sorted(range(len(docnums)), key=docnums.__getitem__)
                docnums = [docnums[i] for i in order]
                weights = [weights[i] for i in order]
                values = [values[i] for i in order]
            yield fieldname, tbytes, docnums, weights, values

    def iter_postings(self) -> Iterator[Posting]:
        """Every posting, sorted by (fieldname, term, docnum)."""
        for fieldname, tbytes, docnums, weights, values in self.iter_terms():
            for docnum, weight, value in zip(docnums, weights, values):
                yield fieldname, tbytes, docnum, weight, value

    def cleanup(self) -> None:
        for name in self._runs:
            try:
                self._tempstore.delete_file(name)
            except OSError as e:  # the temporary directory goes with the writer
                log.debug("removing run %s failed: %s", name, e)
        self._runs = []
        self._clear()
