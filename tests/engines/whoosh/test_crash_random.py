"""kill -9 the real ``newsarchive index`` at random moments, and the index lock.

The command runs in a subprocess and is killed after delays spread over a
whole run (start-up, parse with its process pool, commit, swap); what must hold
after a kill: ``crash_world``. A live indexer's lock is waited for, never
overridden; a pid left in the lock file is no lock.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from indexer.pipeline import Indexer
from search.engines.whoosh import store
from tests.conftest import REPO
from tests.engines.whoosh.crash_world import (CORPUS, check_after_kill, check_next_run, copy_world,
                                              index_sources, pages_on_disk)
from tests.reliability_helpers import cli_command

pytestmark = pytest.mark.slow  # kill -9 of real indexer runs, over and over

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
    corpus, index_dir = copy_world(base_index, tmp_path)
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
    corpus, index_dir = copy_world(base_index, tmp_path)
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
    corpus, index_dir = copy_world(base_index, tmp_path)
    (index_dir / store.LOCK_FILE).write_text(str(os.getpid()))  # alive, but holds no flock
    report = Indexer(index_dir, jobs=1, lock_timeout=2).run(None)
    assert report.documents == CORPUS
    assert report.warnings == []  # not claimed to be a dead indexer's
