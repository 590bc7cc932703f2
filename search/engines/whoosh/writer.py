"""A Whoosh segment writer that writes the same segments for less CPU.

Whoosh's ``SegmentWriter`` hands every posting to its pool as a tuple, and
its field writer writes them back one ``add_posting`` call at a time, looking
each document's field length up through the column reader (and a
file-exists check) per posting. :class:`FastSegmentWriter` hands each
document's field to a :class:`.termpool.TermPool` whole, reads each field's
length column once, and has ``.w3blocks`` write whole terms into the same
W3 blocks. Building a segment spent about two thirds of its CPU outside
extraction in those per-posting calls.
"""

from __future__ import annotations

import logging
import os
import weakref
from array import array

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from .doctable import column_bytes
from .fields import AnalyzedText
from .termpool import TermPool
from .w3blocks import add_terms, writes_w3_blocks

log = logging.getLogger(__name__)

#: Whoosh's length of each length byte (0 for none), as C ints.
_DECODED_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.intc)


class _FieldLengths:
    """Each field's length in every document, its length column read once, whole."""

    def __init__(self, perdoc_reader, doc_count: int):
        self._reader = perdoc_reader
        self._doc_count = doc_count
        self._lengths: dict[str, array] = {}

    def __call__(self, fieldname: str) -> array:
        """The field's length in each document (0: none). An array of C ints: a
        worker's last segment at half a million articles holds 270,000
        documents, and a list took 8 bytes a document for each of 8 fields."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            column = f"_{fieldname}_len"  # Whoosh's name for a field's length column
            if self._reader.has_column(column):
                codes = column_bytes(self._reader.column_reader(column, LENGTHS_COLUMN),
                                     self._doc_count)
                lengths = array("i", _DECODED_LENGTHS[codes].tobytes())
            else:
                lengths = array("i", bytes(_DECODED_LENGTHS.itemsize * self._doc_count))
            self._lengths[fieldname] = lengths
        return lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        """Whoosh's ``LengthsReader`` interface (for its own field writers): None for a zero length byte."""
        length = self(fieldname)[docnum] or None
        return default if length is None and not self._reader.has_column(f"_{fieldname}_len") else length


class _HashBucket:
    """One of the term index's 256 buckets of (hash, position) pairs, kept as two arrays.

    ``HashWriter`` keeps a tuple of two ints a term until the segment's term
    index is closed: about 130 bytes a term, hundreds of MB in a writing
    worker's last segment at half a million articles; here 12. The hash table
    written from it is the same: ``_write_hashes`` reads a bucket only through
    ``len`` and iteration, in the order of ``append``.
    """

    __slots__ = ("_hashes", "_positions")

    def __init__(self) -> None:
        self._hashes = array("I")  # Whoosh's key hashes are 32-bit
        self._positions = array("Q")

    def append(self, entry: tuple[int, int]) -> None:
        self._hashes.append(entry[0])
        self._positions.append(entry[1])

    def __len__(self) -> int:
        return len(self._hashes)

    def __iter__(self):
        return zip(self._hashes, self._positions)


def compact_buckets(tindex: OrderedHashWriter) -> None:
    """Have the term index ``tindex`` (nothing added yet) keep its buckets as :class:`_HashBucket`."""
    assert not any(tindex.buckets)
    tindex.buckets = [_HashBucket() for _ in range(256)]


class FastSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter``, each document's fields pooled whole and each
    term written whole (see the module docstring)."""

    def __init__(self, ix, limitmb: int = 128, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)
        if type(getattr(self.fieldwriter, "_tindex", None)) is OrderedHashWriter:  # W3's term index
            compact_buckets(self.fieldwriter._tindex)
        # Spelling words and term vectors go through Whoosh's own path.
        self._plain = not any(self.schema[name].separate_spelling() or self.schema[name].vector
                              for name in self.schema.names())

    def add_document(self, **fields):
        if not self._plain or any(name.startswith("_") for name in fields):
            # Boosts and stored-value overrides: Whoosh's path (pool.add per posting).
            return super().add_document(**fields)
        self._check_state()
        schema, docnum, perdoc = self.schema, self.docnum, self.perdocwriter
        names = sorted(fields)
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if isinstance(field, AnalyzedText) and isinstance(value, str):
                    terms, freqs, weights, values = field.index_columns(value)
                else:
                    terms, freqs, weights, values = tuple(zip(*field.index(value))) or ((), (), (), ())
                    if None in values:  # Whoosh writes b"" for it
                        values = [v or b"" for v in values]
                if field.scorable:
                    length = sum(freqs)
                if terms:
                    self.pool.add_terms(name, docnum, terms, weights, values)
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _FieldLengths(pdr, self.docnum) if pdr else None
        if writes_w3_blocks(self.fieldwriter):
            add_terms(self.fieldwriter, self.schema, lengths, self.pool.iter_terms())
        else:  # another codec: Whoosh's posting-at-a-time path
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
