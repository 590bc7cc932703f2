"""``newsarchive serve``: run the site under gunicorn."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from search import IndexError_, UnsafeIndex, absolute_target, display_target, index_ready
from search.limits import BUDGET_ENV

from .setstore import DataDirError, checked_data_dir

#: The repository's gunicorn settings, when running from a checkout.
CONFIG = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    command = [sys.executable, "-m", "gunicorn"]
    if CONFIG.is_file():
        command += ["--config", str(CONFIG)]
    # Explicit flags win over the config file and cover an installed package
    # that has no gunicorn.conf.py beside it.
    command += [
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "web.worker.JsonErrorWorker",
        "--threads", os.environ.get("NEWSARCHIVE_THREADS", "4"),
        "web:create_app()",
    ]
    return command


def serve(target: str, host: str, port: int, workers: int, data_dir: str | None = None,
          budget: float | None = None) -> int:
    """Run gunicorn until it exits (or we are interrupted); its exit status.
    ``budget``: seconds a search may take (None: as the environment says)."""
    target = absolute_target(target)
    try:
        data = checked_data_dir(target, data_dir or os.environ.get("NEWSARCHIVE_DATA_DIR"))
    except DataDirError as e:
        print(f"newsarchive serve: {e}", file=sys.stderr)
        return 2
    try:
        ready = index_ready(target)
    except UnsafeIndex as e:
        print(f"newsarchive serve: {e}", file=sys.stderr)
        return 2
    except IndexError_ as e:  # e.g. a cluster that cannot be reached
        print(f"newsarchive serve: {e}", file=sys.stderr)
        return 1
    if not ready:
        print(f"newsarchive serve: no index at {display_target(target)} yet; pages say so until "
              "'newsarchive index' has run", file=sys.stderr)
    if workers < 1:
        print("newsarchive serve: --workers must be at least 1", file=sys.stderr)
        return 2
    env = {**os.environ, "NEWSARCHIVE_INDEX": target, "NEWSARCHIVE_DATA_DIR": str(data)}
    if budget is not None:
        env[BUDGET_ENV] = str(budget)  # the workers' apps read it
    # Workers add up their metrics through files here (prometheus_client's
    # multi-process mode); ours unless the operator chose a directory.
    own_metrics = None
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        own_metrics = env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="newsarchive-metrics-")
    try:
        return _run(gunicorn_command(host, port, workers), env)
    finally:
        if own_metrics:
            shutil.rmtree(own_metrics, ignore_errors=True)


def _run(command: list[str], env: dict[str, str]) -> int:
    process = subprocess.Popen(command, env=env)

    def forward(signum: int, _frame: object) -> None:
        # gunicorn shuts down gracefully on SIGTERM/SIGINT: pass ours on.
        process.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
