"""A real full disk: the index on a small tmpfs, the ``newsarchive index`` command as cron runs it.

A run that fills the disk must exit 1 promptly (workers and their pipes torn
down, the lock released), delete what it wrote so the disk is as it was,
leave later runs working (one with nothing to do at once, the big one once
there is space again). Both ways of writing: in the indexing process (a
small run) and in worker processes (from PARALLEL_WRITE_THRESHOLD files).
Mounting needs root (CI runs as root); the mount is removed in a finalizer.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.pipeline import PARALLEL_WRITE_THRESHOLD
from search.engines.whoosh import store
from tests.reliability_helpers import cli_command, pids_with_open_file, search_count, snapshot, write_pages
from tests.conftest import REPO

pytestmark = pytest.mark.slow  # thousands of pages indexed into a filling tmpfs


def used_bytes(mount: Path) -> int:
    st = os.statvfs(mount)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)]).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=True)  # busy: detach it anyway


def index_cli(*args: str, timeout: float = 600) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    proc = subprocess.run(cli_command("index", *args, "--quiet", "--lock-timeout", "5"),
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return proc, time.monotonic() - started


@pytest.mark.parametrize("more", [600, PARALLEL_WRITE_THRESHOLD + 100], ids=["indexing-process", "workers"])
def test_a_full_disk_fails_the_run_cleanly_and_the_next_one_works(tmp_path, small_disk, more):
    small, big = tmp_path / "small", tmp_path / "big"
    write_pages(small, range(150))
    write_pages(big, range(1000, 1000 + more))
    index = small_disk / "index"
    first, _ = index_cli(str(small), "--index", str(index))
    assert first.returncode == 0, first.stderr
    before_files, before_used = snapshot(index), used_bytes(small_disk)

    full, seconds = index_cli(str(small), str(big), "--index", str(index), "--jobs", "2")
    assert full.returncode == 1, (full.stdout, full.stderr)
    assert "No space left on device" in full.stderr and "previous index is untouched" in full.stderr
    assert "Traceback" not in full.stderr and "Exception ignored" not in full.stderr
    print(f"failed run of {more} pages exited after {seconds:.1f}s")
    assert snapshot(index) == before_files
    assert used_bytes(small_disk) == before_used
    assert pids_with_open_file(index / store.LOCK_FILE) == []
    assert search_count(index, "relgazette") == 150

    # A run with nothing to do succeeds on the same nearly full disk, writing nothing.
    idle, _ = index_cli("--index", str(index))
    assert idle.returncode == 0, idle.stderr
    assert snapshot(index) == before_files

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again, _ = index_cli(str(small), str(big), "--index", str(index), "--jobs", "2")
    assert again.returncode == 0, again.stderr
    assert search_count(index, "relgazette") == 150 + more
