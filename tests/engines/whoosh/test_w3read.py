"""Posting blocks read straight from the posting file (``w3read``) hold what
Whoosh's own matcher reads: every id, weight and value, in either pickle
protocol, from a mapped file or a compound segment's map, through the
decoding of ids from their bytes and through whole unpickling."""

from __future__ import annotations

import logging
import mmap
from types import SimpleNamespace

import numpy as np
import pytest
from whoosh import fields
from whoosh.filedb.filestore import FileStorage, RamStorage

from search.engines.whoosh import w3read
from search.engines.whoosh.postings import leaves, term_ids, term_postings

pytestmark = pytest.mark.engines("whoosh")


def _whoosh(searcher, fieldname: str, text, with_values: bool):
    """(ids, weights, values) of the live postings, as Whoosh's matchers read them."""
    ids, weights, values = [], [], []
    for sub, offset in leaves(searcher):
        reader = sub.reader()
        if (fieldname, text) not in reader:
            continue
        m = reader.postings(fieldname, text)
        while m.is_active():
            ids.append(m.id() + offset)
            weights.append(m.weight())
            if with_values:
                values.append(m.value())
            m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), values


def _compare(searcher, live: np.ndarray, fieldname: str, terms, with_values: bool) -> int:
    """Ours against Whoosh's for each term, whole and limited to candidates; postings compared."""
    compared = 0
    for text in terms:
        ids, weights, values = _whoosh(searcher, fieldname, text, with_values)
        ours = term_ids(searcher, fieldname, text)
        assert np.array_equal(ours[live[ours]], ids), (fieldname, text)
        got = term_postings(searcher, fieldname, text, with_values=with_values)
        assert got is not None and got.whole
        keep = live[got.ids]
        assert np.array_equal(got.ids[keep], ids) and np.array_equal(got.weights[keep], weights), text
        if with_values:
            assert [v for v, k in zip(got.values.items(), keep) if k] == values, text
        within = ids[::3]
        part = term_ids(searcher, fieldname, text, within=within)
        assert np.all(np.diff(part) > 0) and np.array_equal(part[np.isin(part, within)], within), text
        compared += len(ids)
    return compared


@pytest.fixture
def decoded(monkeypatch):
    """Counts the blocks read by unpickling them whole (the others' ids are
    decoded from their bytes) and the blocks whose ids were read."""
    from search.engines.whoosh import postings, w3values

    calls = {"whole": 0, "ids": 0}
    whole, ids = w3read.unpickled, w3read.read_ids

    def counting_unpickled(data):
        calls["whole"] += 1
        return whole(data)

    def counting_ids(blocks, chosen, *args):
        calls["ids"] += len(chosen)
        return ids(blocks, chosen, *args)

    monkeypatch.setattr(w3read, "unpickled", counting_unpickled)
    monkeypatch.setattr(w3values, "unpickled", counting_unpickled)
    monkeypatch.setattr(postings, "read_ids", counting_ids)
    return calls


def test_our_blocks_equal_whooshs_matcher(small_blocks, decoded):
    """Blocks of 4 written by our writer (protocol 4), two segments, deletions."""
    svc, _ = small_blocks
    snap = svc.engine.snapshot()
    searcher, live = snap.searcher, snap.table.live
    reader = searcher.subsearchers[0][0].reader()
    assert reader.has_deletions()
    compared, chosen = 0, {}
    for fieldname, with_values in [("body_exact", False), ("title_exact", False), ("body", False),
                                   ("body_phrase", True)]:
        frequent = [t for _, t in reader.most_frequent_terms(fieldname, 40)]
        chosen[fieldname] = frequent + list(reader.lexicon(fieldname))[::50]
        compared += _compare(searcher, live, fieldname, chosen[fieldname], with_values)
    assert compared > 2000
    decoded.update(whole=0, ids=0)
    for fieldname, terms in chosen.items():
        for text in terms:
            term_ids(searcher, fieldname, text)
    # Blocks of 4 decoded from their bytes, shorter ones (the last of a list) unpickled.
    assert decoded["ids"] - decoded["whole"] > 300 and decoded["whole"] > 300


def _synthetic(storage, compound: bool) -> object:
    """Whoosh's own writer (protocol-2 blocks of 128): a word in every
    document, one every 7th, one with gaps of 300 (deltas of 2 bytes). A
    compound segment is read through Whoosh's map of it, separate files
    through ours."""
    schema = fields.Schema(body=fields.TEXT(phrase=True))
    ix = storage.create_index(schema)
    with ix.writer(compound=compound) as w:
        for i in range(3000):
            words = ["every"] * (1 + i % 3)
            if i % 7 == 0:
                words.append("seventh")
            if i % 300 == 0 or i < 40:
                words.append("gappy")
            w.add_document(body=" ".join(words))
    return ix


@pytest.mark.parametrize("where", ["files", "compound", "ram"])
def test_whooshs_blocks_equal_its_matcher(tmp_path, where, decoded):
    storage = RamStorage() if where == "ram" else FileStorage(str(tmp_path))
    ix = _synthetic(storage, compound=where != "files")
    with ix.searcher() as searcher:
        live = np.ones(searcher.doc_count_all(), dtype=bool)
        assert _compare(searcher, live, "body", ["every", "seventh", "gappy"], True) > 3000
        reader = searcher.reader()
        blocks = w3read.term_blocks(reader, reader.term_info("body", "gappy"))
        assert blocks is not None and len(blocks.starts) == 1
        assert isinstance(blocks.buf, mmap.mmap) == (where == "files")  # ours, or Whoosh's view
        decoded["whole"] = 0
        term_ids(searcher, "body", "gappy")  # 40 deltas of 1, then 300s: unpickled
        term_ids(searcher, "body", "every")  # deltas of 1: from bytes
        assert decoded["whole"] == 1


@pytest.mark.parametrize("few", [1, 10**6], ids=["headers-together", "headers-one-by-one"])
@pytest.mark.parametrize("why", ["not mapped", "headers of another shape"])
def test_unread_blocks_are_read_through_whooshs_matcher(tmp_path, monkeypatch, caplog, why, few):
    monkeypatch.setattr(w3read, "_FEW", few)
    ix = _synthetic(FileStorage(str(tmp_path)), compound=False)

    def refuse(*args, **kwargs):
        raise OSError("no map")

    if why == "not mapped":
        monkeypatch.setattr(w3read, "mmap", SimpleNamespace(mmap=refuse, ACCESS_READ=mmap.ACCESS_READ))
    else:  # as if the headers were pickled with another protocol
        monkeypatch.setattr(w3read, "_HEADER_START", b"\x80\x04(")
    with ix.searcher() as searcher, caplog.at_level(logging.DEBUG, logger=w3read.__name__):
        live = np.ones(searcher.doc_count_all(), dtype=bool)
        assert _compare(searcher, live, "body", ["every", "gappy"], True) > 3000
        reader = searcher.reader()
        assert w3read.term_blocks(reader, reader.term_info("body", "every")) is None
    assert why in caplog.text


def test_our_blocks_in_other_shapes_are_unpickled(tmp_path, monkeypatch):
    """Our writer's blocks of 128 (protocol 4): a word with gaps of 300 has
    deltas of 2 bytes, and an article of 70,000 words wide positions (a value
    longer than twice its weight, found when the blocks are checked
    together); those blocks are unpickled, the others read from their bytes,
    and every posting is Whoosh's."""
    from search.engines.whoosh import w3values
    from search.service import SearchService
    from tests.conftest import build_index, make_article

    articles = [make_article(f"Story {i}", " ".join(["zebra"] * (1 + i % 3) + ["quartz"] * (i % 300 == 0 or i < 40)),
                             date="2020-01-02") for i in range(900)]
    articles[5] = make_article("Long", "filler " * 70_000 + "zebra quartz", date="2020-01-02")
    build_index(tmp_path, articles)
    retried, whole = [], []
    keep, unpickle = w3values._Fast.keep, w3values._whole
    monkeypatch.setattr(w3values._Fast, "keep", lambda self, rows: (retried.append(len(rows)), keep(self, rows)))
    monkeypatch.setattr(w3values, "_whole", lambda *args: (whole.append(1), unpickle(*args))[1])
    svc = SearchService(tmp_path)
    try:
        snap = svc.engine.snapshot()
        for fieldname, with_values in [("body_phrase", True), ("body", False)]:
            assert _compare(snap.searcher, snap.table.live, fieldname, ["zebra", "quartz"], with_values) > 900
        assert retried and whole
    finally:
        svc.close()


def _blocks(lists: list[list[int]], protocol: int, compress: bool) -> w3read.Blocks:
    """Posting blocks holding ``lists`` of ascending ids, pickled as a W3
    block's (ids as deltas, weights, values), each first id absolute."""
    import pickle
    import zlib

    buf, starts, ends = b"", [], []
    for ids in lists:
        deltas = (ids[0], *np.diff(ids).tolist())
        data = pickle.dumps((deltas, None, b""), protocol)
        data = zlib.compress(data) if compress else data
        starts.append(len(buf))
        buf += data
        ends.append(len(buf))
    return w3read.Blocks(buf, starts, ends, [int(compress)] * len(lists),
                         np.asarray([len(ids) for ids in lists], dtype=np.int64),
                         np.asarray([ids[-1] for ids in lists], dtype=np.int64))


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize("compress", [True, False], ids=["compressed", "plain"])
def test_wide_deltas_are_read_from_the_ids_alone(protocol, compress, monkeypatch, caplog):
    """Deltas of one byte (decoded from bytes), of two (the ids' part alone
    unpickled, even when a delta's bytes look like the part's end), and of
    four: more bytes than are inflated for the ids, so that block is
    inflated to its end and unpickled whole, logged."""
    lists = [list(range(0, 20)),  # deltas of 1
             list(range(1000, 1000 + 300 * 10, 300)),  # deltas of 300: two bytes
             [5000 + 300 * i for i in range(9)] + [5000 + 300 * 8 + 0x9474],  # last delta's bytes: "t\x94"
             [50_000 + 70_000 * i for i in range(10)]]  # deltas of 70,000: four bytes
    blocks = _blocks(lists, protocol, compress)
    whole = []
    monkeypatch.setattr(w3read, "unpickled", lambda data: (whole.append(1), w3read.loads(data))[1])
    with caplog.at_level(logging.DEBUG, logger=w3read.__name__):
        got = w3read.read_ids(blocks, np.arange(len(lists)))
    assert got.tolist() == [i for ids in lists for i in ids]
    assert len(whole) == (1 if compress else 0)  # plain data holds every id: read alone
    assert ("unpickled whole" in caplog.text) == compress
    # The ids' part alone, or None when the data stops before its end.
    import pickle

    data = pickle.dumps((tuple(lists[2][:1] + np.diff(lists[2]).tolist()), None, b""), protocol)
    assert w3read.ids_only(data, 10) == (lists[2][0], *np.diff(lists[2]).tolist())
    assert w3read.ids_only(data[:20], 10) is None and w3read.ids_only(data, 11) is None


def test_walked_chains_are_kept_for_every_reader_of_a_segment(small_blocks, monkeypatch):
    """A long list's chain of blocks is walked once: another reader of the
    segment (another thread's searcher) finds it kept, and reads the same
    postings through it as Whoosh's matcher does."""
    monkeypatch.setattr(w3read, "_chains", w3read.SizedLRU(1 << 20))
    monkeypatch.setattr(w3read, "KEEP_CHAINS", 4)  # the sample's lists in blocks of 4 are short
    svc, _ = small_blocks
    snap = svc.engine.snapshot()
    reader = snap.searcher.subsearchers[0][0].reader()
    info = reader.term_info("body_exact", "said")
    walked = w3read.term_blocks(reader, info)
    assert len(walked.starts) >= w3read.KEEP_CHAINS
    from search.engines.whoosh import store

    with store.open_index(snap.gen.directory.parent, snap.gen).searcher() as other:  # a reader of its own
        sub = other.subsearchers[0][0].reader()
        assert sub is not reader
        kept = w3read.term_blocks(sub, sub.term_info("body_exact", "said"))
        assert kept.starts is walked.starts and kept.buf is not None
        assert _compare(other, snap.table.live, "body_exact", ["said", "the"], False) > 50
