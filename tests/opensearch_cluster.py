"""A real two-node OpenSearch cluster for the tests, started with ``opensearch-dev/cluster``.

``opensearch_cluster`` (session) yields the cluster's base URL; tests that
kill and restart nodes use ``opensearch_dev_cluster``. The cluster needs a
JDK and Maven (``.ci/run`` installs them); without them the tests fail, they
are never skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from bench.server import free_port

CLUSTER_SCRIPT = REPO / "opensearch-dev" / "cluster"
NODES = 2
#: Seconds for ``start`` (a cold Maven build downloads OpenSearch's jars first).
START_TIMEOUT = 900


@dataclass
class DevCluster:
    """A cluster of ``opensearch-dev/cluster``: node 1 is the cluster manager."""

    home: Path
    http_port: int
    nodes: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def node_url(self, node: int) -> str:
        return f"http://127.0.0.1:{self.http_port + node - 1}"

    def pid(self, node: int) -> int:
        return int((self.home / f"node-{node}.pid").read_text())

    def kill(self, node: int) -> None:
        """SIGKILL: the node dies as in a crash, without closing anything."""
        pid = self.pid(node)
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)

    def run(self, *args: str, timeout: float = START_TIMEOUT) -> str:
        """Runs the script with ``args`` (and ``--home``); its stdout, or a test failure with its stderr."""
        command = ["bash", str(CLUSTER_SCRIPT), *args, "--home", str(self.home)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "OPENSEARCH_DEV_TIMEOUT": "300"})
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"{' '.join(args)} took over {timeout}s: {e.stderr}")
        if done.returncode != 0:
            pytest.fail(f"opensearch-dev/cluster {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        return done.stdout

    def restart_node(self, node: int) -> None:
        self.run("restart-node", "--node", str(node))

    def stop(self) -> None:
        self.run("stop", timeout=120)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Runs the OpenSearch tests last, so their cluster's JVMs do not idle beside the timing-sensitive tests."""
    items.sort(key=lambda item: item.get_closest_marker("opensearch") is not None)


def _wait_gone(pid: int, timeout: float = 30.0) -> None:
    """Until ``pid`` is gone or a zombie (the script that started it is not there to reap it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return
        if state == "Z":
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} still runs after SIGKILL")


def _free_port_pair() -> int:
    """A port P with P+1 free as well (the nodes' HTTP ports)."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


def _require_tools() -> None:
    java_home = os.environ.get("JAVA_HOME")
    missing = [tool for tool in ("java", "javac")
               if not (Path(java_home, "bin", tool).exists() if java_home else shutil.which(tool))]
    missing += [] if shutil.which("mvn") else ["mvn"]
    if missing:
        pytest.fail(f"the OpenSearch tests need {', '.join(missing)}: install a JDK 17 and Maven "
                    "(Debian: apt-get install default-jdk-headless maven; .ci/run does this)")


@pytest.fixture(scope="session")
def opensearch_dev_cluster(request, tmp_path_factory) -> DevCluster:
    _require_tools()
    cluster = DevCluster(tmp_path_factory.mktemp("opensearch"), _free_port_pair(), NODES)
    # Registered before the start: whatever the start leaves running is stopped.
    request.addfinalizer(cluster.stop)
    # --owner: should this run be killed (no finalizer runs), the nodes stop with it.
    out = cluster.run("start", "--nodes", str(NODES), "--http-port", str(cluster.http_port),
                      "--owner", str(os.getpid()))
    assert f"READY {cluster.url}" in out, out
    return cluster


@pytest.fixture(scope="session")
def opensearch_cluster(opensearch_dev_cluster: DevCluster) -> str:
    return opensearch_dev_cluster.url
