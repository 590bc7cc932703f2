"""A damaged index (a file truncated, overwritten with garbage or missing) is named, never a traceback.

Every reading entry point of the engine and an incremental writer session
raise IndexUnreadable naming the damaged file; a rebuild repairs the index.
Both segment layouts are damaged: the compound file of a small run and the
separate files of worker-written segments.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from indexer.pipeline import Indexer
from search import IndexUnreadable, SearchRequest, SearchService, open_engine
from search.engines.whoosh import damage, store
from tests.reliability_helpers import search_count, write_pages

PAGES = 60


def damaged(path: Path, how: str) -> None:
    data = path.read_bytes()
    rng = random.Random(how)
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif how == "garbage":  # same size, other bytes
        path.write_bytes(rng.randbytes(len(data)))
    elif how == "short-garbage":
        path.write_bytes(rng.randbytes(100))
    else:
        path.unlink()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """A compound-segment index and a worker-written one over the same pages."""
    base = tmp_path_factory.mktemp("damage")
    pages = base / "pages"
    write_pages(pages, range(PAGES))
    indexes = {}
    for layout, threshold in (("compound", 10**9), ("workers", 1)):
        Indexer(base / layout, jobs=2, parallel_write_threshold=threshold).run([pages])
        indexes[layout] = (pages, base / layout)
    return indexes


def copy_index(built, layout: str, tmp_path: Path) -> tuple[Path, Path]:
    pages, index = built[layout]
    shutil.copytree(index, tmp_path / "index", symlinks=True)
    return pages, tmp_path / "index"


def pick(index: Path, kind: str) -> Path:
    gen = store.live_dir(index)
    if kind == "toc":
        return gen / f"_MAIN_{store.current_generation(index).commit}.toc"
    return next(p for p in sorted(gen.iterdir()) if p.name.endswith(kind))


CASES = [
    ("compound", ".seg"), ("compound", "toc"),
    ("workers", ".trm"), ("workers", ".pst"), ("workers", "._stored.col"), ("workers", ".day.col"),
    ("workers", "toc"),
]


@pytest.mark.parametrize("how", ["truncated", "garbage", "short-garbage", "missing"])
@pytest.mark.parametrize("layout, kind", CASES, ids=[f"{a}-{b.strip('.')}" for a, b in CASES])
def test_a_damaged_file_is_named_and_a_rebuild_repairs_it(built, tmp_path, layout, kind, how):
    pages, index = copy_index(built, layout, tmp_path)
    victim = pick(index, kind)
    damaged(victim, how)

    service = SearchService(index)
    try:
        for read in (lambda: service.search(SearchRequest(q="relgazette")), service.stats,
                     lambda: service.search(SearchRequest(q="")).hits):
            with pytest.raises(IndexUnreadable) as raised:
                read()
            assert raised.value.path == str(victim)
            assert str(victim) in str(raised.value)
        # An incremental run refuses to write on top of the damage; nothing changes.
        with pytest.raises(IndexUnreadable):
            Indexer(index, jobs=1).run(None)
        rebuilt = Indexer(index, jobs=1).run(None, rebuild=True)
        assert rebuilt.documents == PAGES
        # The same service answers again: the rebuild is a new index state.
        assert service.search(SearchRequest(q="relgazette")).total == PAGES
        assert service.stats().documents == PAGES
    finally:
        service.close()


def test_garbage_inside_a_file_is_found_when_reading_fails(built, tmp_path):
    """Damage the edges' fingerprint does not see is found by the whole-file check after an error."""
    pages, index = copy_index(built, "workers", tmp_path)
    victim = pick(index, ".trm")
    data = bytearray(victim.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 2000] = random.Random(3).randbytes(2000)
    victim.write_bytes(bytes(data))
    with pytest.raises(IndexUnreadable, match="overwritten"):
        damage.verify(victim.parent, store.current_generation(index).commit, whole=True)
    damage.verify(victim.parent, store.current_generation(index).commit)  # the cheap check passes


def test_an_index_without_a_manifest_is_checked_from_its_next_commit(built, tmp_path):
    pages, index = copy_index(built, "compound", tmp_path)
    manifest = store.live_dir(index) / store.MANIFEST_FILE
    manifest.unlink()  # as an index written before manifests existed
    assert search_count(index, "relgazette") == PAGES
    damaged(pick(index, "toc"), "garbage")  # the table of contents is checked all the same
    with pytest.raises(IndexUnreadable, match="table of contents"):
        search_count(index, "relgazette")
    Indexer(index, jobs=1).run(None, rebuild=True)
    assert (store.live_dir(index) / store.MANIFEST_FILE).exists()
    write_pages(pages.parent / "more", [500])
    Indexer(index, jobs=1).run([pages.parent / "more"])
    files = damage._manifest(store.live_dir(index), store.current_generation(index).commit)
    assert len(files) > 2  # the new commit's table of contents and segments


def test_a_manifest_that_could_not_be_written_is_no_false_alarm(built, tmp_path, monkeypatch):
    pages, index = copy_index(built, "compound", tmp_path)

    def full_disk(gen_dir):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(damage, "write_manifest", full_disk)
    write_pages(pages.parent / "extra", [900])
    report = Indexer(index, jobs=1).run([pages.parent / "extra"])
    assert report.added == 1 and any("manifest" in w for w in report.warnings)
    monkeypatch.undo()
    assert search_count(index, "relgazette") == PAGES + 1  # the older manifest is not applied


def test_a_damaged_record_file_is_named(built, tmp_path):
    pages, index = copy_index(built, "compound", tmp_path)
    (store.live_dir(index) / store.FAILURES_FILE).write_text("{not json")
    engine = open_engine(index)
    try:
        with pytest.raises(IndexUnreadable, match="failures.json"):
            engine.sources()
    finally:
        engine.close()
    with pytest.raises(IndexUnreadable):
        Indexer(index, jobs=1).run(None)
    assert Indexer(index, jobs=1).run(None, rebuild=True).documents == PAGES
