"""Incremental indexing, rebuilds, failures, exit codes and the writer lock.

The incremental runs and failure reports are contract tests (both engines);
the rest is about the Whoosh engine's index directory."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.pipeline import Indexer, UsageError
from search.engines.whoosh import store
from tests.conftest import REPO

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title} | Test Gazette</title>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}",
"datePublished": "{date}T10:00:00+01:00", "articleSection": "{section}",
"author": {{"@type": "Person", "name": "Ana Test"}}}}</script></head>
<body><nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1><p>{body}</p>
<p>The council will meet again next month to discuss the remaining questions in detail.</p></article>
<footer>Copyright Test Gazette</footer></body></html>"""


def write_page(path: Path, title: str, body: str, date: str = "2024-05-01", section: str = "City") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    html = PAGE.format(title=title, body=body, date=date, section=section)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(html.encode()))
    else:
        path.write_text(html, encoding="utf-8")
    return path


def cli(*args: str, check_codes=(0,)) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert proc.returncode in check_codes, (proc.returncode, proc.stdout, proc.stderr)
    return proc


def doc_sources(target: Path | str) -> set[str]:
    from search import open_engine

    return set(open_engine(target).sources().files)


def titles(target: Path | str) -> set[str]:
    from search import SearchRequest, SearchService

    service = SearchService(target)
    try:
        return {h.title for h in service.search(SearchRequest(per_page=100)).hits}
    finally:
        service.close()


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "pages"
    write_page(root / "city" / "budget.html", "Budget vote delayed",
               "The city budget vote was delayed after a long debate about bus lanes.")
    write_page(root / "city" / "bridge.htm", "Bridge reopens",
               "The old bridge reopened to traffic after two years of repairs.")
    write_page(root / "sport" / "final.html.gz", "Cup final tonight",
               "Supporters travelled overnight for the cup final in the capital.", section="Sport")
    (root / "notes.txt").write_text("not a page")
    return root


def test_add_unchanged_change_delete_and_rescan(new_target, corpus):
    index = new_target()
    indexer = Indexer(index, jobs=1)

    first = indexer.run([corpus])
    assert (first.added, first.updated, first.removed, first.unchanged, first.failed) == (3, 0, 0, 0, 0)
    assert first.documents == 3
    assert len(doc_sources(index)) == 3

    again = indexer.run([corpus])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 3)

    # Changed content is reparsed; a touched-but-identical file is not counted as changed.
    write_page(corpus / "city" / "budget.html", "Budget vote passes",
               "The city budget passed narrowly after a second debate.")
    bridge = corpus / "city" / "bridge.htm"
    os.utime(bridge, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    changed = indexer.run([corpus])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 2)
    found = titles(index)
    assert "Budget vote passes" in found and "Budget vote delayed" not in found

    (corpus / "sport" / "final.html.gz").unlink()
    deleted = indexer.run([corpus])
    assert (deleted.removed, deleted.unchanged, deleted.documents) == (1, 2, 2)

    # No PATH: rescan the recorded sources and pick up a new file.
    write_page(corpus / "city" / "park.html", "Park opens", "A new park opened by the river.")
    rescan = indexer.run(None)
    assert (rescan.added, rescan.unchanged, rescan.documents) == (1, 2, 3)


def test_single_file_path_does_not_remove_other_documents(new_target, corpus):
    index = new_target()
    Indexer(index, jobs=1).run([corpus])
    report = Indexer(index, jobs=1).run([corpus / "city" / "bridge.htm"])
    assert (report.removed, report.unchanged, report.documents) == (0, 1, 3)


def test_broken_files_are_reported_and_the_rest_committed(new_target, corpus):
    broken = corpus / "broken"
    broken.mkdir()
    (broken / "empty.html").write_bytes(b"")
    (broken / "binary.html").write_bytes(bytes(range(256)) * 20)
    (broken / "truncated.html").write_bytes(b"<html><head><title>Cut")
    index = new_target()
    proc = cli("index", str(corpus), "--index", str(index), "--json", check_codes=(3,))
    report = json.loads(proc.stdout)
    assert report["added"] == 3 and report["failed"] == 3
    assert {Path(f["path"]).name for f in report["failures"]} == {"empty.html", "binary.html", "truncated.html"}
    assert all(f["reason"] for f in report["failures"])
    assert set(report) >= {"added", "updated", "removed", "unchanged", "failed", "seconds", "failures"}
    assert len(doc_sources(index)) == 3


def test_usage_errors_exit_2(tmp_path):
    index = tmp_path / "index"
    proc = cli("index", str(tmp_path / "missing"), "--index", str(index), check_codes=(2,))
    assert "no such file" in proc.stderr
    proc = cli("index", "--index", str(index), check_codes=(2,))
    assert "nothing to index" in proc.stderr
    cli("search", "x", "--per-page", "0", "--index", str(index), check_codes=(2,))
    with pytest.raises(UsageError):
        Indexer(index).run([tmp_path / "missing"])


def test_every_command_has_help():
    for command in ([], ["index"], ["search"], ["stats"], ["serve"]):
        proc = cli(*command, "--help")
        assert "usage: newsarchive" in proc.stdout
        if command:
            assert "--index" in proc.stdout


def test_rebuild_keeps_old_index_searchable_until_swap(tmp_path, corpus):
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([corpus])
    before = store.current_generation(index)
    write_page(corpus / "city" / "late.html", "Late story", "A story added before the rebuild.")
    seen_during: list[tuple[str, int]] = []

    def progress(done: int, total: int) -> None:
        gen = store.current_generation(index)
        ix = store.open_index(index)
        seen_during.append((gen.label, ix.doc_count()))
        ix.close()

    report = Indexer(index, jobs=1, progress=progress).run(None, rebuild=True)
    assert report.added == 4 and report.documents == 4
    assert seen_during and all(s == (before.label, 3) for s in seen_during)
    after = store.current_generation(index)
    assert after.number == before.number + 1
    assert len(doc_sources(index)) == 4


def test_crash_before_rebuild_swap_leaves_previous_index(tmp_path, corpus):
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([corpus])
    before = store.current_generation(index)

    def crash(done: int, total: int) -> None:
        raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError):
        Indexer(index, jobs=1, progress=crash).run(None, rebuild=True)
    assert store.current_generation(index) == before
    assert len(doc_sources(index)) == 3
    # The abandoned generation is cleared by the next run, which succeeds.
    report = Indexer(index, jobs=1).run(None)
    assert report.documents == 3
    assert [g.name for g in store.generation_dirs(index)] == [before.directory.name]


def test_second_writer_waits_then_fails_clearly(tmp_path, corpus):
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([corpus])
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from search.engines.whoosh import store\n"
         "with store.writer_lock(Path(sys.argv[1])):\n print('locked', flush=True); time.sleep(30)",
         str(index)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        proc = cli("index", "--index", str(index), "--lock-timeout", "0.5", check_codes=(1,))
        assert f"pid {holder.pid}" in proc.stderr and "lock" in proc.stderr
    finally:
        holder.kill()
        holder.wait()
    # The holder was killed: its pid is left in the lock file and reported.
    report = Indexer(index, jobs=1).run(None)
    assert any(str(holder.pid) in w for w in report.warnings)
    assert report.unchanged == 3


def test_two_concurrent_index_runs_both_finish(tmp_path, corpus):
    index = tmp_path / "index"
    for i in range(40):
        write_page(corpus / "bulk" / f"story-{i:02d}.html", f"Bulk story {i}", f"Story number {i} about the harbour.")
    procs = [
        subprocess.Popen([sys.executable, "-m", "cli", "index", str(corpus), "--index", str(index), "--json"],
                         cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        reports.append(json.loads(out))
    assert sorted(r["added"] for r in reports) == [0, 43]
    assert sorted(r["unchanged"] for r in reports) == [0, 43]
    assert len(doc_sources(index)) == 43


def test_index_files_are_private_to_the_indexer_user(tmp_path, corpus):
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([corpus])
    for path in [index, *index.rglob("*")]:
        if not path.is_symlink():
            assert path.stat().st_mode & 0o022 == 0, path
    store.check_permissions(index)
    os.chmod(index, 0o777)
    with pytest.raises(store.UnsafeIndex):
        store.check_permissions(index)


def _stored(index: Path) -> dict[str, dict]:
    ix = store.open_index(index)
    with ix.searcher() as s:
        return {f["source"]: f for f in s.all_stored_fields()}


def test_parallel_segment_writers_match_the_single_writer(tmp_path, monkeypatch):
    """Big runs index in worker processes, each writing its own segment: same result."""
    from indexer import workers

    root = tmp_path / "pages"
    for i in range(40):
        page = write_page(root / f"s{i % 3}" / f"story-{i:02d}.html", f"Story {i} about the harbour",
                          f"Paragraph for story {i}: the harbour board met on day {i}.")
        if i in (3, 31):  # two files claiming one canonical URL, far apart
            text = page.read_text().replace("</head>", '<link rel="canonical" href="https://x.example/same"></head>')
            page.write_text(text)
    broken = root / "s0" / "broken.html"
    broken.write_bytes(b"")

    serial = Indexer(tmp_path / "serial", jobs=1).run([root])
    monkeypatch.setattr(workers, "WORKER_CHUNK", 4)  # spread the pages over both workers
    parallel = Indexer(tmp_path / "parallel", jobs=2, parallel_write_threshold=1).run([root])

    for report in (serial, parallel):
        assert (report.added, report.failed, report.documents) == (40, 1, 40)
        assert report.failures[0].path.endswith("broken.html")
    a, b = _stored(tmp_path / "serial"), _stored(tmp_path / "parallel")
    assert a.keys() == b.keys()
    run_specific = {"id", "indexed_at", "changed_at"}  # the two runs happened at different times
    for source in a:
        assert ({k: v for k, v in a[source].items() if k not in run_specific}
                == {k: v for k, v in b[source].items() if k not in run_specific})
        assert b[source]["indexed_at"] == b[source]["changed_at"] > 0
    # Each worker wrote a segment of its own (the path under test); the main
    # writer adds one more when the URL clash crossed workers.
    assert len(store.open_index(tmp_path / "parallel")._segments()) in (2, 3)
    ids = [f["id"] for f in b.values()]
    assert len(set(ids)) == 40  # the canonical-URL clash fell back to a path id

    # An incremental run through the workers: changes replace, the rest stays.
    for i in (0, 1, 2):
        write_page(root / f"s{i % 3}" / f"story-{i:02d}.html", f"Story {i} rewritten", "New text on the harbour.")
    rerun = Indexer(tmp_path / "parallel", jobs=2).run([root])
    assert (rerun.added, rerun.updated, rerun.unchanged, rerun.documents) == (0, 3, 37, 40)
    titles = {f["title"] for f in _stored(tmp_path / "parallel").values()}
    assert {"Story 0 rewritten", "Story 2 rewritten"} <= titles and "Story 0 about the harbour" not in titles
