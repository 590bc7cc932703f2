"""``GET /metrics``: Prometheus metrics through ``prometheus_client``.

* ``newsarchive_http_requests_total`` and ``newsarchive_http_request_duration_seconds``
  by route (the URL rule, so ids do not make new series), method and status;
  for a streamed export the duration is the time to its first byte;
* ``newsarchive_searches_total`` by kind (search, export) and outcome;
* ``newsarchive_index_up``, ``_documents``, ``_last_indexed_timestamp_seconds``
  and ``_generation_info``, read when scraped from the index summary that
  the worker keeps per generation (``ServiceHolder.summary``).

Under gunicorn every worker counts in its own process: with
``PROMETHEUS_MULTIPROC_DIR`` set (``gunicorn.conf.py`` and ``newsarchive serve``
see to it) they write to files there and any worker's scrape adds them all up.
"""

from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram,
                               generate_latest, multiprocess)
from prometheus_client.core import GaugeMetricFamily

from search import IndexError_, IndexMissing, QueryTooExpensive, SearchService
from search.models import ResultTooLarge, SearchError, SearchResponse

from .context import EXTENSION

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("newsarchive_http_requests", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram("newsarchive_http_request_duration_seconds", "Time to answer an HTTP request",
                    ["route", "method", "status"])
SEARCHES = Counter("newsarchive_searches", "Searches and exports by outcome", ["kind", "outcome"])


def _outcome(error: BaseException) -> str:
    if isinstance(error, ResultTooLarge):
        return "too_large"
    if isinstance(error, QueryTooExpensive):
        return "too_expensive"
    if isinstance(error, SearchError):
        return "invalid"
    if isinstance(error, IndexError_):
        return "unavailable"
    return "error"


class MeteredService(SearchService):
    """The search service, counting every search and export by outcome."""

    def search(self, request, **kwargs) -> SearchResponse:  # noqa: ANN001 - SearchService's
        try:
            response = super().search(request, **kwargs)
        except Exception as e:
            SEARCHES.labels("search", _outcome(e)).inc()
            raise
        SEARCHES.labels("search", "hits" if response.total else "no_hits").inc()
        return response

    def export(self, request, *args, **kwargs):  # noqa: ANN001, ANN201 - SearchService's
        try:
            found = super().export(request, *args, **kwargs)
        except Exception as e:
            SEARCHES.labels("export", _outcome(e)).inc()
            raise
        SEARCHES.labels("export", "hits" if found.total else "no_hits").inc()
        return found


class IndexCollector:
    """The index's state, read when scraped (documents: once per generation)."""

    def __init__(self, app: Flask):
        self.holder = app.extensions[EXTENSION]

    def collect(self):  # noqa: ANN201 - prometheus_client's collector protocol
        up = GaugeMetricFamily("newsarchive_index_up", "1 when the index can be searched")
        try:
            summary = self.holder.summary()
        except IndexMissing:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("newsarchive_index_documents", "Articles in the live index",
                                value=summary.documents)
        if summary.last_indexed_seconds is not None:
            yield GaugeMetricFamily("newsarchive_index_last_indexed_timestamp_seconds",
                                    "Unix time of the live index's last indexing commit",
                                    value=summary.last_indexed_seconds)
        info = GaugeMetricFamily("newsarchive_index_generation_info", "The live index generation",
                                 labels=["generation"])
        info.add_metric([summary.generation], 1)
        yield info


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        labels = (route, request.method, str(response.status_code))
        REQUESTS.labels(*labels).inc()
        LATENCY.labels(*labels).observe(time.perf_counter() - started)
    return response


@bp.get("/metrics")
def metrics() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)
        text = generate_latest(workers)
    else:
        text = generate_latest(REGISTRY)
    index = CollectorRegistry()
    index.register(IndexCollector(current_app))
    response = Response(text + generate_latest(index), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if shared and not os.path.isdir(shared):
        # Every request would fail to count itself: refuse to start instead.
        raise ValueError(f"PROMETHEUS_MULTIPROC_DIR={shared} is not a directory: create it, or unset it "
                         "(gunicorn.conf.py and 'newsarchive serve' then make one)")
    app.register_blueprint(bp)
    app.before_request(_start)
    app.after_request(_count)
