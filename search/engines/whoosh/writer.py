"""A Whoosh segment writer with a compact posting pool: same segments, less CPU.

Whoosh's ``PostingPool`` keeps each posting as a 5-tuple (~190 bytes), sorts
them all at the end and, past ``limitmb``, spills sorted runs that are merged
back posting by posting. Building a 100k-article segment spent about a third
of its CPU there. Documents reach the pool in docnum order, so grouping
postings by term as they arrive leaves each term's postings already sorted;
:class:`TermPool` stores them in arrays (~20 bytes a posting plus any encoded
positions), sorts only the terms, and spills whole terms, so merging runs
compares terms, not postings.

The writer also reads each field's length column once when it writes the
postings, where Whoosh looked the length up through the column reader (and a
file-exists check) once per posting.
"""

from __future__ import annotations

import heapq
import logging
import marshal
import os
import weakref
from array import array
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.filedb.filestore import FileStorage
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from .doctable import column_bytes

log = logging.getLogger(__name__)

#: (fieldname, term bytes, docnum, weight, encoded value): Whoosh's posting.
Posting = tuple[str, bytes, int, float, "bytes | None"]
#: A pooled term: its key and its postings' docnums, weights and values.
_Term = tuple[str, bytes, array, array, list]

#: Estimated bytes per pooled posting and per new term, for ``limitmb``.
_POSTING_BYTES = 24
_TERM_BYTES = 400


class TermPool:
    """Whoosh's posting-pool interface (add, iter_postings, cleanup), by term."""

    def __init__(self, tempstore, limitmb: int):
        self._tempstore = tempstore
        self._limit = limitmb * 1024 * 1024
        self._size = 0
        self._terms: dict[tuple[str, bytes], tuple[array, array, list]] = {}
        self._runs: list[str] = []
        self._last_docnum = -1
        #: False once a posting arrived for an earlier document than the one
        #: before it; each term's postings are then sorted when read.
        self._in_order = True

    def add(self, item: Posting) -> None:
        fieldname, tbytes, docnum, weight, value = item
        key = (fieldname, tbytes)
        postings = self._terms.get(key)
        if postings is None:
            postings = self._terms[key] = (array("q"), array("d"), [])
            self._size += _TERM_BYTES + len(tbytes)
        postings[0].append(docnum)
        postings[1].append(weight)
        postings[2].append(value)
        self._size += _POSTING_BYTES + (len(value) if value else 0)
        if docnum < self._last_docnum:
            self._in_order = False
        self._last_docnum = docnum
        if self._size > self._limit:
            self._spill()

    def _sorted_terms(self) -> Iterator[_Term]:
        for key in sorted(self._terms):
            yield (*key, *self._terms[key])

    def _spill(self) -> None:
        # Random: every writer of an index (worker processes too) spills into
        # the same temporary directory.
        name = f"{random_name()}.run"
        with self._tempstore.create_file(name).raw_file() as f:
            for fieldname, tbytes, docnums, weights, values in self._sorted_terms():
                marshal.dump((fieldname, tbytes, docnums.tobytes(), weights.tobytes(), values), f)
        self._runs.append(name)
        self._terms = {}
        self._size = 0

    def _read_run(self, name: str) -> Iterator[_Term]:
        with self._tempstore.open_file(name).raw_file() as f:
            while True:
                try:
                    fieldname, tbytes, docnums, weights, values = marshal.load(f)
                except EOFError:
                    return
                yield fieldname, tbytes, array("q", docnums), array("d", weights), values

    def iter_postings(self) -> Iterator[Posting]:
        """Every posting, sorted by (fieldname, term, docnum)."""
        sources = [self._read_run(name) for name in self._runs] + [self._sorted_terms()]
        # heapq.merge is stable: a term's postings from earlier runs (earlier
        # documents) come first.
        merged = heapq.merge(*sources, key=itemgetter(0, 1))
        for (fieldname, tbytes), parts in groupby(merged, key=itemgetter(0, 1)):
            docnums: list | array = array("q")
            weights: list | array = array("d")
            values: list = []
            for _, _, d, w, v in parts:
                docnums += d
                weights += w
                values += v
            postings = zip(docnums, weights, values)
            if not self._in_order:
                postings = iter(sorted(postings, key=itemgetter(0)))
            for docnum, weight, value in postings:
                yield fieldname, tbytes, docnum, weight, value

    def cleanup(self) -> None:
        for name in self._runs:
            try:
                self._tempstore.delete_file(name)
            except OSError:
                pass
        self._runs = []
        self._terms = {}


class _FieldLengths:
    """``doc_field_length`` from each length column read once, whole."""

    def __init__(self, perdoc_reader, doc_count: int):
        self._reader = perdoc_reader
        self._doc_count = doc_count
        self._lengths: dict[str, list] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            column = f"_{fieldname}_len"  # Whoosh's name for a field's length column
            if self._reader.has_column(column):
                codes = column_bytes(self._reader.column_reader(column, LENGTHS_COLUMN),
                                     self._doc_count)
                # Whoosh reads a zero length byte as None.
                lengths = [byte_to_length(b) if b else None for b in codes.tolist()]
            else:
                lengths = [default] * self._doc_count
            self._lengths[fieldname] = lengths
        return lengths[docnum]


class FastSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with a :class:`TermPool` and cached field lengths."""

    def __init__(self, ix, limitmb: int = 128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _FieldLengths(pdr, self.docnum) if pdr else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


class CombiningWriter(FastSegmentWriter):
    """A session's one writer, whose commit also publishes its parts' segments.

    Whoosh's own ``commit`` (lock, merge policy, table of contents written and
    renamed last, old files cleaned) does the work, so a run stays one
    atomic commit whether or not worker processes wrote segments.
    """

    #: Finished, uncommitted segments written by worker processes.
    extra_segments: tuple = ()

    def _merge_segments(self, mergetype, optimize, merge):
        return super()._merge_segments(mergetype, optimize, merge) + list(self.extra_segments)


class WriterStorage(FileStorage):
    """A generation directory for writing that remembers every file it opens.

    A write that fails part-way (a full disk) leaves files open in Whoosh's
    writers, in the frames of the exception's traceback and in the writer's
    temporary directory; a deleted file holds its space until it is closed.
    :meth:`close_unflushed` closes them all without writing their buffers.
    """

    def __init__(self, path: str, opened: weakref.WeakSet | None = None):
        super().__init__(path)
        self._opened = opened if opened is not None else weakref.WeakSet()

    def create_file(self, name, *args, **kwargs):
        f = super().create_file(name, *args, **kwargs)
        self._opened.add(f)
        return f

    def open_file(self, name, *args, **kwargs):
        f = super().open_file(name, *args, **kwargs)
        self._opened.add(f)
        return f

    def temp_storage(self, name=None):
        # FileStorage.temp_storage, in a storage that shares this one's registry.
        path = os.path.join(self.folder, name or f"{random_name()}.tmp")
        return WriterStorage(path, self._opened).create()

    def close_unflushed(self) -> None:
        for f in list(self._opened):
            # Closing the raw file under the buffer drops the buffer unwritten.
            inner = getattr(f, "file", f)
            raw = getattr(inner, "raw", inner)
            try:
                raw.close()
            except OSError as e:  # closed is all that matters here
                log.debug("closing %r failed: %s", f, e)
