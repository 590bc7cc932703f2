"""HTTP under load on one index: ``newsarchive serve`` with N clients, and what each request costs.

    .venv/bin/python -m bench.http_load --index var/bench/index-540k
    NEWSARCHIVE_THREADS=2 .venv/bin/python -m bench.http_load --index DIR --workers 2 --clients 8 --seconds 20

The HTTP part of ``bench/scale.py`` for one server, to compare server
settings or code versions back to back: starts ``newsarchive serve
--workers N`` (threads per worker from ``$NEWSARCHIVE_THREADS``), lets every
worker build its tables, then one client over the 200 fixed queries and
``--clients`` clients for ``--seconds``. Prints requests/s, latency
percentiles, errors and the server process tree's CPU per request (the
honest figure on a shared machine, where the CPU a run gets varies).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from bench.harness import machine_line
from bench.queries import make_queries
from bench.query import run_http, run_throughput, warm_workers
from bench.server import newsarchive_serve
from search.service import SearchService


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    service = SearchService(args.index)
    queries = make_queries(service, args.seed)
    service.close()
    threads = os.environ.get("NEWSARCHIVE_THREADS", "4")
    print(f"{args.workers} workers x {threads} threads; load {os.getloadavg()}", flush=True)
    server = newsarchive_serve(args.index, workers=args.workers)
    try:
        server.start()
        warm_workers(server, queries)
        one = run_http(server, queries, 1)["rounds"][0]
        tp = run_throughput(server, queries, args.clients, args.seconds)
    finally:
        server.stop()
    lt, l1 = tp["latency"], one["latency"]
    print(f"1 client: p50 {l1['p50']:.1f} p95 {l1['p95']:.1f} p99 {l1['p99']:.1f} ms, "
          f"server CPU {one['server_cpu_ms_per_req']:.1f} ms/request")
    print(f"{args.clients} clients: {tp['rps']:.1f} requests/s, errors {tp['errors']} {tp['statuses'] or ''}, "
          f"p50 {lt['p50']:.1f} p95 {lt['p95']:.1f} p99 {lt['p99']:.1f} ms, server CPU "
          f"{tp['server_cpu_s'] * 1000 / max(tp['requests'], 1):.1f} ms/request "
          f"({tp['server_cpu_share']:.2f} cores); {machine_line()}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"workers": args.workers, "threads": threads, "one": one, "load": tp}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
