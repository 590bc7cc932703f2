"""Query benchmark: 200 fixed queries, full responses, library and HTTP, against SQLite FTS5.

    .venv/bin/python -m bench.query --index var/bench/index-108k
    .venv/bin/python -m bench.query --index DIR --rounds 3 --no-http --profile

Queries are derived from the index's own vocabulary and articles with a fixed
seed (``bench/queries.py``), saved to
``var/bench/queries-<index>-<generation>-seed<N>.json`` and summarised on
stdout, so a run can be repeated exactly.

Each query is timed for the whole response the product returns (ranking,
section/author facets, year/month histograms, snippets, suggestion):

* library ``cold``: once each, on a freshly opened ``SearchService`` whose
  generation tables (doc table, field lengths) were built beforehand; the
  posting cache starts empty and fills as the round goes, as in a server;
* library ``warm``: ``--rounds`` more rounds on the same service, query order
  shuffled per round, the match-set cache cleared before every query so no
  measurement is a cache hit; per query the median of its rounds;
* library ``cached``: page 2 and a section toggle right after page 1 (the
  match-set cache at work), reported separately;
* SQLite FTS5 (``bench/fts5.py``) on the same articles and requests,
  interleaved query by query with ours so machine noise hits both alike;
* HTTP: ``newsarchive serve --workers 2`` on a free loopback port, one
  keep-alive client, 2 rounds; then ``--clients`` clients for ``--seconds``.

Wall time (perf_counter) and CPU time (process_time; for HTTP the server
process tree's CPU from /proc) are reported side by side: this machine is
shared, so wall figures carry other people's load, and the load average is
printed at the start and the end.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import random
import sqlite3
import statistics
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterator

from bench import fts5
from bench.harness import REPO, machine_line, summary, versions_line
from bench.proctree import tree_cpu_s
from bench.queries import BenchQuery, make_queries
from bench.server import Server, newsarchive_serve
from search.service import SearchService

# --- library -----------------------------------------------------------------


def _clear_cache(service: SearchService) -> None:
    clear = getattr(service, "clear_match_cache", None)
    if clear is not None:
        clear()


def fresh_service(index_dir: Path) -> SearchService:
    """A new service with its generation tables built (doc table, field lengths,
    spelling words): the per-generation work every server does once, not per query."""
    service = SearchService(index_dir)
    service.warm()
    return service


def time_call(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, result


def round_orders(n: int, rounds: int, seed: int) -> Iterator[tuple[str, list[int]]]:
    """("cold", 0..n-1) once, then ("warm", a shuffled order) ``rounds`` times (fixed by ``seed``)."""
    rng = random.Random(seed + 1)
    yield "cold", list(range(n))
    for _ in range(rounds):
        order = list(range(n))
        rng.shuffle(order)
        yield "warm", order


def run_library(index_dir: Path, queries: list[BenchQuery], rounds: int, fts: fts5.Fts5Search | None,
                seed: int, profile_to: Path | None) -> dict[str, Any]:
    """Cold round, then warm rounds; FTS5 timed right after ours, query by query."""
    ours: dict[str, list[list[float]]] = {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
    ours_cpu: dict[str, list[list[float]]] = {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
    theirs: dict[str, list[list[float]]] = {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
    theirs_cpu: dict[str, list[list[float]]] = {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
    totals: list[tuple[int, int | None]] = [(0, None)] * len(queries)
    service = fresh_service(index_dir)
    profiler = None
    try:
        for r, (phase, order) in enumerate(round_orders(len(queries), rounds, seed)):
            if profiler is None and profile_to is not None and r == 1:
                from pyinstrument import Profiler
                profiler = Profiler(interval=0.0005)
                profiler.start()
            for i in order:
                bq = queries[i]
                req = bq.request()
                _clear_cache(service)
                wall, cpu, resp = time_call(lambda: service.search(req))
                ours[phase][i].append(wall)
                ours_cpu[phase][i].append(cpu)
                if fts is not None:
                    match, days = bq.fts_match(), bq.day_range()
                    wall_f, cpu_f, ans = time_call(lambda: fts.search(req, match, days))
                    theirs[phase][i].append(wall_f)
                    theirs_cpu[phase][i].append(cpu_f)
                    totals[i] = (resp.total, ans.total)
                else:
                    totals[i] = (resp.total, None)
            if profiler is not None and r == 1:
                profiler.stop()
                assert profile_to is not None
                profile_to.parent.mkdir(parents=True, exist_ok=True)
                profile_to.with_suffix(".txt").write_text(
                    profiler.output_text(unicode=True, color=False, show_all=False))
                profile_to.with_suffix(".html").write_text(profiler.output_html())
        # Paging and facet toggles right after page 1: the match-set cache case.
        cached: list[float] = []
        cached_cpu: list[float] = []
        for bq in queries:
            _clear_cache(service)
            first = service.search(bq.request())
            # Toggle: select the top section (or deselect the selected one).
            top = first.facets.section[0].value if first.facets.section else None
            toggled = [] if bq.sections else ([top] if top else [])
            for change in (dict(page=bq.page + 1), dict(sections=toggled)):
                wall, cpu, _ = time_call(lambda: service.search(bq.request(**change)))
                cached.append(wall)
                cached_cpu.append(cpu)
    finally:
        service.close()
    return {"ours": ours, "ours_cpu": ours_cpu, "fts": theirs, "fts_cpu": theirs_cpu, "totals": totals,
            "cached": cached, "cached_cpu": cached_cpu}


def per_query(samples: list[list[float]]) -> list[float]:
    """One figure per query: the median of its rounds."""
    return [statistics.median(s) for s in samples if s]


def print_library(queries: list[BenchQuery], res: dict[str, Any], have_fts: bool) -> dict[str, Any]:
    classes = list(dict.fromkeys(q.cls for q in queries))
    out: dict[str, Any] = {}
    header = (f"{'class':<8} {'n':>3} | {'cold p50':>8} {'p95':>7} {'max':>7} | {'warm p50':>8} {'p95':>7} "
              f"{'p99':>7} {'max':>7} {'cpu p50':>7} {'cpu p95':>7}")
    if have_fts:
        header += f" | {'fts p50':>7} {'p95':>6} {'cpu p50':>7} | {'x p50':>5} {'x p95':>5}"
    print(header)
    print("-" * len(header))
    for cls in classes + ["ALL"]:
        idx = [i for i, q in enumerate(queries) if cls in ("ALL", q.cls)]
        cold = [res["ours"]["cold"][i][0] for i in idx]
        warm = per_query([res["ours"]["warm"][i] for i in idx])
        wcpu = per_query([res["ours_cpu"]["warm"][i] for i in idx])
        c, w, u = summary(cold), summary(warm), summary(wcpu)
        line = (f"{cls:<8} {len(idx):>3} | {c['p50']:>8.1f} {c['p95']:>7.1f} {c['max']:>7.1f} | {w['p50']:>8.1f} "
                f"{w['p95']:>7.1f} {w['p99']:>7.1f} {w['max']:>7.1f} {u['p50']:>7.1f} {u['p95']:>7.1f}")
        row = {"cold": c, "warm": w, "warm_cpu": u}
        if have_fts:
            fw = summary(per_query([res["fts"]["warm"][i] for i in idx]))
            fc = summary(per_query([res["fts_cpu"]["warm"][i] for i in idx]))
            line += (f" | {fw['p50']:>7.1f} {fw['p95']:>6.1f} {fc['p50']:>7.1f} | {w['p50'] / fw['p50']:>5.1f} "
                     f"{w['p95'] / fw['p95']:>5.1f}")
            row["fts_warm"], row["fts_cpu"] = fw, fc
        out[cls] = row
        print(line)
    print("(ms; cold = first run of each query on a fresh service; warm = median of the warm rounds per query,"
          " match-set cache cleared before each; x = ours / FTS5, same round)")
    return out


# --- HTTP ----------------------------------------------------------------------


def warm_workers(server: Server, queries: list[BenchQuery]) -> None:
    """Let every worker build its generation tables (each opens the index on
    its first request): concurrent requests reach both."""
    def hit() -> None:
        conn = server.connection(timeout=120)
        for path in ("/healthz", "/api/search?q=market", "/api/search?q=", "/api/search?q=zqxjkv"):
            server.get(conn, path)
        conn.close()
    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_http(server: Server, queries: list[BenchQuery], rounds: int) -> dict[str, Any]:
    conn = server.connection(timeout=60)
    per_round: list[dict[str, Any]] = []
    errors = 0
    for _ in range(rounds):
        lat: list[float] = []
        cpu0, t0 = tree_cpu_s(server.process.pid), time.perf_counter()
        for bq in queries:
            start = time.perf_counter()
            status, _ = server.get(conn, bq.url())
            lat.append((time.perf_counter() - start) * 1000)
            errors += status != 200
        elapsed = time.perf_counter() - t0
        cpu = tree_cpu_s(server.process.pid) - cpu0
        per_round.append({"latency": summary(lat), "server_cpu_ms_per_req": cpu * 1000 / len(queries),
                          "wall_s": elapsed})
    conn.close()
    return {"rounds": per_round, "errors": errors}


def run_throughput(server: Server, queries: list[BenchQuery], clients: int, seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    lat: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client(k: int) -> None:
        conn = server.connection(timeout=30)
        i = k * len(queries) // clients
        while time.monotonic() < deadline:  # bounded by the deadline
            bq = queries[i % len(queries)]
            i += 1
            start = time.perf_counter()
            try:
                status, _ = server.get(conn, bq.url())
            except (OSError, http.client.HTTPException):
                errors[k] += 1
                conn.close()
                conn = server.connection(timeout=30)
                continue
            lat[k].append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors[k] += 1
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    cpu0, t0 = tree_cpu_s(server.process.pid), time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = tree_cpu_s(server.process.pid) - cpu0
    all_lat = [x for ls in lat for x in ls]
    return {"requests": len(all_lat), "rps": len(all_lat) / elapsed, "errors": sum(errors),
            "statuses": statuses, "latency": summary(all_lat), "elapsed_s": elapsed,
            "server_cpu_s": cpu, "server_cpu_share": cpu / elapsed}


# --- main --------------------------------------------------------------------------


def fts_db_for(index_dir: Path, generation: str) -> Path:
    out = REPO / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    name = index_dir.resolve().name
    return out / f"fts5-{name}-{generation}.sqlite"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=REPO / "var" / "bench" / "index-108k")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5, help="warm library rounds after the cold one")
    ap.add_argument("--http-rounds", type=int, default=2)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--no-fts5", action="store_true")
    ap.add_argument("--fts5-db", type=Path, help="an FTS5 database of the same articles (e.g. bench.fts5's) "
                    "instead of one built from the index")
    ap.add_argument("--profile", action="store_true",
                    help="pyinstrument over the first warm round, saved to bench/profiles/query-<label>")
    ap.add_argument("--label", default="run", help="names the saved profile and JSON results")
    args = ap.parse_args(argv)

    index_dir = args.index.resolve()
    print(f"query benchmark, {time.strftime('%Y-%m-%d %H:%M:%S')}")
    print(f"{versions_line('Whoosh', 'numpy', 'Flask', 'gunicorn')}, SQLite {sqlite3.sqlite_version}")
    print(f"start: {machine_line()}")
    setup = SearchService(index_dir)
    try:
        generation = setup.generation()
        docs = setup.stats().documents
        t0 = time.perf_counter()
        queries = make_queries(setup, args.seed)
        made_s = time.perf_counter() - t0
    finally:
        setup.close()
    qfile = REPO / "var" / "bench" / f"queries-{index_dir.name}-{generation}-seed{args.seed}.json"
    qfile.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps([asdict(q) for q in queries], ensure_ascii=False, indent=0)
    qfile.write_text(payload)
    print(f"index {index_dir} generation {generation}: {docs:,} articles")
    print(f"{len(queries)} queries (seed {args.seed}, sha256 {hashlib.sha256(payload.encode()).hexdigest()[:12]}, "
          f"made in {made_s:.1f}s) saved to {qfile.relative_to(REPO)}")
    for cls in dict.fromkeys(q.cls for q in queries):
        examples = [q.url()[len("/api/search?"):] for q in queries if q.cls == cls][:3]
        print(f"  {cls:<8} {sum(q.cls == cls for q in queries):>3}  e.g. {' | '.join(examples)}")

    fts = None
    if not args.no_fts5:
        db = args.fts5_db or fts_db_for(index_dir, generation)
        if not db.exists():
            print(f"building FTS5 database {db.relative_to(REPO)} from the index's stored fields ...", flush=True)
            took = fts5.build(db, fts5.articles_from_index(index_dir))
            print(f"  built in {took:.0f}s")
        fts = fts5.Fts5Search(db)
        fts_count = fts.con.execute("SELECT count(*) FROM meta").fetchone()[0]
        print(f"FTS5 database {db}: {fts_count:,} articles "
              f"(tokenize 'porter unicode61', bm25(title 1.2, body 1.0))")

    print(f"\n== library: full responses, 1 cold + {args.rounds} warm rounds ==")
    profile_to = REPO / "bench" / "profiles" / f"query-{args.label}" if args.profile else None
    lib = run_library(index_dir, queries, args.rounds, fts, args.seed, profile_to)
    results: dict[str, Any] = {"library": print_library(queries, lib, fts is not None)}
    cached = summary(lib["cached"])
    cached_cpu = summary(lib["cached_cpu"])
    print(f"cached (page 2 / section toggle right after page 1): p50 {cached['p50']:.1f} p95 {cached['p95']:.1f} "
          f"p99 {cached['p99']:.1f} max {cached['max']:.1f} ms; cpu p50 {cached_cpu['p50']:.1f} ms")
    results["cached"] = cached
    if profile_to is not None:
        print(f"profile of the first warm round: {profile_to.relative_to(REPO)}.txt / .html")
    if fts is not None:
        diff = [(q.cls, q.q, a, b) for q, (a, b) in zip(queries, lib["totals"]) if b is not None]
        same = sum(1 for *_, a, b in diff if a == b)
        print(f"totals equal to FTS5's for {same}/{len(diff)} queries (tokenizers differ: folding, stop "
              "words in phrases, prefix on stemmed vs unstemmed terms)")
        fts.close()

    if not args.no_http:
        print("\n== HTTP: newsarchive serve --workers 2, loopback ==")
        log = REPO / "var" / "bench" / f"serve-{args.label}.log"
        server = newsarchive_serve(index_dir, log, workers=2)
        try:
            t0 = time.perf_counter()
            server.start()
            warm_workers(server, queries)
            print(f"server up and warmed in {time.perf_counter() - t0:.1f}s (port {server.port}, log {log.relative_to(REPO)})")
            one = run_http(server, queries, args.http_rounds)
            for k, rnd in enumerate(one["rounds"], 1):
                lt = rnd["latency"]
                print(f"1 client, round {k}: p50 {lt['p50']:.1f} p95 {lt['p95']:.1f} p99 {lt['p99']:.1f} "
                      f"max {lt['max']:.1f} ms; server CPU {rnd['server_cpu_ms_per_req']:.1f} ms/request")
            print(f"1 client errors: {one['errors']}")
            tp = run_throughput(server, queries, args.clients, args.seconds)
            lt = tp["latency"]
            print(f"{args.clients} clients, {tp['elapsed_s']:.0f}s: {tp['requests']} requests, {tp['rps']:.1f} requests/s, "
                  f"errors {tp['errors']} {tp['statuses'] or ''}; latency p50 {lt['p50']:.1f} p95 {lt['p95']:.1f} "
                  f"p99 {lt['p99']:.1f} max {lt['max']:.1f} ms; server CPU {tp['server_cpu_share']:.2f} cores")
            results["http"], results["throughput"] = one, tp
        finally:
            server.stop()
    print(f"\nend: {machine_line()}")
    out = REPO / "var" / "bench" / f"query-{args.label}.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"results: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
