"""Indexing speed end to end: `newsarchive index` on generated Reuters pages.

    python -m bench.corpus --out var/bench/reuters --copies 5
    python -m bench.index --pages var/bench/reuters [--peer]

Three runs on a fresh index: a cold build, a rerun with nothing changed, and
a rerun after rewriting 1% of the pages. Each prints pages/s, wall and CPU
seconds (the whole process tree), peak RSS of the tree and the index size.
Targets (2 cores): cold >= 400 pages/s, peak RSS <= 1 GB, no-change rerun
<= 20 s, 1%-changed rerun <= 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

from bench.harness import REPO, machine_line, versions_line
from bench.proctree import run_measured


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def touch_one_percent(pages: list[Path], seed: int = 7) -> int:
    """Rewrite 1% of pages with a changed paragraph (content really changes)."""
    rng = random.Random(seed)
    chosen = rng.sample(pages, max(1, len(pages) // 100))
    for path in chosen:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("</article>", f"<p>Update {rng.random()}: corrected figures.</p></article>", 1),
                        encoding="utf-8")
    return len(chosen)


def run_peer(pages: Path, db: Path, jobs: int) -> dict:
    """The extractor + FTS5 peer (``python -m bench.fts5 PAGES DB``) on the same pages, measured alike."""
    m = run_measured([sys.executable, "-m", "bench.fts5", str(pages), str(db), "--jobs", str(jobs)],
                     env={**os.environ, "PYTHONPATH": str(REPO)})
    if m.returncode:
        raise RuntimeError(f"bench.fts5 failed: {m.stderr}")
    done = json.loads(m.stdout)["documents"]  # articles, as the cold build counts them
    return {"pages": done, "wall_s": round(m.wall_s, 2), "cpu_s": round(m.cpu_s, 2),
            "pages_per_s": round(done / m.wall_s, 1), "peak_rss_mb": round(m.peak_rss_mb)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=Path, default=Path("var/bench/reuters"), help="pages from bench.corpus")
    p.add_argument("--index", type=Path, default=None, help="index dir (default: a temporary one, removed after)")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--peer", action="store_true",
                   help="after the cold build, the same pages through bench.fts5 (extractor + SQLite FTS5)")
    args = p.parse_args(argv)
    if not args.pages.is_dir():
        p.error(f"{args.pages} not found: run python -m bench.corpus first")
    work = Path(tempfile.mkdtemp(prefix="newsarchive-bench-"))
    # The 1% rerun rewrites pages: work on a copy so the source set stays pristine.
    pages_dir = work / "pages"
    shutil.copytree(args.pages, pages_dir)
    index = args.index or work / "index"
    pages = sorted(pages_dir.rglob("*.html"))
    cli = [sys.executable, "-m", "cli", "index", "--index", str(index), "--json", "--quiet"]
    if args.jobs:
        cli += ["--jobs", str(args.jobs)]
    print(f"newsarchive index benchmark: {len(pages)} pages; {versions_line('Whoosh', 'lxml')}; {machine_line()}")
    results = {}
    try:
        for name, prepare in (("cold", None), ("no-change", None), ("1%-changed", touch_one_percent)):
            changed = prepare(pages) if prepare else 0
            target = [str(pages_dir)] if name == "cold" else []
            m = run_measured(cli + target, env={**os.environ, "PYTHONPATH": str(REPO)})
            if m.returncode not in (0, 3):
                print(m.stderr, file=sys.stderr)
                return 1
            report = json.loads(m.stdout)
            processed = report["added"] + report["updated"] if name != "no-change" else len(pages)
            results[name] = {
                "pages": processed, "changed": changed, "wall_s": round(m.wall_s, 2), "cpu_s": round(m.cpu_s, 2),
                "pages_per_s": round(processed / m.wall_s, 1), "peak_rss_mb": round(m.peak_rss_mb),
                "index_mb": round(dir_size(index) / 1e6, 1), "report": {k: report[k] for k in
                ("added", "updated", "removed", "unchanged", "failed")},
            }
            r = results[name]
            print(f"{name:>11}: {r['pages']:>7} pages  {r['pages_per_s']:>7.1f} pages/s  wall {r['wall_s']:>7.2f}s  "
                  f"cpu {r['cpu_s']:>7.2f}s  peak RSS {r['peak_rss_mb']:>5} MB  index {r['index_mb']} MB  {r['report']}")
            if name == "cold" and args.peer:
                results["fts5-peer"] = peer = run_peer(pages_dir, work / "peer.db", args.jobs or 2)
                print(f"  fts5-peer: {peer['pages']:>7} pages  {peer['pages_per_s']:>7.1f} pages/s  wall "
                      f"{peer['wall_s']:>7.2f}s  cpu {peer['cpu_s']:>7.2f}s  peak RSS {peer['peak_rss_mb']:>5} MB  "
                      f"ours/peer {r['pages_per_s'] / peer['pages_per_s']:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
