"""Scale run of both engines on the same pages: indexing, size, memory, query latency.

    .venv/bin/python -m bench.corpus --out var/bench/reuters-22k --copies 1
    .venv/bin/python -m bench.scale_opensearch --pages var/bench/reuters-22k [--clients 8 --seconds 20]

Starts a one-node OpenSearch cluster (``opensearch-dev/cluster``, heap
``OPENSEARCH_DEV_HEAP``, default 1g here) in a temporary directory, then for
each engine, on the same pages:

* ``newsarchive index PAGES`` (a cold build, parsing in worker processes):
  pages/s end to end, wall and CPU seconds and peak RSS of the indexer's
  process tree plus, for OpenSearch, the node's JVM (sampled from /proc);
  the index size (on disk; the cluster's primary store);
* the 200 fixed queries of ``bench/queries.py`` (made from the Whoosh index,
  the same for both), through ``SearchService``: 1 cold and 2 warm rounds,
  per query class p50/p95 of the warm rounds, the engines interleaved query
  by query;
* ``newsarchive serve --workers 2`` and ``--clients`` keep-alive clients for
  ``--seconds``: requests/s and latency p50/p95.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.harness import REPO, machine_line, summary, versions_line
from bench.proctree import tree_cpu_s, tree_rss_bytes
from bench.queries import make_queries
from bench.query import run_throughput, warm_workers
from bench.server import free_port, newsarchive_serve
from search.service import SearchService

CLUSTER = REPO / "opensearch-dev" / "cluster"


def index_measured(pages: Path, target: str, jvm_pid: int | None) -> dict[str, Any]:
    """``newsarchive index`` with the indexer's tree (and the JVM) sampled for CPU and RSS."""
    command = [sys.executable, "-m", "cli", "index", str(pages), "--index", target, "--json", "--quiet"]
    if jvm_pid is not None:
        command += ["--replicas", "0"]
    jvm_cpu0 = tree_cpu_s(jvm_pid) if jvm_pid else 0.0
    peak = [0]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cpu = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            rss = tree_rss_bytes(proc.pid) + (tree_rss_bytes(jvm_pid) if jvm_pid else 0)
            peak[0] = max(peak[0], rss)
            cpu[0] = max(cpu[0], tree_cpu_s(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if proc.returncode not in (0, 3):
        raise SystemExit(f"index failed ({proc.returncode}): {err[-2000:]}")
    report = json.loads(out)
    parsed = report["added"] + report["failed"]
    return {"pages": parsed, "documents": report["documents"], "wall_s": wall, "pages_per_s": parsed / wall,
            "indexer_cpu_s": cpu[0], "jvm_cpu_s": (tree_cpu_s(jvm_pid) - jvm_cpu0) if jvm_pid else 0.0,
            "peak_rss_mb": peak[0] / 1e6}


def query_latency(services: dict[str, SearchService], queries, rounds: int = 2) -> dict[str, dict[str, Any]]:
    """Per engine and query class: cold p50/p95, warm p50/p95 (ms), engines interleaved."""
    times: dict[str, dict[str, list[list[float]]]] = {e: {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
                                                      for e in services}
    for r in range(1 + rounds):
        phase = "cold" if r == 0 else "warm"
        for i, bq in enumerate(queries):
            for engine, service in services.items():
                service.clear_match_cache()
                t0 = time.perf_counter()
                service.search(bq.request())
                times[engine][phase][i].append((time.perf_counter() - t0) * 1000)
    out: dict[str, dict[str, Any]] = {}
    classes = list(dict.fromkeys(q.cls for q in queries)) + ["ALL"]
    for engine in services:
        out[engine] = {}
        for cls in classes:
            idx = [i for i, q in enumerate(queries) if cls in ("ALL", q.cls)]
            cold = summary([times[engine]["cold"][i][0] for i in idx])
            warm = summary([statistics.median(times[engine]["warm"][i]) for i in idx])
            out[engine][cls] = {"cold_p50": cold["p50"], "cold_p95": cold["p95"],
                                "warm_p50": warm["p50"], "warm_p95": warm["p95"]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--label", default="scale")
    args = ap.parse_args(argv)
    print(f"scale benchmark, {time.strftime('%Y-%m-%d %H:%M:%S')}, pages {args.pages}")
    print(versions_line("Whoosh", "opensearch-py", "Flask", "gunicorn"))
    print(f"start: {machine_line()}", flush=True)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        home = Path(tmp) / "cluster"
        port = free_port()
        env = {**os.environ, "OPENSEARCH_DEV_HEAP": os.environ.get("OPENSEARCH_DEV_HEAP", "1g")}
        subprocess.run(["bash", str(CLUSTER), "start", "--nodes", "1", "--http-port", str(port), "--home", str(home)],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        try:
            jvm = int((home / "node-1.pid").read_text())
            targets = {"whoosh": str(Path(tmp) / "whoosh"), "opensearch": f"http://127.0.0.1:{port}/scale"}
            for engine, target in targets.items():
                res = index_measured(args.pages, target, jvm if engine == "opensearch" else None)
                service = SearchService(target)
                res["index_mb"] = service.stats().size_bytes / 1e6
                service.close()
                results[engine] = {"index": res}
                print(f"{engine:<10} index: {res['pages']:,} pages, {res['pages_per_s']:.1f} pages/s, wall "
                      f"{res['wall_s']:.0f} s, CPU indexer {res['indexer_cpu_s']:.0f} s + JVM {res['jvm_cpu_s']:.0f} s, "
                      f"peak RSS {res['peak_rss_mb']:.0f} MB, index {res['index_mb']:.0f} MB", flush=True)
            services = {e: SearchService(t) for e, t in targets.items()}
            for s in services.values():
                s.warm()
            queries = make_queries(services["whoosh"], args.seed)
            latency = query_latency(services, queries)
            for s in services.values():
                s.close()
            print(f"{'class':<8} " + " ".join(f"{e + ' ' + k:>22}" for e in targets for k in ("warm p50", "warm p95")))
            for cls in latency["whoosh"]:
                print(f"{cls:<8} " + " ".join(f"{latency[e][cls][k]:>22.1f}" for e in targets
                                              for k in ("warm_p50", "warm_p95")))
            for engine, target in targets.items():
                results[engine]["queries"] = latency[engine]
                server = newsarchive_serve(target, Path(tmp) / f"serve-{engine}.log")
                try:
                    server.start()
                    warm_workers(server, queries)
                    tp = run_throughput(server, queries, args.clients, args.seconds)
                finally:
                    server.stop()
                results[engine]["throughput"] = tp
                lt = tp["latency"]
                print(f"{engine:<10} {args.clients} clients: {tp['rps']:.1f} requests/s, errors {tp['errors']}, "
                      f"p50 {lt['p50']:.1f} p95 {lt['p95']:.1f} ms", flush=True)
        finally:
            subprocess.run(["bash", str(CLUSTER), "stop", "--home", str(home)], check=False)
    print(f"end: {machine_line()}")
    out = REPO / "var" / "bench" / f"scale-{args.label}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"results: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
