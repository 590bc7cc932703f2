"""A server on a free loopback port for the HTTP benchmarks and the end-to-end tests.

One runner for both, so that what the tests learn about starting and stopping
servers on a busy machine holds for the benchmarks too:

* ready means /healthz answered 200; until a generous deadline every failure
  to get that answer (refused, reset, timed out while workers import) is
  asked again, and a server that exits instead fails at once with its output;
* the server runs in its own session; ``stop`` asks it to shut down
  (SIGTERM), then kills whatever is left of its process group, so no worker
  outlives it. Call ``stop`` from a finalizer registered before ``start``.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]

#: Seconds a server may take to become ready: generous, since a server that dies fails at once.
READY_TIMEOUT = 180.0
#: Seconds one health check may take before it counts as "not ready yet".
HEALTH_TIMEOUT = 10.0
#: Seconds to wait for a graceful stop before the process group is killed.
STOP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """Runs ``command(port)`` in ``cwd`` with ``env`` added to the environment.

    Its output goes to ``log_path`` (else a temporary file) and is shown when it
    fails to start.
    """

    def __init__(self, command: Callable[[int], list[str]], log_path: Path | None = None,
                 env: dict[str, str] | None = None, cwd: Path = REPO):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = command(self.port)
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout: float = READY_TIMEOUT) -> Server:
        """Start the server and wait until it is ready; stopped again if it never is."""
        self._log = self.log_path.open("w+b") if self.log_path else tempfile.TemporaryFile()
        # Its own session, so stop() can reach the workers through the process group.
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with status {self.process.returncode} before it was "
                                   f"ready: {self.command}\n{self.log()}")
            try:
                conn = self.connection(timeout=HEALTH_TIMEOUT)
                try:
                    status, _ = self.get(conn, "/healthz")
                finally:
                    conn.close()
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass  # not listening yet, or too busy to answer in time: ask again
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {timeout:.0f}s: {self.command}\n{self.log()}")
            time.sleep(0.2)

    def connection(self, timeout: float = 60.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    @staticmethod
    def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()

    def log(self) -> str:
        """The last 5,000 characters of the server's output."""
        if self._log is not None:
            # pread: the server writes through the same file offset, which must not move.
            fd = self._log.fileno()
            size = os.fstat(fd).st_size
            data = os.pread(fd, min(size, 20_000), max(0, size - 20_000))
        elif self.log_path is not None and self.log_path.exists():
            data = self.log_path.read_bytes()
        else:
            data = b""
        return data.decode(errors="replace")[-5000:]

    def stop(self) -> None:
        """Stop the server and everything in its process group; safe to call twice."""
        process = self.process
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # gunicorn stops its workers gracefully
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass  # killed with its group below
            try:
                os.killpg(process.pid, signal.SIGKILL)  # workers left by a killed or hung arbiter
            except ProcessLookupError:
                pass  # the whole group is gone: the usual case
            process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def newsarchive_serve(index_dir: Path | str, log_path: Path | None = None, workers: int = 2) -> Server:
    """``newsarchive serve`` as an operator runs it (not started yet)."""
    return Server(
        lambda port: [sys.executable, "-m", "cli", "serve", "--index", str(index_dir), "--host", "127.0.0.1",
                      "--port", str(port), "--workers", str(workers)],
        log_path, env={"NEWSARCHIVE_LOG_LEVEL": "warning"},
    )
