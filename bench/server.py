"""``newsarchive serve`` on a free loopback port, for the HTTP benchmarks."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The server with ``workers`` gunicorn workers; its output goes to ``log_path`` (or nowhere)."""

    def __init__(self, index_dir: Path, workers: int, log_path: Path | None = None):
        self.port = free_port()
        self.log = log_path.open("wb") if log_path else None
        env = {**os.environ, "NEWSARCHIVE_LOG_LEVEL": "warning"}
        # Its own session, so stop() can kill the workers with the arbiter.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--index", str(index_dir), "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers)],
            cwd=REPO, stdout=self.log or subprocess.DEVNULL, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)

    def get(self, conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()

    def wait_healthy(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                status, _ = self.get(conn, "/healthz")
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server not healthy in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.log:
            self.log.close()
