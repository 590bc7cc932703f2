"""The end-of-session check for processes left running (tests/processes.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from bench.proctree import descendants
from tests.conftest import REPO

SLEEPER = [sys.executable, "-c", "import time; time.sleep(300)"]


def _alive(pid: int) -> bool:
    return pid in descendants(os.getpid())


def test_a_process_left_running_is_found_also_when_orphaned():
    direct = subprocess.Popen(SLEEPER, start_new_session=True)
    # Its parent (sh) exits at once: the sleeper is re-parented to pytest, the subreaper.
    orphan = int(subprocess.run(["sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"],
                                capture_output=True, text=True, check=True, timeout=60).stdout)
    try:
        assert _alive(direct.pid)
        assert _alive(orphan), "an orphaned process escaped: pytest is not a child subreaper"
    finally:
        direct.kill()
        direct.wait()
        os.kill(orphan, signal.SIGKILL)
        os.waitpid(orphan, 0)  # pytest's child now, so pytest reaps it
    assert not _alive(direct.pid) and not _alive(orphan)


LEAKING_TEST = '''
import subprocess, sys
def test_leaks():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
    open("leaked.pid", "w").write(str(proc.pid))
'''


def test_the_session_fails_and_names_a_process_a_test_left_running(tmp_path):
    (tmp_path / "test_leaky.py").write_text(LEAKING_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\nleftover_grace = 1\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.processes", "-p", "no:cacheprovider",
                             "-q", "test_leaky.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    output = result.stdout + result.stderr
    assert "1 passed" in output  # the test itself passed ...
    assert result.returncode == 1, output  # ... but the session fails
    assert "processes left running" in output and "time.sleep(300)" in output
    leaked = int((tmp_path / "leaked.pid").read_text())
    deadline = time.monotonic() + 30
    while _alive(leaked) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(leaked), "the check did not kill what it found"
