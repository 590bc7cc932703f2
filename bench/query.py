"""Query benchmark: 200 fixed queries, full responses, library and HTTP, against SQLite FTS5.

    .venv/bin/python bench/query.py --index var/bench/index-108k
    .venv/bin/python bench/query.py --index DIR --rounds 3 --no-http --profile

Queries are derived from the index's own vocabulary (document frequencies of
``body_phrase``) and articles with a fixed seed, saved to
``var/bench/queries-<index>-<generation>-seed<N>.json`` and summarised on
stdout, so a run can be repeated exactly. Classes: single words (rare,
medium, common), 2- and 3-word ANDs, phrases, prefixes, a section filter, a
date range, sort by newest, the empty query (with filters and paging).

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
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import fts5  # noqa: E402
from bench.proctree import tree_cpu_s  # noqa: E402
from bench.server import Server  # noqa: E402
from search.engines.whoosh.analysis import STOP_WORDS, analyze, ranking_analyzer  # noqa: E402
from search.query import dates  # noqa: E402
from search.models import SearchRequest  # noqa: E402
from search.service import SearchService  # noqa: E402

#: Queries per class; 200 in all.
CLASSES: dict[str, int] = {
    "rare": 20, "medium": 25, "common": 20, "and2": 25, "and3": 15, "phrase": 20,
    "prefix": 15, "section": 15, "date": 15, "newest": 15, "empty": 15,
}
_WORD_RE = re.compile(r"[a-z]{4,}")
_RUN2_RE = re.compile(r"\b([A-Za-z]+) ([A-Za-z]+)\b")
_RUN3_RE = re.compile(r"\b([A-Za-z]+) ([A-Za-z]+) ([A-Za-z]+)\b")


@dataclass
class BenchQuery:
    cls: str
    q: str
    kind: str = "words"  # words | phrase | prefix | empty: the FTS5 query shape
    words: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1

    def request(self, **changes: Any) -> SearchRequest:
        base = dict(q=self.q, sections=list(self.sections), date_from=self.date_from,
                    date_to=self.date_to, sort=self.sort, page=self.page)
        base.update(changes)
        return SearchRequest(**base)  # type: ignore[arg-type]

    def url(self) -> str:
        pairs: list[tuple[str, str]] = [("q", self.q)]
        pairs += [("section", s) for s in self.sections]
        if self.date_from:
            pairs.append(("from", self.date_from))
        if self.date_to:
            pairs.append(("to", self.date_to))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return "/api/search?" + urlencode(pairs)

    def fts_match(self) -> str | None:
        return None if self.kind == "empty" else fts5.fts_query(self.kind, self.words)

    def day_range(self) -> tuple[int, int] | None:
        if not (self.date_from or self.date_to):
            return None
        lo = dates.bounds(self.date_from, None)
        hi = dates.bounds(None, self.date_to)
        return (lo.lo if lo else dates.FIRST_DAY, hi.hi if hi else dates.LAST_DAY)


# --- queries ---------------------------------------------------------------


def make_queries(service: SearchService, seed: int) -> list[BenchQuery]:
    """200 queries from the index's vocabulary and articles; deterministic for a seed
    and an index generation (candidates are sorted before sampling)."""
    rng = random.Random(seed)
    opened = service.engine.snapshot()  # the Whoosh engine's searcher and columns
    table = opened.table
    reader = opened.searcher.reader()
    n = reader.doc_count()
    ranking = ranking_analyzer()
    df: dict[str, int] = {}
    for text, info in reader.iter_field("body_phrase"):
        word = text.decode("utf-8") if isinstance(text, bytes) else text
        if _WORD_RE.fullmatch(word) and word not in STOP_WORDS:
            df[word] = info.doc_frequency()
    words = sorted(w for w in df if analyze(ranking, w))

    def band(lo: float, hi: float) -> list[str]:
        return [w for w in words if lo <= df[w] <= hi]

    rare, medium, common = band(2, 10), band(n / 1000, n / 100), band(n / 20, n)
    live_docs = [int(d) for d in table.live.nonzero()[0]]
    out: list[BenchQuery] = []
    out += [BenchQuery("rare", w, words=[w]) for w in rng.sample(rare, min(len(rare), CLASSES["rare"]))]
    out += [BenchQuery("medium", w, words=[w]) for w in rng.sample(medium, min(len(medium), CLASSES["medium"]))]
    out += [BenchQuery("common", w, words=[w])
            for w in rng.sample(common, min(CLASSES["common"], len(common)))]

    def body_of(docnum: int) -> str:
        return opened.searcher.stored_fields(docnum).get("body") or ""

    def from_docs(count: int, make: Callable[[str], BenchQuery | None]) -> list[BenchQuery]:
        found: list[BenchQuery] = []
        seen: set[str] = set()
        for _ in range(count * 50):  # bounded: most articles yield one
            if len(found) == count:
                break
            bq = make(body_of(rng.choice(live_docs)))
            if bq is not None and bq.q not in seen:
                seen.add(bq.q)
                found.append(bq)
        return found

    def and_query(k: int) -> Callable[[str], BenchQuery | None]:
        def make(body: str) -> BenchQuery | None:
            cands = sorted({w for w in _WORD_RE.findall(body.lower()) if df.get(w, 0) >= 20 and w in words})
            if len(cands) < k:
                return None
            chosen = rng.sample(cands, k)
            return BenchQuery(f"and{k}", " ".join(chosen), words=chosen)
        return make

    def phrase_query(body: str) -> BenchQuery | None:
        pattern = _RUN3_RE if rng.random() < 0.3 else _RUN2_RE
        runs = [m.groups() for m in pattern.finditer(body)]
        runs = [r for r in runs if any(w.lower() in df and len(w) >= 4 for w in r)]
        if not runs:
            return None
        run = [w.lower() for w in rng.choice(runs)]
        return BenchQuery("phrase", '"' + " ".join(run) + '"', kind="phrase", words=run)

    out += from_docs(CLASSES["and2"], and_query(2))
    out += from_docs(CLASSES["and3"], and_query(3))
    out += from_docs(CLASSES["phrase"], phrase_query)

    prefixes: list[BenchQuery] = []
    pool = medium + common
    for w in rng.sample(pool, min(len(pool), 200)):
        if len(prefixes) == CLASSES["prefix"]:
            break
        stem = w[: rng.choice((4, 5, 6))]
        expansions = sum(1 for _ in reader.expand_prefix("body_phrase", stem))
        if 2 <= expansions <= 300 and stem + "*" not in {p.q for p in prefixes}:
            prefixes.append(BenchQuery("prefix", stem + "*", kind="prefix", words=[stem]))
    out += prefixes

    live = table.live
    counts = [int((table.section[live] == i).sum()) for i in range(len(table.sections.values))]
    sections = [v for v, c in sorted(zip(table.sections.values, counts), key=lambda x: (-x[1], x[0])) if c][:8]
    months = sorted({int(m) for m in table.month[live] if m})

    def month_text(m: int) -> str:
        return f"{m // 100:04d}-{m % 100:02d}"

    def month_window() -> tuple[str, str]:
        i = rng.randrange(len(months))
        j = min(len(months) - 1, i + rng.randrange(3))
        return month_text(months[i]), month_text(months[j])

    filter_words = medium + common
    for _ in range(CLASSES["section"]):
        w = rng.choice(filter_words)
        out.append(BenchQuery("section", w, words=[w], sections=[rng.choice(sections)]))
    for _ in range(CLASSES["date"]):
        w = rng.choice(filter_words)
        lo, hi = month_window()
        out.append(BenchQuery("date", w, words=[w], date_from=lo, date_to=hi))
    for _ in range(CLASSES["newest"]):
        w = rng.choice(filter_words)
        out.append(BenchQuery("newest", w, words=[w], sort="newest"))

    empties = [BenchQuery("empty", "", kind="empty"),
               BenchQuery("empty", "", kind="empty", sort="oldest"),
               BenchQuery("empty", "", kind="empty", page=2)]
    for s in sections[:4]:
        empties.append(BenchQuery("empty", "", kind="empty", sections=[s]))
    for _ in range(CLASSES["empty"] - len(empties)):
        lo, hi = month_window()
        empties.append(BenchQuery("empty", "", kind="empty", date_from=lo, date_to=hi,
                                  sections=[rng.choice(sections)] if rng.random() < 0.3 else []))
    out += empties[: CLASSES["empty"]]
    return out


# --- statistics --------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
            "max": max(values) if values else float("nan"), "mean": statistics.fmean(values) if values else float("nan")}


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{platform.node()}: {os.cpu_count()} cores, load average {load}"


def versions() -> str:
    from importlib.metadata import version
    libs = ", ".join(f"{name} {version(name)}" for name in ("Whoosh", "numpy", "Flask", "gunicorn"))
    return f"Python {platform.python_version()}, {libs}, SQLite {sqlite3.sqlite_version}"


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


def run_library(index_dir: Path, queries: list[BenchQuery], rounds: int, fts: fts5.Fts5Search | None,
                seed: int, profile_to: Path | None) -> dict[str, Any]:
    """Cold round, then warm rounds; FTS5 timed right after ours, query by query."""
    ours: dict[str, list[list[float]]] = {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
    ours_cpu: dict[str, list[list[float]]] = {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
    theirs: dict[str, list[list[float]]] = {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
    theirs_cpu: dict[str, list[list[float]]] = {"cold": [[] for _ in queries], "warm": [[] for _ in queries]}
    totals: list[tuple[int, int | None]] = [(0, None)] * len(queries)
    rng = random.Random(seed + 1)
    service = fresh_service(index_dir)
    profiler = None
    try:
        for r in range(1 + rounds):
            phase = "cold" if r == 0 else "warm"
            order = list(range(len(queries)))
            if r:
                rng.shuffle(order)
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
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for path in ("/healthz", "/api/search?q=market", "/api/search?q=", "/api/search?q=zqxjkv"):
            server.get(conn, path)
        conn.close()
    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_http(server: Server, queries: list[BenchQuery], rounds: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    per_round: list[dict[str, Any]] = []
    errors = 0
    for _ in range(rounds):
        lat: list[float] = []
        cpu0, t0 = tree_cpu_s(server.proc.pid), time.perf_counter()
        for bq in queries:
            start = time.perf_counter()
            status, _ = server.get(conn, bq.url())
            lat.append((time.perf_counter() - start) * 1000)
            errors += status != 200
        elapsed = time.perf_counter() - t0
        cpu = tree_cpu_s(server.proc.pid) - cpu0
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
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
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
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                continue
            lat[k].append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors[k] += 1
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    cpu0, t0 = tree_cpu_s(server.proc.pid), time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = tree_cpu_s(server.proc.pid) - cpu0
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
    ap.add_argument("--profile", action="store_true",
                    help="pyinstrument over the first warm round, saved to bench/profiles/query-<label>")
    ap.add_argument("--label", default="run", help="names the saved profile and JSON results")
    args = ap.parse_args(argv)

    index_dir = args.index.resolve()
    print(f"query benchmark, {time.strftime('%Y-%m-%d %H:%M:%S')}")
    print(versions())
    print(f"start: {machine()}")
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
        db = fts_db_for(index_dir, generation)
        if not db.exists():
            print(f"building FTS5 database {db.relative_to(REPO)} from the index's stored fields ...", flush=True)
            took = fts5.build(db, fts5.articles_from_index(index_dir))
            print(f"  built in {took:.0f}s")
        fts = fts5.Fts5Search(db)
        fts_count = fts.con.execute("SELECT count(*) FROM meta").fetchone()[0]
        print(f"FTS5 database {db.relative_to(REPO)}: {fts_count:,} articles "
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
        print(f"\n== HTTP: newsarchive serve --workers 2, loopback ==")
        log = REPO / "var" / "bench" / f"serve-{args.label}.log"
        server = Server(index_dir, 2, log)
        try:
            t0 = time.perf_counter()
            server.wait_healthy()
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
    print(f"\nend: {machine()}")
    out = REPO / "var" / "bench" / f"query-{args.label}.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"results: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
