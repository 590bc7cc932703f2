"""The index on disk is the indexer user's alone; the web process only reads it.

``tests/test_indexer.py`` checks the modes under the default umask and
``tests/test_web_serving.py`` that a world-writable index directory stops
``serve`` and gunicorn. Here: modes under lax umasks (002, 000) for both a
first run and a rebuild, a writable *file* inside a generation (not just the
top directory) refused, group-writable refused too, and a live gunicorn whose
workers hold every index file open read-only and change nothing on disk.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import requests

from search.engines.whoosh import store
from tests.conftest import REPO
from tests.reliability_helpers import cli_command, serving, write_pages


def index_with_umask(pages: Path, index_dir: Path, umask: int, *extra: str) -> None:
    proc = subprocess.run(cli_command("index", str(pages), "--index", str(index_dir), "--quiet", *extra),
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.umask(umask))
    assert proc.returncode == 0, proc.stderr


def writable_by_others(index_dir: Path) -> list[str]:
    return [f"{oct(p.lstat().st_mode & 0o777)} {p}" for p in [index_dir, *index_dir.rglob("*")]
            if not p.is_symlink() and p.lstat().st_mode & 0o022]


@pytest.mark.parametrize("umask", [0o002, 0o000])
def test_index_is_private_even_under_a_lax_umask(tmp_path, umask):
    pages = tmp_path / "pages"
    write_pages(pages, range(40))
    index_dir = tmp_path / "var" / "index"
    index_with_umask(pages, index_dir, umask)
    write_pages(pages, range(40, 45))
    index_with_umask(pages, index_dir, umask)  # incremental: new segment files
    index_with_umask(pages, index_dir, umask, "--rebuild")  # a whole new generation
    assert writable_by_others(index_dir) == []
    # Group and others cannot even read the index (sources.json names paths on the host).
    assert stat.S_IMODE(index_dir.stat().st_mode) == 0o700
    store.check_permissions(index_dir)


def test_the_indexers_umask_is_restored(tmp_path):
    from indexer.pipeline import Indexer

    pages = tmp_path / "pages"
    write_pages(pages, range(3))
    previous = os.umask(0o002)
    try:
        Indexer(tmp_path / "index", jobs=1).run([pages])
        assert os.umask(0o002) == 0o002  # what the caller had, not the indexer's 077
    finally:
        os.umask(previous)


@pytest.fixture
def index_dir(tmp_path) -> Path:
    pages = tmp_path / "pages"
    write_pages(pages, range(30))
    index_dir = tmp_path / "index"
    index_with_umask(pages, index_dir, 0o022)
    return index_dir


@pytest.mark.parametrize("target", ["index-dir", "generation-dir", "segment-file", "toc-file", "sources"])
@pytest.mark.parametrize("bits", [stat.S_IWOTH, stat.S_IWGRP])
def test_any_writable_part_is_refused(index_dir, target, bits):
    live = store.live_dir(index_dir)
    path = {
        "index-dir": index_dir,
        "generation-dir": live,
        "segment-file": next(live.glob("*.seg")),
        "toc-file": next(live.glob("*.toc")),
        "sources": live / store.SOURCES_FILE,
    }[target]
    os.chmod(path, stat.S_IMODE(path.stat().st_mode) | bits)
    with pytest.raises(store.UnsafeIndex, match="writable by group or others"):
        store.check_permissions(index_dir)
    # And the server refuses to start on it, naming the fix.
    proc = subprocess.run(cli_command("serve", "--index", str(index_dir), "--port", "1"),
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "chmod -R go-w" in proc.stderr


def _index_fds(pid: int, index_dir: Path) -> list[tuple[str, int]]:
    """(path, open flags) of every file descriptor ``pid`` has inside ``index_dir``."""
    found = []
    root = os.path.realpath(index_dir)
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            flags_line = next(line for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines()
                              if line.startswith("flags:"))
        except (OSError, StopIteration):
            continue
        if target.startswith(root + "/"):
            found.append((target, int(flags_line.split()[1], 8)))
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.slow
def test_web_workers_open_the_index_read_only_and_write_nothing(index_dir, tmp_path):
    before = {str(p): (p.lstat().st_mtime_ns, p.lstat().st_size) for p in index_dir.rglob("*")}
    with serving(index_dir, tmp_path / "server.log") as server:
        for q in ["council", "story harbour", "bridg*", "councel~1", ""]:
            for _ in range(4):  # reach both workers and several threads
                r = requests.get(server.url + "/api/search", params={"q": q}, timeout=60)
                assert r.status_code == 200, r.text
        assert requests.get(server.url + "/api/stats", timeout=60).status_code == 200
        # serve -> gunicorn master -> workers
        masters = _children(server.process.pid)
        workers = [w for m in masters for w in _children(m)]
        assert len(workers) == 2, (masters, workers)
        seen = []
        for pid in [*masters, *workers]:
            for path, flags in _index_fds(pid, index_dir):
                seen.append(path)
                assert flags & os.O_ACCMODE == os.O_RDONLY, (pid, path, oct(flags))
        assert seen, "the workers hold no index file open: nothing was checked"
    after = {str(p): (p.lstat().st_mtime_ns, p.lstat().st_size) for p in index_dir.rglob("*")}
    assert after == before  # no lock, cache or temp file created, nothing touched
