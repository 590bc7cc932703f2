"""kill -9 the indexer anywhere: the previous index keeps answering, the next run repairs.

Two kinds of kills, more than 20 in all:

* precise points (``test_kill_at_precise_point``): the indexer runs in a forked
  child whose copies of a few functions SIGKILL the child at an exact moment:
  while parsing, at each file Whoosh creates inside the commit, just before and
  just after the new table of contents is renamed into place, around the
  ``current`` symlink swap of a rebuild and while old generations are deleted.
  Because the moment is known, the surviving index is asserted exactly (old or
  new document count).
* random moments (``test_kill_at_random_moments``): the real command,
  ``newsarchive index`` in a subprocess, is killed after delays spread over a
  whole run (startup, parse with its process pool, commit, swap).

After every kill the index must open and answer a query, the lock must not be
held by anyone (no orphaned parser process keeps it), and the next run must
finish with exactly as many documents as there are pages on disk, reporting
the dead indexer's lock as cleared.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest
import whoosh.index
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Every

from indexer.pipeline import Indexer
from search.engines.whoosh import store
from tests.conftest import REPO
from tests.reliability_helpers import cli_command, page_html, pids_with_open_file, write_pages

pytestmark = pytest.mark.slow  # kill -9 of real indexer runs, over and over


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


# --- precise points --------------------------------------------------------------


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_at_progress(fraction: float) -> Callable[[], dict]:
    def install() -> dict:
        def progress(done: int, total: int) -> None:
            if done >= max(1, int(total * fraction)):
                _die()
        return {"progress": progress}
    return install


def _kill_on_commit_file(n: int) -> Callable[[], dict]:
    """Kill when Whoosh creates its n-th file after the commit started."""
    def install() -> dict:
        from whoosh.writing import SegmentWriter

        state = {"committing": False, "files": 0}
        commit, create_file = SegmentWriter.commit, FileStorage.create_file

        def commit_spy(self, *args, **kwargs):
            state["committing"] = True
            return commit(self, *args, **kwargs)

        def create_spy(self, name, *args, **kwargs):
            if state["committing"]:
                state["files"] += 1
                if state["files"] >= n:
                    _die()
            return create_file(self, name, *args, **kwargs)

        SegmentWriter.commit = commit_spy
        FileStorage.create_file = create_spy
        return {}
    return install


def _kill_at_toc_rename(after: bool) -> Callable[[], dict]:
    """Kill just before / just after the new table of contents is renamed into place."""
    def install() -> dict:
        rename_file = FileStorage.rename_file

        def spy(self, old, new, *args, **kwargs):
            if new.endswith(".toc") and not after:
                _die()
            result = rename_file(self, old, new, *args, **kwargs)
            if new.endswith(".toc") and after:
                _die()
            return result

        FileStorage.rename_file = spy
        return {}
    return install


def _kill_in_clean_files() -> dict:
    def spy(*args, **kwargs):
        _die()
    whoosh.index.clean_files = spy
    return {}


def _kill_around_swap(where: str) -> Callable[[], dict]:
    def install() -> dict:
        replace, publish = os.replace, store.publish
        rmtree = shutil.rmtree
        state = {"published": False}

        def replace_spy(src, dst, *args, **kwargs):
            if where == "symlink-made" and str(dst).endswith("/" + store.CURRENT):
                _die()
            return replace(src, dst, *args, **kwargs)

        def publish_spy(index_dir, gen_dir):
            if where == "before-publish":
                _die()
            publish(index_dir, gen_dir)
            state["published"] = True
            if where == "after-publish":
                _die()

        def rmtree_spy(path, *args, **kwargs):
            if where == "deleting-old-generation" and state["published"]:
                # Leave it half deleted: a couple of its files gone, the rest not.
                for name in sorted(os.listdir(path))[:2]:
                    os.unlink(os.path.join(path, name))
                _die()
            return rmtree(path, *args, **kwargs)

        os.replace = replace_spy
        store.publish = publish_spy
        shutil.rmtree = rmtree_spy
        return {}
    return install


def _kill_after_new_generation() -> dict:
    new_generation_dir = store.new_generation_dir

    def spy(index_dir):
        new_generation_dir(index_dir)
        _die()
    store.new_generation_dir = spy
    return {}


def _kill_after_lock() -> dict:
    remove_stale = store.remove_stale_generations

    def spy(index_dir, *args, **kwargs):
        _die()
        remove_stale(index_dir, *args, **kwargs)
    store.remove_stale_generations = spy
    return {}


# (name, rebuild?, installer, which state survives: "old" or "new")
POINTS = [
    ("right-after-taking-the-lock", False, _kill_after_lock, "old"),
    ("parsing-incremental-with-pool", False, _kill_at_progress(0.5), "old"),
    ("parsing-rebuild-with-pool", True, _kill_at_progress(0.3), "old"),
    ("rebuild-generation-just-created", True, _kill_after_new_generation, "old"),
    # Whoosh writes ~15 column files, then the segment info, then the TOC.
    ("commit-first-file", False, _kill_on_commit_file(1), "old"),
    ("commit-columns-midway", False, _kill_on_commit_file(8), "old"),
    ("commit-segment-info", False, _kill_on_commit_file(16), "old"),
    ("commit-rebuild-columns", True, _kill_on_commit_file(5), "old"),
    ("commit-before-toc-rename", False, _kill_at_toc_rename(after=False), "old"),
    ("commit-after-toc-rename", False, _kill_at_toc_rename(after=True), "new"),
    ("commit-cleaning-old-files", False, _kill_in_clean_files, "new"),
    ("rebuild-before-swap", True, _kill_around_swap("before-publish"), "old"),
    ("rebuild-swap-symlink-made", True, _kill_around_swap("symlink-made"), "old"),
    ("rebuild-right-after-swap", True, _kill_around_swap("after-publish"), "new"),
    ("rebuild-deleting-old-generation", True, _kill_around_swap("deleting-old-generation"), "new"),
]


def run_killed_child(index_dir: Path, install: Callable[[], dict], rebuild: bool) -> int:
    """Fork; the child patches itself and runs the indexer until it SIGKILLs itself."""
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 3
        try:
            kwargs = install()
            Indexer(index_dir, jobs=2, lock_timeout=10, **kwargs).run(None, rebuild=rebuild)
            code = 0
        except BaseException:  # noqa: BLE001 - reported through the exit status
            code = 4
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
        f"the indexer was not killed at the point (status {status:#x})")
    return pid


@pytest.fixture(scope="module")
def base_index(tmp_path_factory) -> tuple[Path, Path]:
    """An indexed corpus (plus one rebuild, so there is a previous generation) to copy per test."""
    base = tmp_path_factory.mktemp("crash-base")
    Corpus(base / "pages")
    Indexer(base / "index", jobs=2).run([base / "pages"])
    Indexer(base / "index", jobs=2).run(None, rebuild=True)
    return base / "pages", base / "index"


def _copy_world(base_index: tuple[Path, Path], tmp_path: Path) -> tuple[Corpus, Path]:
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


@pytest.mark.parametrize("name, rebuild, install, survivor", POINTS, ids=[p[0] for p in POINTS])
def test_kill_at_precise_point(base_index, tmp_path, name, rebuild, install, survivor):
    corpus, index_dir = _copy_world(base_index, tmp_path)
    old = index_sources(index_dir)
    corpus.mutate(random.Random(name))
    new = pages_on_disk(corpus.root)
    assert old != new
    generation = store.current_generation(index_dir)

    pid = run_killed_child(index_dir, install, rebuild)

    survived = check_after_kill(index_dir, [old if survivor == "old" else new], pid)
    if survivor == "old" and not rebuild:
        assert store.current_generation(index_dir) == generation
    assert survived
    assert (index_dir / store.LOCK_FILE).read_text().strip() == str(pid)
    check_next_run(index_dir, corpus, pid, rebuild=False)
    # And a rebuild from there is fine too.
    check_next_run(index_dir, corpus, pid, rebuild=True)


# --- random moments, real command --------------------------------------------------

KILLS = 12


def _start(index_dir: Path, rebuild: bool) -> subprocess.Popen:
    args = ["index", "--index", str(index_dir), "--quiet", "--jobs", "2", "--lock-timeout", "10"]
    return subprocess.Popen(cli_command(*args, *(["--rebuild"] if rebuild else [])), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _live_group_members(pgid: int, wait: float = 5.0) -> list[int]:
    """Running (not zombie) processes of the session we started, after ``wait`` s for them to exit.

    Any that are left are ours, so they are killed before the test fails on them.
    """
    deadline = time.monotonic() + wait
    while True:
        members = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # fields: state, ppid, pgrp, ...; a zombie only waits to be reaped by init.
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
        if not members or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for pid in members:
        os.kill(pid, signal.SIGKILL)
    return members


def test_kill_at_random_moments(base_index, tmp_path):
    corpus, index_dir = _copy_world(base_index, tmp_path)
    rng = random.Random(20240601)
    # How long a whole run takes here, so the delays span start-up, parse, commit and swap.
    started = time.monotonic()
    proc = _start(index_dir, rebuild=True)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    proc.stderr.close()
    span = time.monotonic() - started

    kills = attempts = kills_in_run = 0
    deadline = time.monotonic() + 150
    while kills < KILLS and attempts < 3 * KILLS and time.monotonic() < deadline:
        attempts += 1
        rebuild = attempts % 2 == 0
        old = index_sources(index_dir)
        corpus.mutate(rng)
        new = pages_on_disk(corpus.root)
        proc = _start(index_dir, rebuild)
        try:
            time.sleep(rng.uniform(0.3, 1.1) * span)
            proc.send_signal(signal.SIGKILL)  # the indexer only, as the OOM killer would
            code = proc.wait(timeout=30)
        finally:
            err = proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
        if code == 0:  # finished before the kill: a normal run, check and go on
            assert index_sources(index_dir) == new
            continue
        assert code == -signal.SIGKILL, err
        kills += 1
        if (index_dir / store.LOCK_FILE).read_text().strip() == str(proc.pid):
            kills_in_run += 1  # past start-up: it held the lock when it died
        check_after_kill(index_dir, [old, new], proc.pid)
        check_next_run(index_dir, corpus, proc.pid, rebuild=False)
        assert _live_group_members(proc.pid) == [], "parser processes of the killed indexer still run"
    assert kills >= KILLS, f"only {kills} of {attempts} runs were killed mid-way"
    # Most kills must land inside the run proper, not in interpreter start-up.
    assert kills_in_run >= KILLS // 2, (kills_in_run, kills)
    print(f"{kills} kills ({kills_in_run} holding the lock) in {attempts} runs; run span {span:.2f}s")


# --- the lock: a dead holder is cleared, a live one respected ----------------------


def test_stopped_indexer_keeps_the_lock_and_finishes_after(base_index, tmp_path):
    """A live indexer (even one stopped mid-parse) is waited for, never overridden."""
    corpus, index_dir = _copy_world(base_index, tmp_path)
    corpus.mutate(random.Random(7))
    before = index_sources(index_dir)
    proc = _start(index_dir, rebuild=True)
    try:
        deadline = time.monotonic() + 30
        while (index_dir / store.LOCK_FILE).read_text().strip() != str(proc.pid):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGSTOP)  # alive but frozen, workers too
        second = subprocess.run(
            cli_command("index", "--index", str(index_dir), "--lock-timeout", "1"),
            cwd=REPO, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"pid {proc.pid}" in second.stderr and "lock" in second.stderr
        assert index_sources(index_dir) == before
    finally:
        os.killpg(proc.pid, signal.SIGCONT)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    proc.stderr.close()
    assert index_sources(index_dir) == pages_on_disk(corpus.root)


def test_lock_file_naming_a_live_unrelated_pid_does_not_block(base_index, tmp_path):
    """Only the kernel lock counts: a pid left in the file (maybe reused since) is no lock."""
    corpus, index_dir = _copy_world(base_index, tmp_path)
    (index_dir / store.LOCK_FILE).write_text(str(os.getpid()))  # alive, but holds no flock
    report = Indexer(index_dir, jobs=1, lock_timeout=2).run(None)
    assert report.documents == CORPUS
    assert report.warnings == []  # not claimed to be a dead indexer's
