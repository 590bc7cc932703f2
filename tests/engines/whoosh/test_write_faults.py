"""A write that fails (ENOSPC, EIO) anywhere in a run: the run fails, the disk is left as found.

Faults are injected into the files Whoosh creates (posting runs while pages
are added, postings, terms, columns, the compound file, the table of
contents) and into the staged roots and failures, in the indexing process or
in the writing workers, for incremental runs and rebuilds. After each: the
run raised the error, every file of the index directory is as it was, no
deleted file is held open (its space would stay used), the lock is free, the
index answers, and the next run without the fault indexes everything.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from indexer.pipeline import Indexer
from search.engines.whoosh import session as session_mod
from search.engines.whoosh import store
from tests.reliability_helpers import search_count, snapshot, write_pages

BASE_PAGES = 40
NEW_PAGES = 30


class Faulty:
    """A file whose writes fail with ``code`` once ``budget`` bytes are written."""

    def __init__(self, inner, fault: "Fault"):
        self._inner = inner
        self._fault = fault

    def write(self, data):
        self._fault.spend(len(data))
        return self._inner.write(data)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._inner.close()


class Fault:
    """Fail writes into Whoosh files whose name matches ``pattern``, in the
    indexing process, in the workers, or both."""

    def __init__(self, pattern: str, code: int, budget: int, where: str):
        self.pattern = re.compile(pattern)
        self.code = code
        self.budget = budget
        self.where = where
        self.parent = os.getpid()
        self.fired = False

    def applies(self, name: str) -> bool:
        in_parent = os.getpid() == self.parent
        here = self.where == "any" or (self.where == "parent") == in_parent
        return here and bool(self.pattern.search(name))

    def spend(self, n: int) -> None:
        self.budget -= n
        if self.budget < 0:
            self.fired = True
            raise OSError(self.code, os.strerror(self.code))

    def install(self, monkeypatch) -> None:
        create_file = FileStorage.create_file
        fault = self

        def faulty_create_file(storage, name, *args, **kwargs):
            f = create_file(storage, name, *args, **kwargs)
            if fault.applies(name):
                f.file = Faulty(f.file, fault)
            return f

        monkeypatch.setattr(FileStorage, "create_file", faulty_create_file)


def deleted_but_open(index_dir: Path) -> list[str]:
    """Files under the index this process deleted but still holds open (their space is not free)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(index_dir)) and target.endswith("(deleted)"):
            held.append(target)
    return held


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("faults")
    write_pages(base / "pages", range(BASE_PAGES))
    write_pages(base / "new", range(1000, 1000 + NEW_PAGES))
    Indexer(base / "index", jobs=1).run([base / "pages"])
    return base, base / "index"


# (id, file pattern, bytes before the fault, where, worker path?, rebuild?)
POINTS = [
    ("posting-runs-while-adding", r"\.run$", 0, "parent", False, False),
    ("columns-at-commit", r"\.col$", 100, "parent", False, False),
    ("postings-at-commit", r"\.pst$", 2000, "parent", False, False),
    ("terms-at-commit", r"\.trm$", 0, "parent", False, False),
    ("compound-segment", r"\.seg$", 50_000, "parent", False, False),
    ("table-of-contents", r"\.toc", 10, "parent", False, False),
    ("rebuild-columns", r"\.col$", 0, "parent", False, True),
    ("rebuild-table-of-contents", r"\.toc", 0, "parent", False, True),
    ("worker-posting-runs", r"\.run$", 0, "workers", True, False),
    ("worker-postings", r"\.pst$", 1000, "workers", True, False),
    ("worker-columns", r"\.col$", 0, "workers", True, False),
    ("worker-path-table-of-contents", r"\.toc", 0, "parent", True, False),
    ("worker-rebuild-terms", r"\.trm$", 0, "workers", True, True),
]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO], ids=["ENOSPC", "EIO"])
@pytest.mark.parametrize("name, pattern, budget, where, workers, rebuild", POINTS, ids=[p[0] for p in POINTS])
def test_a_failed_write_leaves_the_index_and_the_disk_as_found(
        world, tmp_path, monkeypatch, code, name, pattern, budget, where, workers, rebuild):
    base, base_index = world
    index = tmp_path / "index"
    shutil.copytree(base_index, index, symlinks=True)
    before = snapshot(index)
    generation = store.current_generation(index).label
    if "runs" in name:  # posting runs are spilled only past the writer's memory limit
        monkeypatch.setattr(session_mod, "WRITER_LIMIT_MB", 0.05)
        monkeypatch.setattr(session_mod, "WORKER_LIMIT_MB", 0.05)
    fault = Fault(pattern, code, budget, where)
    fault.install(monkeypatch)
    indexer = Indexer(index, jobs=2 if workers else 1, lock_timeout=5,
                      parallel_write_threshold=1 if workers else 10**9)

    with pytest.raises(OSError) as raised:
        indexer.run([base / "pages", base / "new"], rebuild=rebuild)
    assert raised.value.errno == code
    assert fault.fired or where == "workers"  # a worker's counter is its own

    assert snapshot(index) == before
    assert deleted_but_open(index) == []
    assert store.current_generation(index).label == generation
    assert search_count(index, "relgazette") == BASE_PAGES

    monkeypatch.undo()
    report = Indexer(index, jobs=1, lock_timeout=1).run([base / "pages", base / "new"])
    assert (report.added, report.failed, report.documents) == (NEW_PAGES, 0, BASE_PAGES + NEW_PAGES)
    assert search_count(index, "relgazette") == BASE_PAGES + NEW_PAGES


@pytest.mark.parametrize("which", ["sources", "failures"])
def test_a_failed_write_of_the_staged_records_commits_nothing(world, tmp_path, monkeypatch, which):
    base, base_index = world
    index = tmp_path / "index"
    shutil.copytree(base_index, index, symlinks=True)
    before = snapshot(index)
    stage = getattr(store, f"stage_{which}")

    def full_disk(gen_dir, value):
        staged = stage(gen_dir, value)
        staged.write_bytes(staged.read_bytes()[:5])  # a partial write, then the error
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store, f"stage_{which}", full_disk)
    # New roots (sources) and a new broken file (failures) both have to be staged.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "empty.html").write_bytes(b"")
    with pytest.raises(OSError):
        Indexer(index, jobs=1).run([base / "new", broken])
    assert snapshot(index) == before
    monkeypatch.undo()
    report = Indexer(index, jobs=1).run([base / "new", broken])
    assert (report.added, report.failed) == (NEW_PAGES, 1)
