"""The fast indexing path writes exactly what Whoosh's own path writes.

``AnalyzedText`` (fields indexed without Whoosh's token pipeline) and
``FastSegmentWriter`` (term-grouped posting pool, cached field lengths) are
optimisations only: every posting, term statistic, field length and stored
value must match Whoosh's ``TEXT.index`` and ``SegmentWriter``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from search.engines.whoosh.fields import AnalyzedText
from search.engines.whoosh.schema import article_to_document, build_schema
from search.engines.whoosh.writer import FastSegmentWriter, TermPool
from search.stamps import Stamp
from tests.conftest import NO_FILE, sample_articles

SCHEMA = build_schema()
ANALYZED = [name for name in SCHEMA.names() if isinstance(SCHEMA[name], AnalyzedText)]

_WORDS = st.sampled_from([
    "the", "of", "Running", "runs", "U.S.", "3.5", "O'Neil", "don’t", "Vučić", "ВУЧИЋ",
    "Đoković", "straße", "naïve", "ÆON", "İstanbul", "ﬁnance", "x²", "١٢٣", "東京", "state",
    "art", "—", "...", "(", "e-mail", "_", "a_b",
])
_TEXTS = st.one_of(
    st.lists(_WORDS, max_size=40).map(" ".join),
    st.lists(st.one_of(_WORDS, st.text(max_size=12)), max_size=25).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS)
def test_analyzed_text_indexes_what_its_analyzer_gives(text):
    for name in ANALYZED:
        field = SCHEMA[name]
        fast = sorted(field.index(text))
        whoosh = sorted(TEXT.index(field, text))
        assert fast == whoosh, name


def _everything(index_dir: Path) -> dict:
    """Every posting, term statistic, field length and stored value of an index."""
    ix = FileStorage(str(index_dir)).open_index()
    with ix.reader() as r:
        postings = list(r.iter_postings())
        stats = {}
        for fieldname, text in r.all_terms():
            info = r.term_info(fieldname, text)
            stats[fieldname, text] = (info.weight(), info.doc_frequency(), info.min_length(),
                                      info.max_length(), info.max_weight(), info.min_id(),
                                      info.max_id())
        lengths = [
            (name, [r.doc_field_length(d, name) for d in range(r.doc_count_all())])
            for name in r.schema.scorable_names()
        ]
        stored = list(r.all_stored_fields())
        segments = len(r.leaf_readers()) if hasattr(r, "leaf_readers") else 1
    return {"postings": postings, "stats": stats, "lengths": lengths, "stored": stored,
            "segments": segments}


def _write(index_dir: Path, writer_class, docs: list[dict], *, batches: int = 1,
           limitmb: int = 128, optimize: bool = False) -> Path:
    index_dir.mkdir()
    ix = FileStorage(str(index_dir)).create_index(SCHEMA)
    size = -(-len(docs) // batches)
    for i in range(0, len(docs), size):
        w = writer_class(ix, limitmb=limitmb)
        for doc in docs[i:i + size]:
            w.add_document(**doc)
        w.commit(merge=False)
    if optimize:  # merges the segments through the pool (add_reader)
        writer_class(ix, limitmb=limitmb).commit(optimize=True)
    return index_dir


@pytest.fixture(scope="module")
def documents():
    return [article_to_document(a, NO_FILE, Stamp(1, 1, "")) for a in sample_articles()]


@pytest.mark.parametrize("limitmb", [128, 1], ids=["in-memory", "spilling"])
def test_fast_writer_writes_the_same_segment(tmp_path, documents, limitmb):
    # limitmb=1 spills several runs of terms and merges them back.
    expected = _everything(_write(tmp_path / "whoosh", SegmentWriter, documents))
    got = _everything(_write(tmp_path / "fast", FastSegmentWriter, documents, limitmb=limitmb))
    assert got == expected
    assert len(expected["postings"]) > 10_000


def test_fast_writer_merges_segments_the_same(tmp_path, documents):
    expected = _everything(_write(tmp_path / "whoosh", SegmentWriter, documents,
                                  batches=3, optimize=True))
    got = _everything(_write(tmp_path / "fast", FastSegmentWriter, documents,
                             batches=3, optimize=True, limitmb=1))
    assert got["segments"] == 1
    assert got == expected


@pytest.mark.parametrize("limitmb", [128, 0], ids=["in-memory", "spilling-every-posting"])
def test_term_pool_sorts_postings_that_arrive_out_of_order(tmp_path, limitmb):
    # Whoosh's writers add documents in docnum order, but its posting API
    # allows otherwise (spelling words go in as docnum 0): the pool must still
    # yield (fieldname, term, docnum) order.
    store = FileStorage(str(tmp_path)).create()
    pool = TermPool(store, limitmb)
    postings = [("body", b"b", 5, 1.0, b"x"), ("body", b"a", 7, 2.0, None),
                ("body", b"b", 2, 1.0, b"y"), ("author", b"z", 3, 1.0, b""),
                ("body", b"a", 1, 1.0, None)]
    for p in postings:
        pool.add(p)
    assert list(pool.iter_postings()) == sorted(postings, key=lambda p: p[:3])
    pool.cleanup()
    assert store.list() == []
