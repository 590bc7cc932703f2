"""Export benchmark: does a gunicorn worker's memory grow with the rows it streams?

    python -m bench.export --index var/bench/index-108k            # 1k, 10k and 100k rows, CSV
    python -m bench.export --rows 1000 100000 --format ndjson

For each row count N a fresh ``newsarchive serve --workers 1`` is started on
a free loopback port and warmed (a search, and an export of the first 100
rows, so the tables and the export's code are loaded). Then one client
downloads ``/api/export`` of a real result set of at least N articles (all
articles published up to a day found by bisection, oldest first) and reads
it to the end. Printed per N: rows and bytes received, seconds, rows/s, and
the worker's resident memory from /proc: after warming, the peak during the
download (VmHWM, which also counts the index file pages Whoosh maps), and
the peak minus the warm level. Flat memory means the last column does not
grow with N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import REPO, machine_line, versions_line
from bench.proctree import descendants
from bench.server import Server, newsarchive_serve


def _get_json(server: Server, path: str) -> dict:
    with urllib.request.urlopen(server.url + path, timeout=600) as r:
        return json.load(r)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _worker(server: Server) -> int:
    """The one gunicorn worker: the descendant without descendants (below serve and the arbiter)."""
    assert server.process is not None
    leaves = [p for p in descendants(server.process.pid) if not descendants(p)]
    assert len(leaves) == 1, leaves
    return leaves[0]


def day_for(server: Server, rows: int) -> tuple[str, int]:
    """The first day D such that at least ``rows`` articles are published up to D, and their number."""
    lo, hi = dt.date(1900, 1, 1), dt.date.today()
    while lo < hi:
        mid = lo + (hi - lo) // 2
        total = _get_json(server, f"/api/search?per_page=1&to={mid.isoformat()}")["total"]
        if total >= rows:
            hi = mid
        else:
            lo = mid + dt.timedelta(days=1)
    return lo.isoformat(), _get_json(server, f"/api/search?per_page=1&to={lo.isoformat()}")["total"]


def download(server: Server, query: str) -> tuple[int, int, float]:
    """Rows (lines) and bytes of an export, and the seconds it took to read."""
    started = time.perf_counter()
    rows = size = 0
    with urllib.request.urlopen(f"{server.url}/api/export?{query}", timeout=3600) as r:
        while chunk := r.read(1 << 16):
            size += len(chunk)
            rows += chunk.count(b"\n")
    return rows, size, time.perf_counter() - started


def measure(index: Path, rows: int, fmt: str) -> dict:
    server = newsarchive_serve(index, workers=1)
    try:
        server.start()
        day, total = day_for(server, rows)
        query = urlencode({"to": day, "sort": "oldest", "format": fmt})
        _get_json(server, "/api/search?q=oil")
        download(server, urlencode({"to": day_for(server, 100)[0], "sort": "oldest", "format": fmt}))
        worker = _worker(server)
        warm_kb = _status_kb(worker, "VmRSS")
        got, size, seconds = download(server, query)
        peak_kb = _status_kb(worker, "VmHWM")
        anon_kb = _status_kb(worker, "RssAnon")
    finally:
        server.stop()
    header = 1 if fmt == "csv" else 0
    assert got - header == total, (got, total)
    return {"rows": total, "bytes": size, "seconds": round(seconds, 2), "rows_per_s": round(total / seconds),
            "warm_mb": round(warm_kb / 1024, 1), "peak_mb": round(peak_kb / 1024, 1),
            "growth_mb": round((peak_kb - warm_kb) / 1024, 1), "anon_after_mb": round(anon_kb / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=REPO / "var" / "bench" / "index-108k")
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--format", choices=["csv", "ndjson"], default="csv")
    args = ap.parse_args(argv)
    print(machine_line())
    print(versions_line("Whoosh", "Flask", "gunicorn"))
    print(f"index {args.index}, format {args.format}")
    print(f"{'rows':>8} {'MB sent':>8} {'s':>7} {'rows/s':>7} {'warm MB':>8} {'peak MB':>8} {'growth MB':>10}"
          f" {'anon MB':>8}")
    for n in args.rows:
        r = measure(args.index, n, args.format)
        print(f"{r['rows']:>8} {r['bytes'] / 1e6:>8.1f} {r['seconds']:>7.1f} {r['rows_per_s']:>7} "
              f"{r['warm_mb']:>8.1f} {r['peak_mb']:>8.1f} {r['growth_mb']:>10.1f} {r['anon_after_mb']:>8.1f}",
              flush=True)
    print(machine_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
