"""A corpus and an index to kill indexers over, and what must hold after a kill.

After every kill the index must open and answer a query, the lock must not be
held by anyone (no orphaned parser process keeps it), and the next run must
finish with exactly as many documents as there are pages on disk, reporting
the dead indexer's lock as cleared.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

from whoosh.query import Every

from indexer.pipeline import Indexer
from search.engines.whoosh import store
from tests.reliability_helpers import page_html, pids_with_open_file, write_pages

CORPUS = 120  # pages: enough for the parser pool (>= 32 per run) and a multi-file commit


def pages_on_disk(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*.html")}


def index_sources(index_dir: Path) -> set[str]:
    ix = store.open_index(index_dir)
    try:
        with ix.searcher() as s:
            # Every() goes through the postings, i.e. "opens and answers".
            hits = s.search(Every(), limit=None)
            return {hit["source"] for hit in hits}
    finally:
        ix.close()


def lock_holders(index_dir: Path, wait: float = 5.0) -> list[int]:
    """Processes still holding the lock file open, after giving orphans ``wait`` s to go."""
    deadline = time.monotonic() + wait
    while True:
        holders = pids_with_open_file(index_dir / store.LOCK_FILE)
        if not holders or time.monotonic() > deadline:
            return holders
        time.sleep(0.1)


class Corpus:
    """A directory of pages that each scenario changes before its (killed) run."""

    def __init__(self, root: Path):
        self.root = root
        self.next_number = CORPUS
        write_pages(root, range(CORPUS))

    def add(self, count: int) -> None:
        write_pages(self.root, range(self.next_number, self.next_number + count))
        self.next_number += count

    def remove(self, count: int, rng: random.Random) -> None:
        for path in rng.sample(sorted(pages_on_disk(self.root)), count):
            os.unlink(path)

    def change(self, count: int, rng: random.Random) -> None:
        for path in rng.sample(sorted(pages_on_disk(self.root)), count):
            n = int(Path(path).stem.split("-")[1])
            Path(path).write_text(page_html(n, marker=f"changed{rng.randrange(10**6)}"), "utf-8")

    def mutate(self, rng: random.Random) -> None:
        """Add, change and delete pages, so an incremental run has all three to do."""
        self.add(40)
        self.change(5, rng)
        self.remove(8, rng)


def check_after_kill(index_dir: Path, allowed: list[set[str]], pid: int) -> set[str]:
    """The index opens, answers, holds one of the allowed states, and nobody holds the lock."""
    sources = index_sources(index_dir)
    assert sources in allowed, (len(sources), [len(a) for a in allowed])
    assert lock_holders(index_dir) == [], "an orphaned process of the killed indexer holds the lock"
    return sources


def check_next_run(index_dir: Path, corpus: Corpus, killed_pid: int, rebuild: bool) -> None:
    """The next run (with a short lock timeout: it must not wait) repairs everything."""
    left_pid = (index_dir / store.LOCK_FILE).read_text().strip()
    report = Indexer(index_dir, jobs=2, lock_timeout=5).run(None, rebuild=rebuild)
    on_disk = pages_on_disk(corpus.root)
    assert report.failed == 0, report.failures
    assert report.documents == len(on_disk)
    assert index_sources(index_dir) == on_disk
    if left_pid == str(killed_pid):  # killed while holding the lock: it says it cleared it
        assert any(str(killed_pid) in w and "no longer running" in w for w in report.warnings)
    assert (index_dir / store.LOCK_FILE).read_text() == ""  # released cleanly this time
    # Leftovers of the killed run are gone: only the live and the previous generation stay.
    gens = [g.name for g in store.generation_dirs(index_dir)]
    assert store.live_dir(index_dir).name in gens and len(gens) <= 2, gens
    assert not (index_dir / "current.tmp").exists()


def build_base(root: Path) -> tuple[Path, Path]:
    """An indexed corpus (plus one rebuild, so there is a previous generation) to copy per test."""
    Corpus(root / "pages")
    Indexer(root / "index", jobs=2).run([root / "pages"])
    Indexer(root / "index", jobs=2).run(None, rebuild=True)
    return root / "pages", root / "index"


def copy_world(base_index: tuple[Path, Path], tmp_path: Path) -> tuple[Corpus, Path]:
    pages, index = base_index
    # The index records absolute source paths, so the pages stay where they were
    # indexed; each test works on its own copy of both.
    corpus = Corpus.__new__(Corpus)
    corpus.root = tmp_path / "pages"
    corpus.next_number = CORPUS
    shutil.copytree(pages, corpus.root)
    index_dir = tmp_path / "index"
    shutil.copytree(index, index_dir, symlinks=True)
    # Re-point the recorded sources at this copy.
    report = Indexer(index_dir, jobs=2).run([corpus.root], rebuild=True)
    assert report.documents == CORPUS
    return corpus, index_dir

