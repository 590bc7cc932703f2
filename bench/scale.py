"""Scale run: both engines and the SQLite FTS5 peer on the same pages, one size per run.

    .venv/bin/python -m bench.corpus --out var/bench/reuters --copies 5
    .venv/bin/python -m bench.scale --pages var/bench/reuters --label 108k
    .venv/bin/python -m bench.scale --pages var/bench/reuters-540k --label 540k --growth-from var/bench/scale-108k.json

Starts a one-node OpenSearch cluster (``opensearch-dev/cluster``, ``--heap``)
in a work directory, then on the same pages:

* indexing, one build after the other: the peer (``python -m bench.fts5``:
  the project's extractor in ``--peer-jobs`` processes feeding SQLite FTS5),
  then ``newsarchive index`` into a Whoosh directory and into the cluster.
  Each: pages/s end to end, CPU seconds of its process tree (plus the JVM's
  for OpenSearch), peak RSS of the tree (plus the JVM's), index size;
* the 200 fixed queries of ``bench/queries.py`` (made from the Whoosh index)
  through ``SearchService`` and through FTS5 (``bench/fts5.py``): a cold round
  on fresh services (OpenSearch's caches cleared too), then ``--rounds`` warm
  rounds, query order shuffled per round, the three interleaved query by
  query; per class cold and warm p50/p95 (warm: median of a query's rounds);
* HTTP: ``newsarchive serve --workers 2`` on each engine (both up, measured
  one after the other): 1 client over the 200 queries, then ``--clients``
  clients for ``--seconds``: requests/s, p50/p95/p99, errors;
* the pathological queries of issue 15 over HTTP under the default time
  budget: the answer's ``took_ms``, or the 503 ``query_too_expensive``, and
  how long the client waited.

``--engines whoosh`` leaves OpenSearch out (no cluster). ``--whoosh-index`` and
``--fts5-db`` measure indexes built earlier (by ``newsarchive index`` and
``python -m bench.fts5`` on the same pages) instead of building them: the
queries and HTTP phases on an unchanged index, without the build's hour.

Results are written to ``var/bench/scale-<label>.json`` after every phase
(a run stopped midway keeps what it measured); ``bench/scale_report.py``
prints the tables (with ``--growth-from``, the growth from a smaller run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable

from bench import fts5
from bench.harness import REPO, machine_line, summary, versions_line
from bench.proctree import tree_cpu_s, tree_rss_bytes
from bench.queries import BenchQuery, make_queries
from bench.query import fresh_service, per_query, round_orders, run_http, run_throughput, warm_workers
from bench.scale_report import print_growth, print_run
from bench.server import Server, free_port, newsarchive_serve
from search.service import SearchService

CLUSTER = REPO / "opensearch-dev" / "cluster"
#: Legal queries that cost seconds on a big archive (issue 15): each is answered
#: within the time budget or refused with 503 ``query_too_expensive``.
PATHOLOGICAL = ('"the of and to in"', '"said the"~50', "internationalization~2", '"in january"')


def measure_build(command: list[str], extra_pid: int | None = None) -> dict[str, Any]:
    """Run an indexing command that prints a JSON report with ``pages`` (or
    ``added`` + ``failed``) and ``documents``; its process tree (and
    ``extra_pid``'s, the JVM) sampled for CPU and RSS."""
    extra_cpu0 = tree_cpu_s(extra_pid) if extra_pid else 0.0
    peak, cpu = [0], [0.0]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        while proc.poll() is None:
            rss = tree_rss_bytes(proc.pid) + (tree_rss_bytes(extra_pid) if extra_pid else 0)
            peak[0] = max(peak[0], rss)
            cpu[0] = max(cpu[0], tree_cpu_s(proc.pid))  # children's CPU counts while they live
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{command[2:4]} failed ({proc.returncode}): {err[-2000:]}")
    report = json.loads(out.strip().splitlines()[-1])
    pages = report.get("pages", report.get("added", 0) + report.get("failed", 0))
    return {"pages": pages, "documents": report["documents"], "wall_s": wall, "pages_per_s": pages / wall,
            "cpu_s": cpu[0], "jvm_cpu_s": (tree_cpu_s(extra_pid) - extra_cpu0) if extra_pid else 0.0,
            "peak_rss_mb": peak[0] / 1e6, "cpu_ms_per_page": (cpu[0] + (tree_cpu_s(extra_pid) - extra_cpu0
                                                                        if extra_pid else 0.0)) * 1000 / pages}


def build_all(pages: Path, targets: dict[str, str], db: Path, jvm: int | None, peer_jobs: int,
              save: Callable[[], None], results: dict[str, Any], prebuilt: set[str]) -> None:
    """Build each engine's index in turn (those in ``prebuilt`` exist already)."""
    index = [sys.executable, "-m", "cli", "index", str(pages), "--json", "--quiet", "--index"]
    # The peer first, Whoosh next: a run stopped midway still has the Whoosh / peer ratio.
    commands = {"fts5": ([sys.executable, "-m", "bench.fts5", str(pages), str(db), "--jobs", str(peer_jobs)], None),
                "whoosh": (index + [targets["whoosh"]], None)}
    if "opensearch" in targets:
        commands["opensearch"] = (index + [targets["opensearch"], "--replicas", "0"], jvm)
    for engine, (command, extra) in commands.items():
        if engine in prebuilt:
            results.setdefault(engine, {})["prebuilt"] = str(db if engine == "fts5" else targets[engine])
            continue
        res = measure_build(command, extra)
        if engine == "fts5":
            res["index_mb"] = db.stat().st_size / 1e6
        else:
            service = SearchService(targets[engine])
            res["index_mb"] = service.stats().size_bytes / 1e6
            service.close()
        res["load_after"] = os.getloadavg()
        results.setdefault(engine, {})["index"] = res
        print(f"{engine:<10} index: {res['pages']:,} pages ({res['documents']:,} articles), "
              f"{res['pages_per_s']:.1f} pages/s, wall {res['wall_s']:.0f} s, CPU {res['cpu_s']:.0f} s + JVM "
              f"{res['jvm_cpu_s']:.0f} s, peak RSS {res['peak_rss_mb']:.0f} MB, index {res['index_mb']:.0f} MB; "
              f"{machine_line()}", flush=True)
        save()


def clear_opensearch_caches(base: str) -> None:
    """Drop the node's query, request and field-data caches: a cold round starts from disk pages."""
    urllib.request.urlopen(urllib.request.Request(f"{base}/_cache/clear", method="POST"), timeout=60).read()


def library_latency(targets: dict[str, str], db: Path, queries: list[BenchQuery], rounds: int,
                    seed: int, cluster_base: str | None) -> dict[str, dict[str, Any]]:
    """Cold round on fresh services, then warm rounds; the engines interleaved query by query."""
    if cluster_base:
        clear_opensearch_caches(cluster_base)
    services = {e: fresh_service(t) for e, t in targets.items()}
    fts = fts5.Fts5Search(db)
    run: dict[str, Callable[[BenchQuery], Any]] = {
        e: (lambda bq, s=s: s.search(bq.request())) for e, s in services.items()}
    run["fts5"] = lambda bq: fts.search(bq.request(), bq.fts_match(), bq.day_range())
    times = {e: {"cold": [[] for _ in queries], "warm": [[] for _ in queries]} for e in run}
    try:
        for phase, order in round_orders(len(queries), rounds, seed):
            for i in order:
                for engine, search in run.items():
                    if engine in services:
                        services[engine].clear_match_cache()  # no measurement is a cache hit
                    t0 = time.perf_counter()
                    search(queries[i])
                    times[engine][phase][i].append((time.perf_counter() - t0) * 1000)
    finally:
        for s in services.values():
            s.close()
        fts.close()
    out: dict[str, dict[str, Any]] = {}
    for engine in run:
        out[engine] = {}
        for cls in list(dict.fromkeys(q.cls for q in queries)) + ["ALL"]:
            idx = [i for i, q in enumerate(queries) if cls in ("ALL", q.cls)]
            out[engine][cls] = {"cold": summary([times[engine]["cold"][i][0] for i in idx]),
                                "warm": summary(per_query([times[engine]["warm"][i] for i in idx]))}
    return out


def pathological(engine: str, server: Server) -> list[dict[str, Any]]:
    """Each expensive query once, as a fresh request: status, took_ms or the error code, client wait."""
    out = []
    conn = server.connection(timeout=120)
    try:
        for q in PATHOLOGICAL:
            t0 = time.perf_counter()
            status, body = server.get(conn, "/api/search?" + urllib.parse.urlencode({"q": q}))
            waited = (time.perf_counter() - t0) * 1000
            data = json.loads(body)
            row = {"q": q, "status": status, "client_ms": waited, "took_ms": data.get("took_ms"),
                   "total": data.get("total"), "code": data.get("error", {}).get("code")}
            out.append(row)
            print(f"  {engine:<10} {q:<26} HTTP {status} {row['code'] or ''} "
                  f"took_ms {row['took_ms']} client {waited:.0f} ms", flush=True)
    finally:
        conn.close()
    return out


def http_phase(targets: dict[str, str], work: Path, queries: list[BenchQuery], clients: int,
               seconds: float, results: dict[str, Any], save: Callable[[], None]) -> None:
    servers = {e: newsarchive_serve(t, work / f"serve-{e}.log", workers=2) for e, t in targets.items()}
    try:
        for server in servers.values():
            server.start()
            warm_workers(server, queries)
        for engine, server in servers.items():
            one = run_http(server, queries, 1)
            results[engine]["http1"] = {"latency": one["rounds"][0]["latency"], "errors": one["errors"]}
            lt = one["rounds"][0]["latency"]
            print(f"{engine:<10} 1 client: p50 {lt['p50']:.1f} p95 {lt['p95']:.1f} p99 {lt['p99']:.1f} ms, "
                  f"errors {one['errors']}", flush=True)
        for engine, server in servers.items():
            tp = run_throughput(server, queries, clients, seconds)
            results[engine]["throughput"] = {**tp, "clients": clients}
            lt = tp["latency"]
            print(f"{engine:<10} {clients} clients: {tp['rps']:.1f} requests/s, errors {tp['errors']} "
                  f"{tp['statuses'] or ''}, p50 {lt['p50']:.1f} p95 {lt['p95']:.1f} p99 {lt['p99']:.1f} ms; "
                  f"{machine_line()}", flush=True)
            save()
        print("pathological queries (HTTP, default time budget):")
        for engine, server in servers.items():
            results[engine]["pathological"] = pathological(engine, server)
        save()
    finally:
        for server in servers.values():
            server.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, required=True, help="pages from bench.corpus")
    ap.add_argument("--label", default="scale", help="names the results file var/bench/scale-LABEL.json")
    ap.add_argument("--work", type=Path, default=None, help="where the indexes go (default: a temporary "
                    "directory); removed at the end")
    ap.add_argument("--heap", default="2g", help="the OpenSearch node's JVM heap (default 2g)")
    ap.add_argument("--peer-jobs", type=int, default=2, help="extractor processes of the FTS5 peer")
    ap.add_argument("--rounds", type=int, default=2, help="warm library rounds after the cold one")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--no-http", action="store_true", help="skip the HTTP and pathological phase")
    ap.add_argument("--out", type=Path, default=None, help="results file (default var/bench/scale-LABEL.json)")
    ap.add_argument("--growth-from", type=Path, help="a smaller run's results: print the growth to this one")
    ap.add_argument("--engines", default="whoosh,opensearch",
                    help="engines beside the FTS5 peer: whoosh,opensearch (default) or whoosh")
    ap.add_argument("--whoosh-index", type=Path, help="measure this Whoosh index of the same pages, "
                    "built earlier, instead of building one (no indexing figures for it)")
    ap.add_argument("--fts5-db", type=Path, help="likewise an FTS5 peer database built earlier by bench.fts5")
    args = ap.parse_args(argv)
    if not args.pages.is_dir():
        ap.error(f"{args.pages} not found: run python -m bench.corpus first")
    engines = args.engines.split(",")
    if engines not in (["whoosh", "opensearch"], ["whoosh"]):
        ap.error("--engines is whoosh,opensearch or whoosh")
    for given in (args.whoosh_index, args.fts5_db):
        if given and not given.exists():
            ap.error(f"{given} not found")
    out = (args.out or REPO / "var" / "bench" / f"scale-{args.label}.json").resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"label": args.label, "pages_dir": str(args.pages), "heap": args.heap,
                               "started": time.strftime("%Y-%m-%d %H:%M:%S"), "load_start": os.getloadavg()}

    def save() -> None:
        out.write_text(json.dumps(results, indent=1, default=str))

    print(f"scale benchmark {args.label}, {results['started']}, pages {args.pages}")
    print(versions_line("Whoosh", "opensearch-py", "Flask", "gunicorn"))
    print(f"start: {machine_line()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="scale-", dir=args.work))
    home, port = work / "cluster", free_port()
    env = {**os.environ, "OPENSEARCH_DEV_HEAP": args.heap}
    base, jvm = None, None
    try:
        targets = {"whoosh": str(args.whoosh_index or work / "whoosh")}
        if "opensearch" in engines:
            subprocess.run(["bash", str(CLUSTER), "start", "--nodes", "1", "--http-port", str(port),
                            "--home", str(home), "--owner", str(os.getpid())], check=True, env=env,
                           stdout=subprocess.DEVNULL)
            jvm = int((home / "node-1.pid").read_text())
            base = f"http://127.0.0.1:{port}"
            targets["opensearch"] = f"{base}/scale"
        db = args.fts5_db or work / "fts5.sqlite"
        prebuilt = {e for e, given in (("whoosh", args.whoosh_index), ("fts5", args.fts5_db)) if given}
        build_all(args.pages, targets, db, jvm, args.peer_jobs, save, results, prebuilt)
        setup = SearchService(targets["whoosh"])
        try:
            queries = make_queries(setup, args.seed)
        finally:
            setup.close()
        for engine, classes in library_latency(targets, db, queries, args.rounds, args.seed, base).items():
            results[engine]["queries"] = classes
        results["load_after_queries"] = os.getloadavg()
        save()
        print(f"library latency done; {machine_line()}", flush=True)
        if not args.no_http:
            http_phase(targets, work, queries, args.clients, args.seconds, results, save)
    finally:
        if home.exists():
            subprocess.run(["bash", str(CLUSTER), "stop", "--home", str(home)], check=False,
                           stdout=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    results["load_end"] = os.getloadavg()
    save()
    print(f"end: {machine_line()}")
    print_run(results)
    if args.growth_from:
        print_growth(json.loads(args.growth_from.read_text()), results)
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
