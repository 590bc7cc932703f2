"""What every benchmark shares: percentiles, the machine line, versions, an index from articles."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from dataclasses import replace
from pathlib import Path

import numpy as np

from search import open_engine
from indexer.stories import Stories, signature
from search.models import Article, SourceState

REPO = Path(__file__).resolve().parents[1]
#: The source state of articles indexed without a page file behind them.
NO_FILE = SourceState("0" * 40, 0, 0)


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (0 < p <= 100): the smallest value with at least
    p% of all values at or below it, so always a measured value; NaN for none.

    numpy's ``method="inverted_cdf"`` (Hyndman and Fan's definition 1).
    """
    if len(values) == 0:
        return float("nan")
    return float(np.percentile(values, p, method="inverted_cdf"))


def summary(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, p99, max and mean of ``values``."""
    if len(values) == 0:
        return {"n": 0, **{k: float("nan") for k in ("p50", "p95", "p99", "max", "mean")}}
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": max(values), "mean": statistics.fmean(values)}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass  # not Linux: platform's answer below
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    """Host, cores, CPU model and load average (1, 5, 15 min): printed with every figure."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu_model()}), load average {load}"


def versions(*distributions: str) -> dict[str, str]:
    """Python's version and each installed distribution's ('-' when it is not installed)."""
    found = {"Python": platform.python_version()}
    for name in distributions:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "-"
    return found


def versions_line(*distributions: str) -> str:
    return ", ".join(f"{name} {v}" for name, v in versions(*distributions).items())


def index_articles(index_dir: Path | str, articles: Iterable[Article]) -> Path | str:
    """Write ``articles`` as a fresh live index at ``index_dir`` (a directory or
    an OpenSearch URL), through the engine's writer session as the indexer does
    (a rebuild).

    The one place benchmarks and tests build an index from Article records
    (a relevance collection, a test corpus) rather than from page files.
    """
    engine = open_engine(index_dir)
    try:
        with engine.writer(rebuild=True) as session:
            stories = Stories(session.stories)
            for a in articles:
                sig = signature(a.body)
                session.add(replace(a, signature=sig, story=stories.assign(a.source, sig, NO_FILE.content_hash)),
                            NO_FILE)
    finally:
        engine.close()
    return index_dir
