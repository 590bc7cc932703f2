"""gunicorn settings for newsarchive: ``gunicorn -c gunicorn.conf.py``.

Environment: NEWSARCHIVE_INDEX (index directory), NEWSARCHIVE_BIND
(default 127.0.0.1:8000), NEWSARCHIVE_WORKERS (default 2),
NEWSARCHIVE_THREADS (default 4), NEWSARCHIVE_SEARCH_BUDGET (seconds a search
may take, default 2; 0 = no limit). Command-line flags override all of these.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Make the repository importable when gunicorn is started from elsewhere.
sys.path.insert(0, str(Path(__file__).resolve().parent))

wsgi_app = "web:create_app()"
bind = [os.environ.get("NEWSARCHIVE_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("NEWSARCHIVE_WORKERS", "2"))
# Threads share one SearchService per worker; searches are I/O- and
# GIL-bound, so a few threads per process overlap disk waits cheaply.
worker_class = "gthread"
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
limit_request_line = 8190


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    """Refuse to start on an index others can write, before forking anything."""
    from search import UnsafeIndex, default_index_target, index_ready

    target = default_index_target()
    try:
        ready = index_ready(target)
    except UnsafeIndex as e:
        server.log.error("newsarchive: %s", e)
        raise SystemExit(2) from None
    if not ready:
        server.log.warning("newsarchive: no index at %s yet; /healthz answers 503 until it appears",
                           target)
