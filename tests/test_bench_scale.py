"""The scale benchmark's parts: the FTS5 indexing peer, the report of a partial run, whole runs on the sample corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import fts5
from bench.queries import BenchQuery
from bench.scale_report import print_growth, print_run

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_corpus"
ARTICLES = len(json.loads((SAMPLE / "MANIFEST.json").read_text()))


def test_fts5_peer_indexes_the_pages_with_our_extractor(tmp_path):
    db = tmp_path / "peer.sqlite"
    out = subprocess.run([sys.executable, "-m", "bench.fts5", str(SAMPLE), str(db), "--jobs", "2"],
                         cwd=REPO, capture_output=True, text=True, check=True, timeout=300)
    report = json.loads(out.stdout)
    broken = len(list((SAMPLE / "broken").iterdir()))
    assert (report["documents"], report["failed"], report["pages"]) == (ARTICLES, broken, ARTICLES + broken)
    search = fts5.Fts5Search(db)
    try:
        bq = BenchQuery("rare", "foundry", words=["foundry"])
        answer = search.search(bq.request(), bq.fts_match(), None)
    finally:
        search.close()
    assert answer.total >= 1 and any("Riverside Steel" in str(hit[1]) for hit in answer.hits)
    assert dict(answer.facets["section"]).get("Business", 0) >= 1


def test_report_of_a_run_stopped_after_indexing(capsys):
    run = {"label": "108k", "pages_dir": "p", "heap": "2g", "load_start": [1.0, 2.0, 3.0],
           "whoosh": {"index": {"pages": 100, "documents": 99, "pages_per_s": 300.0, "cpu_s": 50.0, "jvm_cpu_s": 0.0,
                                "cpu_ms_per_page": 5.0, "peak_rss_mb": 600.0, "index_mb": 120.0}},
           "fts5": {"index": {"pages": 100, "documents": 99, "pages_per_s": 1200.0, "cpu_s": 20.0, "jvm_cpu_s": 0.0,
                              "cpu_ms_per_page": 2.0, "peak_rss_mb": 200.0, "index_mb": 90.0}}}
    print_run(run)
    text = capsys.readouterr().out
    assert "not reached (partial run)" in text
    assert "| pages/s / FTS5 peer's | 0.25 | 1.00 |" in text
    assert "| HTTP 8 clients: requests/s | – |  |" in text
    print_growth(run, run)
    assert "300.0 → 300.0 pages/s; / FTS5 peer 0.25 → 0.25" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.opensearch
def test_a_whole_scale_run_on_the_sample_corpus(tmp_path):
    """Every phase on a one-node cluster of its own: all three indexes hold the
    corpus, every class measured on each, HTTP without errors, the pathological
    queries answered (the corpus is too small for any to run out of time)."""
    out = tmp_path / "scale.json"
    subprocess.run([sys.executable, "-m", "bench.scale", "--pages", str(SAMPLE), "--label", "tiny",
                    "--out", str(out), "--work", str(tmp_path), "--heap", "512m", "--rounds", "1",
                    "--clients", "2", "--seconds", "2"], cwd=REPO, check=True, timeout=900,
                   stdout=subprocess.DEVNULL)
    run = json.loads(out.read_text())
    for engine in ("whoosh", "opensearch", "fts5"):
        assert run[engine]["index"]["documents"] == ARTICLES
        assert run[engine]["queries"]["ALL"]["warm"]["n"] == run[engine]["queries"]["ALL"]["cold"]["n"] > 100
    for engine in ("whoosh", "opensearch"):
        assert run[engine]["http1"]["errors"] == run[engine]["throughput"]["errors"] == 0
        assert [row["status"] for row in run[engine]["pathological"]] == [200] * 4
    assert "load_end" in run and not list(tmp_path.glob("scale-*"))  # its work directory is gone


@pytest.mark.slow
def test_a_whoosh_only_run_measures_indexes_built_earlier(tmp_path, capsys):
    """``--engines whoosh`` starts no cluster; ``--whoosh-index`` / ``--fts5-db``
    measure the given indexes (left in place, not rebuilt) and report no build."""
    whoosh, db = tmp_path / "whoosh", tmp_path / "peer.sqlite"
    subprocess.run([sys.executable, "-m", "cli", "index", str(SAMPLE), "--index", str(whoosh), "--quiet"],
                   cwd=REPO, timeout=600)
    subprocess.run([sys.executable, "-m", "bench.fts5", str(SAMPLE), str(db), "--jobs", "1"], cwd=REPO,
                   check=True, timeout=600, stdout=subprocess.DEVNULL)
    built = {p: p.stat().st_mtime_ns for p in (whoosh, db)}
    out = tmp_path / "scale.json"
    subprocess.run([sys.executable, "-m", "bench.scale", "--pages", str(SAMPLE), "--label", "reuse",
                    "--out", str(out), "--work", str(tmp_path), "--engines", "whoosh", "--whoosh-index",
                    str(whoosh), "--fts5-db", str(db), "--rounds", "1", "--clients", "2", "--seconds", "2"],
                   cwd=REPO, check=True, timeout=900, stdout=subprocess.DEVNULL)
    run = json.loads(out.read_text())
    assert "opensearch" not in run
    for engine in ("whoosh", "fts5"):
        assert "index" not in run[engine] and run[engine]["prebuilt"]
        assert run[engine]["queries"]["ALL"]["warm"]["n"] > 100
    assert run["whoosh"]["throughput"]["errors"] == 0
    assert {p: p.stat().st_mtime_ns for p in (whoosh, db)} == built and whoosh.is_dir()
    print_growth(run, run)
    assert "OpenSearch" not in capsys.readouterr().out
