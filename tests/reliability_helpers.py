"""Shared pieces for the reliability tests: generated corpora, CLI runs, a live server.

Kept separate from ``web_fixtures`` (owned by the web tests) so these tests
exercise the public entry points exactly as an operator would: the
``newsarchive`` command (``python -m cli``) in real subprocesses.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.server import Server, newsarchive_serve
from search import SearchRequest, SearchService
from tests.conftest import REPO

SECTIONS = ["Politics", "Sport", "Culture", "Business", "Science"]

WORDS = (
    "council harbour budget election bridge festival market river railway school "
    "hospital theatre museum stadium court treaty port factory orchard vineyard "
    "minister mayor striker novelist banker chemist farmer teacher pilot sailor"
).split()

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title} | Reliability Gazette</title>
<link rel="canonical" href="https://gazette.example/{slug}">
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}",
"datePublished": "{date}T09:30:00+01:00", "articleSection": "{section}",
"author": {{"@type": "Person", "name": "{author}"}}}}</script></head>
<body><nav><a href="/">Home</a> <a href="/politics">Politics</a></nav>
<article><h1>{title}</h1>{paragraphs}</article>
<footer>Copyright Reliability Gazette</footer></body></html>"""


def page_html(n: int, *, marker: str = "", rng: random.Random | None = None) -> str:
    """One valid article page, distinct per ``n``; ``marker`` is a word unique to it."""
    rng = rng or random.Random(n)
    section = SECTIONS[n % len(SECTIONS)]
    words = [rng.choice(WORDS) for _ in range(60)]
    paragraphs = "".join(
        f"<p>Story {n} {marker} relgazette reports that the {' '.join(words[i:i + 15])} met again today.</p>"
        for i in range(0, 60, 15)
    )
    return PAGE.format(
        title=f"Story {n} about the {words[0]} {marker}".strip(),
        slug=f"story-{n}-{marker or 'x'}",
        date=f"{2015 + n % 10}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        section=section,
        author=f"Reporter {n % 7}",
        paragraphs=paragraphs,
    )


def write_pages(root: Path, numbers: range | list[int], *, marker: str = "") -> list[Path]:
    """Write article pages ``story-<n>.html`` spread over a few subdirectories."""
    paths = []
    for n in numbers:
        path = root / f"d{n % 4}" / f"story-{n:05d}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page_html(n, marker=marker), encoding="utf-8")
        paths.append(path)
    return paths


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def run_cli(*args: str, codes: tuple[int, ...] = (0,), timeout: float = 180) -> subprocess.CompletedProcess:
    proc = subprocess.run(cli_command(*args), cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode in codes, (args, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def index_json(*args: str, codes: tuple[int, ...] = (0,)) -> dict:
    """Run ``newsarchive index ... --json`` and return its report."""
    proc = run_cli("index", *args, "--json", codes=codes)
    return json.loads(proc.stdout)


def search_count(index_dir: Path, word: str) -> int:
    """Articles whose body holds ``word`` (analysed as the body field is), on the committed index."""
    service = SearchService(index_dir)
    try:
        return service.search(SearchRequest(q=f"body:{word}", per_page=1)).total
    finally:
        service.close()


def snapshot(index_dir: Path) -> dict[str, tuple[int, str]]:
    """Every file and directory under the index with its size and content hash."""
    found = {}
    for path in sorted(index_dir.rglob("*")):
        rel = str(path.relative_to(index_dir))
        if path.is_symlink():
            found[rel] = (0, os.readlink(path))
        elif path.is_dir():
            found[rel] = (-1, "dir")
        else:
            found[rel] = (path.stat().st_size, hashlib.sha1(path.read_bytes()).hexdigest())
    return found


def pids_with_open_file(path: Path) -> list[int]:
    """Processes that hold ``path`` open (from /proc, so without lsof)."""
    target = os.path.realpath(path)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{entry}/fd"):
                try:
                    if os.readlink(f"/proc/{entry}/fd/{fd}") == target:
                        found.append(int(entry))
                        break
                except OSError:
                    continue
        except OSError:
            continue
    return found


# --- a live server ------------------------------------------------------------


@contextmanager
def serving(index_dir: Path, log_path: Path, workers: int = 2) -> Iterator[Server]:
    """``newsarchive serve`` as an operator runs it, stopped on leaving, also when it never became ready."""
    server = newsarchive_serve(index_dir, log_path, workers)
    try:
        yield server.start()
    finally:
        server.stop()


class Ticker(threading.Thread):
    """Runs ``step`` repeatedly until stopped (bounded by ``max_seconds``), keeping failures."""

    def __init__(self, step, max_seconds: float = 120.0):
        super().__init__(daemon=True)
        self.step = step
        self.max_seconds = max_seconds
        self.stop_event = threading.Event()
        self.errors: list[str] = []
        self.count = 0

    def run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            try:
                self.step()
            except Exception as e:  # noqa: BLE001 - collected and asserted on by the test
                self.errors.append(f"{type(e).__name__}: {e}")
            self.count += 1

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=30)
