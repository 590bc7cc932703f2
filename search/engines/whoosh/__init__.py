"""The Whoosh engine: the embedded default, an index in a directory.

Only this package imports ``whoosh``. Modules, from the request down:
``engine`` (the :class:`search.engine.Engine`), ``searchers`` (per-thread
searchers and the per-generation column table), ``searching`` (one search:
match, filter, page, hits), ``compile`` (syntax tree -> Whoosh query),
``evaluate`` (the one query-tree evaluator, scored or id-only), ``postings``
(posting lists as numpy arrays, and their cache), ``w3read`` (posting
blocks read straight from the posting file), ``w3values`` (their weights and
positions, many blocks at once), ``phrases``, ``bm25``, ``docset`` (date
sets as a query), ``doctable`` (numpy columns), ``facets`` (filter masks and
counting), ``highlight``, ``suggest``, ``related``; for writing, ``session``
(the :class:`search.engine.WriterSession`), ``writer`` (the segment writer
and the storage that closes a failed writer's files), ``termpool`` (its
posting pool), ``w3blocks`` (whole terms into W3 posting blocks), ``store`` (generations,
lock, publishing, leftovers of failed runs, roots and known failures),
``damage`` (the manifest of each commit; damaged files found and named),
``schema``, ``fields``, ``analysis``.

Private Whoosh internals (names with a leading underscore, or file formats
Whoosh does not document) are used only in this package, each for speed
measured in BENCHMARKS.md, and each checked against Whoosh's own results by
the tests in ``tests/engines/whoosh/``:

* ``w3read`` and ``w3values``: the W3 codec's posting block layout
  (``W3LeafMatcher._goto``, ``_read_data``, ``_read_values``) and pickle's
  opcodes for a block's ids, weights and positions,
  read from ``SegmentReader._terms._postfile`` (mapped; a compound
  segment's ``BufferFile._buf``), to read many blocks at once and step over
  the blocks that hold no candidate;
* ``phrases``: the pickled position lists of ``whoosh.formats.Positions``,
  unpickled many at once;
* ``doctable``: whole fixed-size columns (``_count``, ``_dbfile``, ``_basepos``,
  ``_fixedlen``, ``_typecode``, ``_default``), whole variable-length bytes
  columns (``VarBytesColumn.Reader``'s ``_lengths``) and the length columns
  (``SegmentReader._perdoc._cached_reader``, ``whoosh.codec.whoosh3._lenfield``);
* ``writer``: ``SegmentWriter``'s posting pool, ``_flush_segment``,
  ``_check_state``, ``_check_fields`` and ``_added`` (its ``add_document``
  pools a document's fields whole), and ``_merge_segments`` (to publish
  worker segments in the session's commit);
* ``w3blocks``: the W3 posting block layout (``W3PostingsWriter._write_block``,
  ``W3TermInfo``'s fields) and ``W3FieldWriter``'s ``_codec``, ``_postfile``,
  ``_tindex``, ``_fieldid``, with the codec's ``_blocklimit``,
  ``_compression``, ``_inlinelimit``, to write whole terms;
* ``session``: a worker's segment writer (``_lk=False``, ``_added``,
  ``_finalize_segment``, ``_close_segment``);
* ``store`` and ``damage``: ``TOC._latest_generation``, the commit number without
  opening the index, and ``TOC._filename``, its table of contents' name;
* ``writer``: the file objects under Whoosh's ``StructFile`` (``.file``, ``.raw``),
  closed unflushed when a write failed.

Existing indexes pickle the analysis and field classes under their old paths
``search.analysis`` and ``search.fields``: those modules stay as aliases of
``analysis`` and ``fields`` here until ``newsarchive index --rebuild`` has
rewritten every index (see the README).
"""

from .engine import WhooshEngine

__all__ = ["WhooshEngine"]
