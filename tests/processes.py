"""A pytest plugin: no test may leave a process running.

At start pytest makes itself a child subreaper (Linux ``prctl``), so a
process orphaned by a test (a gunicorn worker whose arbiter was killed, the
parser of a killed indexer) is re-parented to pytest instead of init and is
still found below it. When the session ends, whatever still runs below pytest
(after ``leftover_grace`` seconds for servers that are shutting down) is
listed, killed, and fails the run.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import time
from pathlib import Path

import pytest

from bench.proctree import descendants

log = logging.getLogger(__name__)

PR_SET_CHILD_SUBREAPER = 36
LEFT_RUNNING = pytest.StashKey[list[str]]()


def become_subreaper() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0:
        return True
    log.warning("prctl(PR_SET_CHILD_SUBREAPER) failed (errno %d): processes orphaned by a test "
                "escape the end-of-session check", ctypes.get_errno())
    return False


def command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "(gone)"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:300]


def still_running(grace: float) -> list[int]:
    """Processes below this one, after waiting up to ``grace`` seconds for them to exit."""
    deadline = time.monotonic() + grace
    while True:
        left = descendants(os.getpid())
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.2)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("leftover_grace", "seconds processes may take to exit after the last test", default="20")


def pytest_configure(config: pytest.Config) -> None:
    become_subreaper()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    left = still_running(float(session.config.getini("leftover_grace")))
    if not left:
        return
    session.config.stash[LEFT_RUNNING] = [f"pid {pid}: {command_line(pid)}" for pid in left]
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # exited at the last moment
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(LEFT_RUNNING, [])
    if not lines:
        return
    terminalreporter.section("processes left running", sep="!", red=True, bold=True)
    for line in lines:
        terminalreporter.line(line, red=True)
    terminalreporter.line(f"{len(lines)} process(es) still ran when the session ended; they were killed and the "
                          "run fails. Stop every process a test starts in a finalizer.", red=True, bold=True)
