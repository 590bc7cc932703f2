"""Writing whole terms into Whoosh's W3 posting blocks.

Whoosh writes a segment's postings one at a time: ``FieldWriter.add_postings``
calls ``add_posting`` (type checks, running block statistics) per posting and
looks up the document's field length per posting. For a 4k-article segment
that was about half the indexing CPU outside extraction. :func:`add_terms`
takes each term's postings as lists and writes the same W3 blocks (up to
``blocklimit`` postings: a pickled, zlib-compressed tuple of delta-encoded
ids, weights and values behind a pickled block header) with the same term
statistics, a block at a time. The blocks are Whoosh's own, so the index
format does not change: ``tests/engines/whoosh/test_writing.py`` compares
the files byte for byte with Whoosh's (compressing as Whoosh does).

Three things differ from Whoosh's writer, none the format. A block's data
is pickled with protocol 4 (:data:`DATA_PROTOCOL`), not 2: under protocol 2
Python 3 pickles each bytes value (a document's encoded positions) as a call
of ``codecs.encode`` on a latin-1 string, so unpickling a block of positions
called it once per posting (~4 us each: most of a phrase query's time over a
frequent word), where protocol 4 stores bytes as bytes (Whoosh's reader
unpickles either, ``pickle.loads`` reads the protocol from the data). And
the compression (:func:`pack_data`): most terms are rare, so most blocks
are a few dozen bytes, and ``zlib.compress`` sets up a 32 KB window and
256 KB of hash tables for each, which cost more than everything else of
writing the block. The smallest blocks are stored uncompressed (a block
header says whether its data is compressed), and other small ones are
compressed with a window and tables sized to them: the same deflate format
(``zlib.decompress`` reads it, as Whoosh's reader does), about 10x faster.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Iterable
from functools import lru_cache
from operator import sub
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.filetables import _lengths as _KEY_VALUE_LENGTHS
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte

#: Pickle protocol of a block's data (ids, weights, values); Whoosh uses 2.
DATA_PROTOCOL = 4
#: A term with its postings: fieldname, term bytes, docnums (ascending),
#: weights and encoded values (bytes, b"" for none).
Term = tuple[str, bytes, list, list, list]
#: A field's length in each document (None: none), by fieldname.
Lengths = Callable[[str], list]


def writes_w3_blocks(fieldwriter) -> bool:
    """Whether :func:`add_terms` writes what this field writer would: Whoosh's
    W3 writer with W3's default inlining (a list is never inlined)."""
    codec = getattr(fieldwriter, "_codec", None)
    return (type(fieldwriter) is W3FieldWriter and type(codec) is W3Codec
            and codec._inlinelimit <= 1)


def add_terms(fieldwriter: W3FieldWriter, schema, lengths: Lengths | None,
              terms: Iterable[Term]) -> None:
    """Write ``terms`` (in (fieldname, term) order) as ``fieldwriter.add_postings``
    would write their postings; ``lengths`` is None when the codec keeps no
    length statistics."""
    codec = fieldwriter._codec
    blocklimit, compression = codec._blocklimit, codec._compression
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    # Kept here: the buffered file's tell() is a system call.
    offset = postfile.tell()
    add_to_index = _TermIndex(tindex)
    lastfield = None
    for fieldname, tbytes, docnums, weights, values in terms:
        if fieldname != lastfield:
            if lastfield is not None:
                fieldwriter.finish_field()
            fieldobj = schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            field_lengths = lengths(fieldname) if lengths else None
            fixed = fieldobj.format.fixed_value_size()
            keyprefix = pack_ushort(fieldwriter._fieldid)
            lastfield = fieldname
        info = _write_term(postfile, offset, blocklimit, compression, fixed, docnums, weights, values,
                           field_lengths)
        offset += info._length
        add_to_index(keyprefix + tbytes, info.to_bytes())
    if lastfield is not None:
        fieldwriter.finish_field()


class _TermIndex:
    """``OrderedHashWriter.add`` (the term index: every term's key, its
    W3TermInfo, its md5 in a bucket) with the file's position kept here:
    Whoosh asks the buffered file for it twice a term, a system call each."""

    def __init__(self, tindex: OrderedHashWriter):
        self._tindex = tindex
        self._file = tindex.dbfile
        self._position = self._file.tell()
        self._positions = tindex.index
        self._buckets = tindex.buckets
        self._hash = tindex.hashfn

    def __call__(self, key: bytes, value: bytes) -> None:
        tindex = self._tindex
        if key <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{key!r}")
        position = self._position
        self._positions.append(position)
        record = _KEY_VALUE_LENGTHS.pack(len(key), len(value)) + key + value
        self._file.write(record)
        self._position = position + len(record)
        h = self._hash(key)
        self._buckets[h & 255].append((h, position))
        tindex.lastkey = key


def _write_term(postfile, start: int, blocklimit: int, compression: int, fixed: int | None,
                docnums: list, weights: list, values: list, lengths: list | None) -> W3TermInfo:
    """Write the term's blocks at ``start``, the file's position."""
    write = postfile.write
    write(WHOOSH3_HEADER_MAGIC)
    written = len(WHOOSH3_HEADER_MAGIC)
    # The term's statistics, as W3TermInfo.add_block sums them over its blocks.
    total_weight, term_min, term_max, term_maxweight = 0, None, 0, 0
    n = len(docnums)
    for s in range(0, n, blocklimit):
        e = min(n, s + blocklimit)
        ids = docnums[s:e] if n > blocklimit else docnums
        raw_weights = weights[s:e] if n > blocklimit else weights
        # Whoosh keeps a block's weights as float32 and its max weight as given.
        stored = array("f", raw_weights)
        maxweight = max(raw_weights)
        if not maxweight > 0:
            maxweight = 0
        if lengths is None:
            minlength, maxlength = None, 0
        else:
            present = [x for x in map(lengths.__getitem__, ids) if x]
            minlength, maxlength = (min(present), max(present)) if present else (None, 0)
        total_weight += sum(stored)
        term_min = minlength if term_min is None else min(term_min, minlength)
        term_max = max(term_max, maxlength)
        term_maxweight = max(term_maxweight, maxweight)
        # W3PostingsWriter._write_block
        block_values = values[s:e] if n > blocklimit else values
        data = (tuple(map(sub, ids, [0] + ids[:-1])), _mini_weights(stored),
                _mini_values(fixed, [v for v in block_values if v]))
        comp, databytes = pack_data(dumps(data, DATA_PROTOCOL), compression)
        infobytes = dumps((e - s, ids[-1], maxweight, comp, _LENGTH_BYTE(minlength),
                           _LENGTH_BYTE(maxlength)), 2)
        size = len(infobytes) + len(databytes)
        write(pack_int(-size if e == n else size) + infobytes + databytes)
        written += 4 + size
    info = W3TermInfo(total_weight, n, term_min, term_max, term_maxweight, docnums[0], docnums[-1])
    info.set_extent(start, written)
    return info


_LENGTH_BYTE = lru_cache(maxsize=4096)(length_to_byte)
#: Blocks smaller than this are stored uncompressed: four in five blocks of
#: real articles, which zlib's header and checksum made larger.
RAW_BELOW = 64
#: Blocks up to this size are compressed with a window and tables sized to them.
SMALL_BLOCK = 4096


def pack_data(data: bytes, level: int) -> tuple[int, bytes]:
    """(compression level for the block header, data as stored). A level of
    0 says "not compressed", which Whoosh's reader honours (its writer meant
    to leave blocks under 20 bytes so, but compresses every block)."""
    if not level or len(data) < RAW_BELOW:
        return 0, data
    if len(data) > SMALL_BLOCK:
        return level, zlib.compress(data, level)
    # A window just larger than the data and smaller hash tables (memLevel
    # 4 of 9 compressed the blocks of real articles as well as the default 8).
    c = zlib.compressobj(level, zlib.DEFLATED, max(9, len(data).bit_length()), 4)
    return level, c.compress(data) + c.flush()


def _mini_weights(stored: array):
    if stored.count(1.0) == len(stored):
        return None
    if stored.count(stored[0]) == len(stored):
        return stored[0]
    return tuple(stored)


def _mini_values(fixed: int | None, values: list):
    if fixed is None or fixed < 0:
        return tuple(values)
    if fixed == 0:
        return None
    return b"".join(values)
