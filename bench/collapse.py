"""What collapsing results by story costs a search: the same queries, collapsed and not.

    .venv/bin/python -m bench.collapse --index DIR [--rounds 5] [--seed 5]
    .venv/bin/python -m bench.collapse --index http://HOST:PORT/ALIAS

The 200 fixed queries of ``bench/queries.py`` (made from the index with the
seed; pass ``--queries FILE``, as ``bench.query`` saves them, to reuse a set
across versions), on one service, each run collapsed and uncollapsed
(``collapse=False``), the two modes back to back query by query (which goes
first alternating) so the machine's load falls on both alike. Per query the least CPU time
(``process_time``: this process, the Whoosh engine's work; for OpenSearch the
client's part, so wall time and requests are printed too) over the rounds,
then the sum over the queries and the median. ``warm``: the match-set cache
cleared before each search (as ``bench.query``'s warm rounds); ``cached``: the
match set cached, as when paging.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bench.harness import machine_line
from bench.queries import BenchQuery, make_queries
from search.models import SearchRequest
from search.service import SearchService

MODES = {"collapsed": True, "uncollapsed": False}


def _requests(service: SearchService, queries_file: Path | None, seed: int) -> list[SearchRequest]:
    if queries_file is not None:
        queries = [BenchQuery(**q) for q in json.loads(queries_file.read_text())]
    else:
        queries = make_queries(service, seed)
    return [q.request() for q in queries]


def _counting_requests() -> Callable[[], int]:
    """How many search requests the OpenSearch engine has sent so far (0 for Whoosh)."""
    try:
        from search.engines.opensearch.cluster import Cluster
    except ImportError:  # the OpenSearch client is not installed: Whoosh only
        return lambda: 0
    sent = [0]
    real = Cluster.search

    def counted(self, body, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent[0] += 1
        return real(self, body, *args, **kwargs)

    Cluster.search = counted  # type: ignore[method-assign]
    return lambda: sent[0]


def run(service: SearchService, requests: list[SearchRequest], rounds: int, cached: bool,
        sent: Callable[[], int]) -> dict[str, dict[str, float]]:
    """mode -> figures: CPU and wall ms per query (sum of each query's least, /n; and p50), requests per query."""
    cpu: dict[str, list[float]] = {m: [float("inf")] * len(requests) for m in MODES}
    wall: dict[str, list[float]] = {m: [float("inf")] * len(requests) for m in MODES}
    calls: dict[str, int] = {m: 0 for m in MODES}
    for n in range(rounds):
        for i, request in enumerate(requests):
            for mode in (list(MODES) if (n + i) % 2 == 0 else list(MODES)[::-1]):
                req = replace(request, collapse=MODES[mode])
                if cached:
                    service.search(req)  # the match set is now in the cache
                else:
                    service.clear_match_cache()
                before = sent()
                c, w = time.process_time(), time.perf_counter()
                service.search(req)
                cpu[mode][i] = min(cpu[mode][i], (time.process_time() - c) * 1000)
                wall[mode][i] = min(wall[mode][i], (time.perf_counter() - w) * 1000)
                calls[mode] += sent() - before
    n = len(requests)
    return {m: {"cpu": sum(cpu[m]) / n, "cpu_p50": statistics.median(cpu[m]), "wall": sum(wall[m]) / n,
                "requests": calls[m] / n / rounds} for m in MODES}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="an index directory or OpenSearch URL")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--queries", type=Path, help="a query file saved by bench.query (else made from the index)")
    args = parser.parse_args(argv)
    sent = _counting_requests()
    service = SearchService(args.index, budget=0)
    try:
        service.warm()
        requests = _requests(service, args.queries, args.seed)
        print(f"start: {machine_line()}")
        print(f"{len(requests)} queries, {service.stats().documents:,} articles, {args.rounds} rounds")
        for req in requests:  # posting caches, field lengths: as in a server that has run a while
            service.search(req)
        for cached in (False, True):
            found = run(service, requests, args.rounds, cached, sent)
            on, off = found["collapsed"], found["uncollapsed"]
            print(f"{'cached' if cached else 'warm'}: CPU ms a query {on['cpu']:.2f} collapsed, "
                  f"{off['cpu']:.2f} uncollapsed ({on['cpu'] / off['cpu']:.3f}x); p50 {on['cpu_p50']:.2f} / "
                  f"{off['cpu_p50']:.2f}; wall ms {on['wall']:.2f} / {off['wall']:.2f}; "
                  f"requests a query {on['requests']:.2f} / {off['requests']:.2f}")
        print(f"end: {machine_line()}")
    finally:
        service.close()


if __name__ == "__main__":
    main()
