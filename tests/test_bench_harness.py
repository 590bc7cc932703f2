"""The benchmark harness: one percentile definition, and the server runner the tests share."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import server as server_module
from bench.harness import machine_line, percentile, summary, versions
from bench.server import Server


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(10, 0, -1)]  # unsorted on purpose
    assert percentile(values, 50) == 5.0  # rank ceil(0.5 * 10) = 5
    assert percentile(values, 95) == 10.0  # rank ceil(9.5) = 10: a measured value, not 9.55
    assert percentile(values, 90) == 9.0
    assert percentile(list(range(1, 201)), 99) == 198
    assert percentile([], 50) != percentile([], 50)  # NaN
    s = summary([1.0, 2.0, 3.0, 4.0])
    assert (s["n"], s["p50"], s["p95"], s["max"], s["mean"]) == (4, 2.0, 4.0, 4.0, 2.5)


def test_machine_and_versions_lines():
    assert f"{os.cpu_count()} cores" in machine_line() and "load average" in machine_line()
    found = versions("Whoosh", "no-such-distribution")
    assert found["Whoosh"] == "2.7.4" and found["no-such-distribution"] == "-" and "Python" in found


#: A stand-in server: its first health check times out, the next is cut off,
#: two more are refused with 503, then it is ready. It also starts a helper
#: that ignores SIGTERM, in its process group.
FLAKY_SERVER = r"""
import http.server, os, signal, subprocess, sys, time
port, helper_file = int(sys.argv[1]), sys.argv[2]
helper = subprocess.Popen([sys.executable, "-c",
                           "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
open(helper_file, "w").write(str(helper.pid))
calls = 0

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global calls
        calls += 1
        if calls == 1:
            time.sleep(2)  # longer than the client waits for one health check
        if calls <= 2:
            self.close_connection = True  # no answer at all: the client sees a dropped connection
            return
        self.send_response(503 if calls <= 4 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        print("health check", calls, flush=True)

print("listening", flush=True)
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_server_waits_through_slow_dropped_and_refused_health_checks_and_stop_kills_its_group(tmp_path, monkeypatch):
    monkeypatch.setattr(server_module, "HEALTH_TIMEOUT", 0.5)
    helper_file = tmp_path / "helper.pid"
    server = Server(lambda port: [sys.executable, "-c", FLAKY_SERVER, str(port), str(helper_file)],
                    tmp_path / "server.log")
    try:
        server.start(timeout=120)
        assert "health check 5" in server.log()  # timed out, dropped, two 503s, then ready
        helper = int(helper_file.read_text())
        assert _alive(helper)
    finally:
        server.stop()
    deadline = time.monotonic() + 30
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(helper), "a process of the server's group outlived stop()"
    server.stop()  # twice is fine


def test_server_that_exits_fails_at_once_with_its_output(tmp_path):
    server = Server(lambda port: [sys.executable, "-c", "import sys; print('cannot bind: config broken'); sys.exit(3)"])
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"(?s)status 3.*cannot bind: config broken"):
        server.start(timeout=600)
    assert time.monotonic() - started < 60  # not the 600 s deadline
    assert server.process is not None and server.process.returncode == 3


def test_index_bench_measures_the_fts5_peer_on_the_same_pages(tmp_path):
    from tests.conftest import REPO

    pages = tmp_path / "pages"
    shutil.copytree(REPO / "sample_corpus", pages)
    out = subprocess.run([sys.executable, "-m", "bench.index", "--pages", str(pages), "--peer", "--json"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout[out.stdout.index("\n{\n"):])  # after the lines of each build
    # Both count the articles they wrote: the sample's readable pages, its broken files left out.
    assert results["fts5-peer"]["pages"] == results["cold"]["pages"] == results["cold"]["report"]["added"] > 0
    assert results["fts5-peer"]["cpu_s"] > 0 and results["fts5-peer"]["peak_rss_mb"] > 0
