"""Tables of ``bench/scale.py`` runs, in Markdown for BENCHMARKS.md.

    .venv/bin/python -m bench.scale_report var/bench/scale-108k.json                 # one size
    .venv/bin/python -m bench.scale_report var/bench/scale-108k.json var/bench/scale-540k.json   # + growth

One size: indexing (pages/s, CPU, peak RSS, index size) for Whoosh, OpenSearch
and the FTS5 peer; per query class cold p95 and warm p50/p95 for the three;
HTTP at 1 and N clients; the pathological queries. Two sizes: issue 15's
growth table, per engine and class (warm p95 small -> big, growth, the big
run's FTS5 p95 and ours / FTS5, the big run's cold / warm p95), and HTTP and
indexing growth.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ENGINES = ("whoosh", "opensearch")
NAMES = {"whoosh": "Whoosh", "opensearch": "OpenSearch (1 node)", "fts5": "FTS5 peer"}


def _get(d: dict[str, Any], *keys: str) -> Any:
    """A nested value, None where a phase is missing (a run stopped midway)."""
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or not b else f"{a / b:.2f}"


def print_run(run: dict[str, Any]) -> None:
    engines = [e for e in (*ENGINES, "fts5") if e in run]
    end = run.get("load_end")
    print(f"\n{run['label']}: {run['pages_dir']}, heap {run['heap']}, load average at start "
          f"{_loads(run['load_start'])}, at end {_loads(end) if end else 'not reached (partial run)'}")
    print("| " + run["label"] + " | " + " | ".join(NAMES[e] for e in engines) + " |")
    print("|---" * (len(engines) + 1) + "|")
    rows = [("pages / articles", lambda e: _idx(run, e, "pages", 0) + " / " + _idx(run, e, "documents", 0)),
            ("indexing, pages/s end to end", lambda e: _idx(run, e, "pages_per_s")),
            ("CPU, s (tree + JVM)", lambda e: _idx(run, e, "cpu_s", 0) + " + " + _idx(run, e, "jvm_cpu_s", 0)),
            ("CPU, ms per page", lambda e: _idx(run, e, "cpu_ms_per_page")),
            ("peak RSS, MB (JVM included)", lambda e: _idx(run, e, "peak_rss_mb", 0)),
            ("index size, MB", lambda e: _idx(run, e, "index_mb", 0)),
            ("pages/s / FTS5 peer's", lambda e: _ratio(_get(run, e, "index", "pages_per_s"),
                                                       _get(run, "fts5", "index", "pages_per_s")))]
    for cls in _classes(run):
        rows.append((f"{cls}: warm p50 / p95 (cold p95), ms", lambda e, c=cls: (
            f"{_f(_get(run, e, 'queries', c, 'warm', 'p50'))} / {_f(_get(run, e, 'queries', c, 'warm', 'p95'))} "
            f"({_f(_get(run, e, 'queries', c, 'cold', 'p95'))})")))
    rows.append(("HTTP 1 client p50 / p95 / p99, ms", lambda e: _lat(_get(run, e, "http1", "latency"))))
    clients = next((_get(run, e, "throughput", "clients") for e in ENGINES if _get(run, e, "throughput")), 8)
    rows.append((f"HTTP {clients} clients: requests/s", lambda e: _f(_get(run, e, "throughput", "rps"))))
    rows.append((f"HTTP {clients} clients p50 / p95 / p99, ms", lambda e: _lat(_get(run, e, "throughput", "latency"))))
    rows.append(("HTTP errors (1 / N clients)", lambda e: f"{_get(run, e, 'http1', 'errors')} / "
                                                           f"{_get(run, e, 'throughput', 'errors')}"))
    for i, q in enumerate(_pathological(run)):
        rows.append((f"`{q}` (HTTP, 2 s budget)", lambda e, i=i: _patho(run, e, i)))
    for name, cell in rows:
        print(f"| {name} | " + " | ".join("" if e == "fts5" and name.startswith(("HTTP", "`")) else cell(e)
                                         for e in engines) + " |")


def _loads(loads: list[float]) -> str:
    return " / ".join(f"{x:.1f}" for x in loads)


def _idx(run: dict[str, Any], engine: str, key: str, digits: int = 1) -> str:
    return _f(_get(run, engine, "index", key), digits)


def _lat(lt: dict[str, float] | None) -> str:
    return "–" if lt is None else f"{lt['p50']:.1f} / {lt['p95']:.1f} / {lt['p99']:.1f}"


def _classes(run: dict[str, Any]) -> list[str]:
    return list(_get(run, "whoosh", "queries") or [])


def _pathological(run: dict[str, Any]) -> list[str]:
    return [row["q"] for row in _get(run, "whoosh", "pathological") or []]


def _patho(run: dict[str, Any], engine: str, i: int) -> str:
    rows = _get(run, engine, "pathological")
    if not rows:
        return "–"
    row = rows[i]
    if row["status"] == 200:
        return f"{row['took_ms']:.0f} ms ({row['total']:,} hits)"
    return f"{row['status']} {row['code']} after {row['client_ms']:.0f} ms"


def print_growth(small: dict[str, Any], big: dict[str, Any]) -> None:
    """Issue 15's table per engine: warm p95 small -> big, growth, FTS5 at big, ours / FTS5, cold / warm."""
    s, b = small["label"], big["label"]
    for engine in [e for e in ENGINES if e in big]:
        print(f"\n{NAMES[engine]}, {s} → {b}")
        print(f"| warm p95, ms | {s} | {b} | growth | {b} FTS5 | ours / FTS5 | {b} cold p95 | cold / warm |")
        print("|---|---|---|---|---|---|---|---|")
        for cls in _classes(big):
            w0 = _get(small, engine, "queries", cls, "warm", "p95")
            w1 = _get(big, engine, "queries", cls, "warm", "p95")
            f1 = _get(big, "fts5", "queries", cls, "warm", "p95")
            c1 = _get(big, engine, "queries", cls, "cold", "p95")
            print(f"| {cls} | {_f(w0)} | {_f(w1)} | {_ratio(w1, w0)}× | {_f(f1)} | {_ratio(w1, f1)} | "
                  f"{_f(c1)} | {_ratio(c1, w1)} |")
        t0, t1 = _get(small, engine, "throughput"), _get(big, engine, "throughput")
        if t0 and t1:
            print(f"HTTP {t1['clients']} clients: {t0['rps']:.1f} → {t1['rps']:.1f} requests/s "
                  f"({_ratio(t1['rps'], t0['rps'])}×), p99 {t0['latency']['p99']:.0f} → "
                  f"{t1['latency']['p99']:.0f} ms, errors {t0['errors']} → {t1['errors']}; 1 client p95 "
                  f"{_f(_get(small, engine, 'http1', 'latency', 'p95'))} → "
                  f"{_f(_get(big, engine, 'http1', 'latency', 'p95'))} ms")
        print(f"indexing: {_idx(small, engine, 'pages_per_s')} → {_idx(big, engine, 'pages_per_s')} pages/s; "
              f"/ FTS5 peer {_ratio(_get(small, engine, 'index', 'pages_per_s'), _get(small, 'fts5', 'index', 'pages_per_s'))}"
              f" → {_ratio(_get(big, engine, 'index', 'pages_per_s'), _get(big, 'fts5', 'index', 'pages_per_s'))}; "
              f"peak RSS {_idx(small, engine, 'peak_rss_mb', 0)} → {_idx(big, engine, 'peak_rss_mb', 0)} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", type=Path, nargs="+", help="results of bench.scale, smallest first")
    args = ap.parse_args(argv)
    runs = [json.loads(p.read_text()) for p in args.runs]
    for run in runs:
        print_run(run)
    for small, big in zip(runs, runs[1:]):
        print_growth(small, big)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
