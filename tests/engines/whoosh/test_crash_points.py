"""kill -9 the indexer at precise points: the previous index keeps answering, the next run repairs.

The indexer runs in a forked child whose copies of a few functions SIGKILL the
child at an exact moment: while parsing, at each file Whoosh creates inside the
commit, just before and just after the new table of contents is renamed into
place, around the ``current`` symlink swap of a rebuild and while old
generations are deleted. Because the moment is known, the surviving index is
asserted exactly (old or new document count). What must hold after a kill:
``crash_world``.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
from pathlib import Path
from typing import Callable

import pytest
import whoosh.index
from whoosh.filedb.filestore import FileStorage

from indexer.pipeline import Indexer
from search.engines.whoosh import store
from tests.engines.whoosh.crash_world import (check_after_kill, check_next_run, copy_world, index_sources,
                                              pages_on_disk)

pytestmark = pytest.mark.slow  # kill -9 of real indexer runs, over and over


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


@pytest.mark.parametrize("name, rebuild, install, survivor", POINTS, ids=[p[0] for p in POINTS])
def test_kill_at_precise_point(base_index, tmp_path, name, rebuild, install, survivor):
    corpus, index_dir = copy_world(base_index, tmp_path)
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


