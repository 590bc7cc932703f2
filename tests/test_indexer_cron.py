"""The indexer under cron: a run with nothing to do commits nothing, and a
broken file fails once, then is a known failure until it changes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from indexer.pipeline import Indexer
from search import open_engine
from search.engines.whoosh import store
from tests.reliability_helpers import index_json, run_cli, write_pages


def state_of(index_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file of the live generation with its size and mtime: what a commit would change."""
    gen = store.live_dir(index_dir)
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in gen.iterdir() if p.is_file()}


@pytest.fixture
def pages(tmp_path) -> Path:
    root = tmp_path / "pages"
    write_pages(root, range(12))
    (root / "broken").mkdir()
    (root / "broken" / "empty.html").write_bytes(b"")
    (root / "broken" / "binary.html").write_bytes(bytes(range(256)) * 8)
    return root


def test_a_run_with_nothing_to_do_commits_nothing(tmp_path, pages):
    index = tmp_path / "index"
    first = Indexer(index, jobs=1).run([pages])
    assert first.added == 12 and first.failed == 2
    engine = open_engine(index)
    try:
        before_generation, before_stats = engine.generation, engine.stats()
        before_files = state_of(index)
        for paths in ([pages], None):  # the same paths again, and a rescan of the recorded roots
            again = Indexer(index, jobs=1).run(paths)
            assert (again.added, again.updated, again.removed, again.failed) == (0, 0, 0, 0)
            assert again.unchanged == 12 and again.known_failures == 2
            assert again.generation == before_generation
            assert engine.generation == before_generation
            assert engine.stats().last_indexed == before_stats.last_indexed
            assert state_of(index) == before_files  # not a byte written in the generation
        # A touched but identical file is read again, yet changes nothing either.
        os.utime(pages / "d0" / "story-00000.html")
        touched = Indexer(index, jobs=1).run(None)
        assert touched.unchanged == 12 and touched.generation == before_generation
        # A real change does commit.
        write_pages(pages, [99])
        changed = Indexer(index, jobs=1).run(None)
        assert changed.added == 1 and changed.generation != before_generation
        assert engine.generation == changed.generation
    finally:
        engine.close()


def test_a_no_change_run_keeps_every_etag(tmp_path, pages):
    from web import create_app

    index = tmp_path / "index"
    Indexer(index, jobs=1).run([pages])
    app = create_app(index, config={"TESTING": True})
    try:
        client = app.test_client()
        urls = ["/api/search?q=relgazette", "/api/stats", "/search?q=council", "/"]
        etags = {url: client.get(url).headers["ETag"] for url in urls}
        assert Indexer(index, jobs=1).run(None).known_failures == 2
        for url, etag in etags.items():
            revalidated = client.get(url, headers={"If-None-Match": etag})
            assert revalidated.status_code == 304, url
        write_pages(pages, [50])
        Indexer(index, jobs=1).run(None)
        assert client.get(urls[0], headers={"If-None-Match": etags[urls[0]]}).status_code == 200
    finally:
        app.extensions["newsarchive"].close()


def test_a_broken_file_fails_once_then_is_known_until_retried_fixed_or_deleted(tmp_path, pages):
    index = tmp_path / "index"
    args = ("--index", str(index), "--jobs", "1")
    first = index_json(str(pages), *args, codes=(3,))
    assert first["failed"] == 2 and first["known_failures"] == 0
    assert {Path(f["path"]).name for f in first["failures"]} == {"empty.html", "binary.html"}

    second = index_json(*args)  # exit 0: nothing new failed
    assert second["failed"] == 0 and second["failures"] == [] and second["known_failures"] == 2
    assert second["generation"] == first["generation"]

    listed = json.loads(run_cli("failures", "--index", str(index), "--json").stdout)
    assert listed["count"] == 2
    reasons = {Path(f["path"]).name: f["reason"] for f in listed["failures"]}
    assert reasons == {"empty.html": "empty file", "binary.html": "binary data, not a text page"}
    text = run_cli("failures", "--index", str(index)).stdout
    assert "empty.html: empty file" in text and "--retry-failed" in text

    retried = index_json(*args, "--retry-failed", codes=(3,))  # parsed again, failed again
    assert retried["failed"] == 2 and retried["known_failures"] == 0

    # A new broken file fails (exit 3) beside the two known ones.
    (pages / "broken" / "new.html").write_text("<html><body></body></html>")
    third = index_json(*args, codes=(3,))
    assert [Path(f["path"]).name for f in third["failures"]] == ["new.html"]
    assert third["known_failures"] == 2

    # Fixed: indexed, and forgotten as a failure; deleted: forgotten too.
    write_pages(pages / "broken", [7])
    (pages / "broken" / "d3" / "story-00007.html").replace(pages / "broken" / "empty.html")
    (pages / "broken" / "binary.html").unlink()
    fourth = index_json(*args)
    assert fourth["added"] == 1 and fourth["removed"] == 0 and fourth["known_failures"] == 1
    listed = json.loads(run_cli("failures", "--index", str(index), "--json").stdout)
    assert [Path(f["path"]).name for f in listed["failures"]] == ["new.html"]


def test_a_changed_broken_file_is_parsed_again(tmp_path, pages):
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([pages])
    (pages / "broken" / "empty.html").write_bytes(b" ")  # still broken, but not the same bytes
    report = Indexer(index, jobs=1).run(None)
    assert [Path(f.path).name for f in report.failures] == ["empty.html"]
    assert report.known_failures == 1


def test_failures_survive_commits_and_a_rebuild_parses_them_again(tmp_path, pages):
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([pages])
    write_pages(pages, [40])
    assert Indexer(index, jobs=1).run(None).known_failures == 2  # carried over a commit
    engine = open_engine(index)
    try:
        assert len(engine.sources().failures) == 2
        rebuilt = Indexer(index, jobs=1).run(None, rebuild=True)
        assert rebuilt.failed == 2 and rebuilt.known_failures == 0  # everything parsed again
        assert set(engine.sources().failures) == {str(pages / "broken" / n) for n in ("empty.html", "binary.html")}
        assert Indexer(index, jobs=1).run(None).known_failures == 2
    finally:
        engine.close()


def test_a_file_that_breaks_keeps_its_article_until_fixed(tmp_path, pages):
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([pages])
    page = pages / "d1" / "story-00001.html"
    good = page.read_bytes()
    page.write_bytes(b"")
    report = Indexer(index, jobs=1).run(None)
    assert report.failed == 1 and report.documents == 12  # the earlier article stays searchable
    assert Indexer(index, jobs=1).run(None).known_failures == 3
    page.write_bytes(good)
    fixed = Indexer(index, jobs=1).run(None)
    assert fixed.updated == 1 and fixed.known_failures == 2 and fixed.documents == 12


def test_known_failures_on_the_worker_path(tmp_path, pages):
    """Worker processes parse and write (big runs): failures are recorded the same way."""
    index = tmp_path / "index"
    first = Indexer(index, jobs=2, parallel_write_threshold=1).run([pages])
    assert (first.added, first.failed) == (12, 2)
    write_pages(pages, range(12, 20))
    second = Indexer(index, jobs=2, parallel_write_threshold=1).run(None)
    assert (second.added, second.failed, second.known_failures) == (8, 0, 2)
    retried = Indexer(index, jobs=2, parallel_write_threshold=1).run(None, retry_failed=True)
    assert (retried.failed, retried.known_failures, retried.unchanged) == (2, 0, 20)
