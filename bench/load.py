"""Load benchmark: ``newsarchive serve --workers 2`` under searching clients while a reindex runs.

    python -m bench.load                      # sample_corpus/ + Reuters pages, 60 s, 16 connections
    python -m bench.load --seconds 20 --connections 8 --no-reuters

Builds an index in a temporary directory (from ``sample_corpus/`` and, when
../shared/data/reuters21578 is there, one copy of the Reuters pages made by
``bench.corpus``), starts the server on a free loopback port, then runs
``--connections`` keep-alive clients (threads + http.client, stdlib only)
for ``--seconds`` while the main thread runs ``index --rebuild`` followed by
incremental runs. Prints requests/s, p50/p90/p99/max latency, errors, and the
machine line (cores, CPU, load average before and after) and versions. Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import REPO, machine_line, percentile, versions_line
from bench.server import newsarchive_serve

QUERIES = ["council", "budget", "oil prices", "bank OR rates", "trade -japan", "\"interest rates\"",
           "export*", "harbour", "grain~1", "profit", "election", "stock market", ""]


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, **kwargs)


def build_corpus(work: Path, reuters: bool) -> Path:
    pages = work / "pages"
    sample = REPO / "sample_corpus"
    if sample.is_dir():
        shutil.copytree(sample, pages / "sample", ignore=shutil.ignore_patterns("*.json", "*.md"))
    if reuters and (REPO.parent / "shared" / "data" / "reuters21578").is_dir():
        subprocess.run([sys.executable, "-m", "bench.corpus", "--out", str(pages / "reuters"),
                        "--copies", "1"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    pages.mkdir(exist_ok=True)
    return pages


class Client(threading.Thread):
    def __init__(self, port: int, seed: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.rng, self.stop = port, random.Random(seed), stop
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            params = {"q": self.rng.choice(QUERIES), "page": str(self.rng.choice([1, 1, 1, 2, 3]))}
            path = "/api/search?" + urlencode(params)
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                if response.status != 200:
                    self.errors.append(f"{response.status} {path} {body[:200]!r}")
                else:
                    json.loads(body)
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.errors.append(f"{type(e).__name__}: {e} ({path})")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.latencies.append(time.perf_counter() - started)
        conn.close()


def reindex_loop(index_dir: Path, pages: Path, stop: threading.Event, log: list[str]) -> None:
    """index --rebuild, then incremental runs (touching a few pages each time) until stopped."""
    runs = 0
    while not stop.is_set():
        args = ["index", "--index", str(index_dir), "--json", "--jobs", "1"]
        if runs == 0:
            args.append("--rebuild")
        else:  # change some pages so incremental runs have work to do
            extra = pages / "bench-extra"
            extra.mkdir(exist_ok=True)
            (extra / f"extra-{runs}.html").write_text(
                f"<html><head><title>Extra story {runs}</title></head><body><article><h1>Extra story {runs}</h1>"
                f"<p>The council met again for the {runs}th time to discuss the harbour budget.</p>"
                "</article></body></html>", "utf-8")
        started = time.monotonic()
        proc = cli(*args, capture_output=True, text=True)
        took = time.monotonic() - started
        try:
            report = json.loads(proc.stdout)
            kind = "rebuild" if "--rebuild" in args else "incremental"
            log.append(f"{kind} run {runs}: exit {proc.returncode}, "
                       f"{report['documents']} docs, +{report['added']} ~{report['updated']} in {took:.1f}s")
        except ValueError:
            log.append(f"run {runs}: exit {proc.returncode}: {proc.stderr[-300:]}")
        runs += 1
        stop.wait(2.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-reuters", action="store_true", help="index sample_corpus/ only")
    parser.add_argument("--no-reindex", action="store_true", help="measure without a concurrent reindex")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsarchive-load-"))
    server = None
    try:
        pages = build_corpus(work, reuters=not args.no_reuters)
        index_dir = work / "index"
        started = time.monotonic()
        first = cli("index", str(pages), "--index", str(index_dir), "--json", capture_output=True, text=True)
        if first.returncode not in (0, 3):
            print(first.stderr, file=sys.stderr)
            return 2
        documents = json.loads(first.stdout)["documents"]
        print(f"indexed {documents} articles in {time.monotonic() - started:.1f}s")

        server = newsarchive_serve(index_dir, workers=args.workers)
        try:
            server.start()
        except RuntimeError as e:
            print(f"server did not start: {e}", file=sys.stderr)
            return 2

        stop = threading.Event()
        clients = [Client(server.port, i, stop) for i in range(args.connections)]
        reindex_log: list[str] = []
        reindexer = threading.Thread(target=reindex_loop, args=(index_dir, pages, stop, reindex_log), daemon=True)
        machine_before = machine_line()
        began = time.perf_counter()
        for c in clients:
            c.start()
        if not args.no_reindex:
            reindexer.start()
        time.sleep(args.seconds)
        stop.set()
        for c in clients:
            c.join(timeout=40)
        elapsed = time.perf_counter() - began
        if not args.no_reindex:
            reindexer.join(timeout=600)

        latencies = sorted(x for c in clients for x in c.latencies)
        errors = [e for c in clients for e in c.errors]
        ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
        print(f"command:     python -m bench.load --seconds {args.seconds:g} --connections {args.connections} "
              f"--workers {args.workers}{' --no-reuters' if args.no_reuters else ''}"
              f"{' --no-reindex' if args.no_reindex else ''}")
        print(f"corpus:      {documents} articles")
        print(f"duration:    {elapsed:.1f} s, {args.connections} connections, {args.workers} workers")
        print(f"requests:    {len(latencies)} ok, {len(errors)} errors")
        print(f"throughput:  {len(latencies) / elapsed:.1f} requests/s")
        print(f"latency:     p50 {ms(percentile(latencies, 50))}, p90 {ms(percentile(latencies, 90))}, "
              f"p99 {ms(percentile(latencies, 99))}, max {ms(latencies[-1] if latencies else float('nan'))}")
        for line in reindex_log:
            print(f"reindex:     {line}")
        print(f"machine:     before {machine_before}")
        print(f"             after  {machine_line()}")
        print(f"versions:    {versions_line('Whoosh', 'Flask', 'gunicorn')}")
        for e in errors[:10]:
            print(f"error:       {e}")
        return 1 if errors else 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
