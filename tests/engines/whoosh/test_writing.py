"""The fast indexing path writes exactly what Whoosh's own path writes.

``AnalyzedText`` (fields indexed without Whoosh's token pipeline) and
``FastSegmentWriter`` (term-grouped posting pool, cached field lengths) are
optimisations only: every posting, term statistic, field length and stored
value must match Whoosh's ``TEXT.index`` and ``SegmentWriter``.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter
from whoosh.writing import SegmentWriter

from search.engines.whoosh import w3blocks
from search.engines.whoosh.fields import AnalyzedText
from search.engines.whoosh.schema import article_to_document, build_schema
from search.engines.whoosh.termpool import TermPool
from search.engines.whoosh.writer import FastSegmentWriter, compact_buckets
from search.stamps import Stamp
from tests.conftest import NO_FILE, make_article, sample_articles

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
           limitmb: int = 128, optimize: bool = False, compound: bool = True) -> Path:
    index_dir.mkdir()
    ix = FileStorage(str(index_dir)).create_index(SCHEMA)
    size = -(-len(docs) // batches)
    for i in range(0, len(docs), size):
        w = writer_class(ix, limitmb=limitmb, compound=compound)
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


def _posting_files(index_dir: Path) -> dict[str, bytes]:
    """The one segment's posting and term files, by extension (their names are random)."""
    files = [p for p in index_dir.iterdir() if p.suffix in (".pst", ".trm")]
    assert sorted(p.suffix for p in files) == [".pst", ".trm"]
    return {p.suffix: p.read_bytes() for p in files}


@pytest.mark.parametrize("blocks", ["whoosh", "ours"])
def test_fast_writer_writes_whooshs_bytes(tmp_path, monkeypatch, blocks):
    # Lists of many W3 blocks (128 postings each), weights that vary, repeat
    # or are all 1, positions: pickled and compressed as Whoosh does, the
    # posting and term files are Whoosh's own, byte for byte, so the index
    # format is unchanged; pickled with protocol 4, the smallest blocks
    # stored raw and the others compressed with windows sized to them,
    # Whoosh reads the same postings and statistics from smaller files.
    if blocks == "whoosh":
        monkeypatch.setattr(w3blocks, "pack_data", lambda data, level: (level, zlib.compress(data, level)))
        monkeypatch.setattr(w3blocks, "DATA_PROTOCOL", 2)
    rng = random.Random(4)
    words = ["the", "of", "harbour", "council", "budget", "river"] + [f"w{i}" for i in range(300)]
    docs = []
    for i in range(700):
        text = " ".join(rng.choice(words[:6]) if rng.random() < 0.5 else rng.choice(words)
                        for _ in range(rng.randint(1, 30)))
        article = make_article(f"T{i} {rng.choice(words)}", text, source=f"/p/{i}.html",
                               section=rng.choice(["World", "Business", None]))
        docs.append(article_to_document(article, NO_FILE, Stamp(1, 1, "")))
    whoosh = tmp_path / "whoosh"
    fast = tmp_path / "fast"
    expected = _everything(_write(whoosh, SegmentWriter, docs, compound=False))
    assert _everything(_write(fast, FastSegmentWriter, docs, compound=False)) == expected
    ours, theirs = _posting_files(fast), _posting_files(whoosh)
    if blocks == "whoosh":
        assert ours == theirs
    else:
        assert len(ours[".pst"]) < 0.95 * len(theirs[".pst"])
    assert max(df for _, df, *_ in expected["stats"].values()) > 3 * 128


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
    # A value of None is written as b"" (as Whoosh's add_postings does).
    expected = [(f, t, d, w, v or b"") for f, t, d, w, v in sorted(postings, key=lambda p: p[:3])]
    assert list(pool.iter_postings()) == expected
    assert [(f, t, d, w, v) for f, t, ds, ws, vs in pool.iter_terms()
            for d, w, v in zip(ds, ws, vs)] == expected
    pool.cleanup()
    assert store.list() == []


def test_compact_term_index_buckets_write_whooshs_bytes(tmp_path):
    # A few thousand keys (and ones colliding in a bucket): the hash tables,
    # directory and index written from the two arrays are Whoosh's, byte for byte.
    rng = random.Random(7)
    keys = sorted({bytes(rng.randrange(256) for _ in range(rng.randint(1, 12))) for _ in range(5000)})
    storage = FileStorage(str(tmp_path))
    written = {}
    for name, compact in (("whoosh", False), ("ours", True)):
        tindex = OrderedHashWriter(storage.create_file(name))
        if compact:
            compact_buckets(tindex)
        for i, key in enumerate(keys):
            tindex.add(key, b"v%d" % (i * 7919))
        tindex.close()
        written[name] = (tmp_path / name).read_bytes()
    assert len(keys) > 4000 and written["ours"] == written["whoosh"]
    reader = OrderedHashReader(storage.open_file("ours"), len(written["ours"]))
    try:
        assert [reader[k] for k in keys[::97]] == [b"v%d" % (i * 7919) for i in range(0, len(keys), 97)]
    finally:
        reader.close()


def test_fast_writer_keeps_its_term_index_compact(tmp_path, documents):
    ix = FileStorage(str(tmp_path)).create_index(SCHEMA)
    w = FastSegmentWriter(ix)
    for doc in documents[:20]:
        w.add_document(**doc)
    w.commit(merge=False)  # the term index closed from the compact buckets
    assert all(type(b).__name__ == "_HashBucket" for b in w.fieldwriter._tindex.buckets)
    assert sum(len(b) for b in w.fieldwriter._tindex.buckets) > 100


def test_field_lengths_read_whole_are_the_readers(tmp_path, documents):
    """The segment writer's lengths (an array of C ints a field, 0 for none)
    answer what Whoosh's reader answers, for Whoosh's own field writers too."""
    from search.engines.whoosh.writer import _FieldLengths

    bare = article_to_document(make_article("A title", "A body."), NO_FILE, Stamp(1, 1, ""))  # no author, no section
    ix = FileStorage(str(_write(tmp_path / "ix", SegmentWriter, [*documents, bare]))).open_index()
    with ix.reader() as r:
        lengths = _FieldLengths(r._perdoc, r.doc_count_all())
        for name in r.schema.scorable_names():
            expected = [r.doc_field_length(d, name) for d in range(r.doc_count_all())]
            assert list(lengths(name)) == [n or 0 for n in expected]
            assert [lengths.doc_field_length(d, name) for d in range(r.doc_count_all())] == expected
        assert lengths("author")[-1] == 0 and max(lengths("body")) > 256
        assert lengths.doc_field_length(0, "no_such_field", 7) == 7


def test_a_pool_that_spilled_spills_the_rest_before_merging(tmp_path):
    """Merging then holds only each term's postings, not the pool and its sort
    too; the terms come out as from the runs and the pool together."""
    store = FileStorage(str(tmp_path)).create()
    pool = TermPool(store, 1)
    words = [b"w%d" % i for i in range(3000)]
    expected = {}
    for docnum in range(400):
        terms = words[docnum % 7::7][:300]
        pool.add_terms("body", docnum, terms, [1.0] * len(terms), [b"%d" % docnum] * len(terms))
        for t in terms:
            expected.setdefault(t, []).append(docnum)
    spilled = len(pool._runs)
    terms = pool.iter_terms()
    first = next(terms)
    assert spilled >= 2 and len(pool._runs) == spilled + 1 and pool._size == 0 and not pool._values
    got = {t: docnums for _, t, docnums, _, _ in [first, *terms]}
    assert got == expected
    pool.cleanup()


def test_a_single_position_is_one_shared_value():
    fmt = SCHEMA["body_phrase"].format
    assert fmt.encode([5]) is fmt.encode([5]) == b"\x05\x00"
    assert fmt.encode([70_000]) == b"\xff\xff" + (70_000).to_bytes(4, "little")  # wide: not shared
    for positions in ([0], [4095], [4096], [3, 9], [65_534]):
        assert fmt.decode_positions(fmt.encode(positions)) == positions
