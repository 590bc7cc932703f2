"""gunicorn settings for newsarchive: ``gunicorn -c gunicorn.conf.py``.

Environment: NEWSARCHIVE_INDEX (index directory or OpenSearch URL), NEWSARCHIVE_BIND
(default 127.0.0.1:8000), NEWSARCHIVE_WORKERS (default 2),
NEWSARCHIVE_THREADS (default 4), NEWSARCHIVE_DATA_DIR (saved result sets),
NEWSARCHIVE_SEARCH_BUDGET (seconds a search may take, default 2; 0 = no
limit), PROMETHEUS_MULTIPROC_DIR (where workers keep their metrics; a fresh
temporary directory, removed at exit, when unset). Command-line flags
override all of these.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile
from pathlib import Path

# Make the repository importable when gunicorn is started from elsewhere.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# prometheus_client's multi-process mode reads this when it is first
# imported, so it is set here, before any worker imports the application.
_OWN_METRICS_DIR = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _OWN_METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="newsarchive-metrics-")

wsgi_app = "web:create_app()"
bind = [os.environ.get("NEWSARCHIVE_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("NEWSARCHIVE_WORKERS", "2"))
# Threads share one SearchService per worker; searches are I/O- and
# GIL-bound, so a few threads per process overlap disk waits cheaply. The
# worker is gthread's, answering what gunicorn refuses itself (a too-long
# request line) in the API's JSON error shape.
worker_class = "web.worker.JsonErrorWorker"
threads = int(os.environ.get("NEWSARCHIVE_THREADS", "4"))
# No preload: each worker imports the app and opens the index after the fork,
# so no Whoosh file handle is shared between processes.
preload_app = False
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("NEWSARCHIVE_LOG_LEVEL", "info")
# Keep a request line bounded: long queries are a cheap way to burn CPU.
# 8190 is gunicorn's largest limit (0 would mean none at all); the application
# refuses long queries itself (2,500 characters) with a message naming them.
limit_request_line = 8190


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Refuse to start on an index others can write, before forking anything."""
    from search import IndexError_, IndexUnavailable, default_index_target, display_target, index_ready

    # Counts left by an earlier server would be added to this one's.
    for stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.unlink(stale)

    target = default_index_target()
    try:
        ready = index_ready(target)
    except IndexUnavailable as e:  # a cluster that is down now may be back soon
        server.log.warning("newsarchive: %s; /healthz answers 503 until it can be reached", e)
        return
    except IndexError_ as e:  # unsafe permissions, a malformed URL
        server.log.error("newsarchive: %s", e)
        raise SystemExit(2) from None
    if not ready:
        server.log.warning("newsarchive: no index at %s yet; /healthz answers 503 until it appears",
                           display_target(target))


def child_exit(server, worker) -> None:  # noqa: ANN001 - gunicorn's Arbiter and Worker
    """A worker is gone: drop its live-gauge files (its counts stay in the totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    if _OWN_METRICS_DIR:
        shutil.rmtree(_OWN_METRICS_DIR, ignore_errors=True)
