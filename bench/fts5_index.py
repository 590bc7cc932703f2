"""The indexing peer: the project's extractor in worker processes feeding SQLite FTS5.

    python -m bench.fts5_index PAGES DB [--jobs 2]

What a user without our engine would build on the same machine: every page
parsed by ``indexer.workers.parse_file`` (the same extraction as
``newsarchive index``) in a process pool, the articles loaded into an FTS5
database by ``bench.fts5.build`` as they arrive. ``bench/index.py --peer``
runs it measured beside the cold build, for the ratio of issue 15.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.fts5 import build
from indexer.scan import walk
from indexer.workers import DEFAULT_MAX_BYTES, parse_file


def _record(article) -> dict[str, Any]:
    date = article.date
    return {
        "id": article.id, "url": article.url, "title": article.title, "body": article.body,
        "date": date.date().isoformat() if date else None, "section": article.section,
        "authors": [a for a in article.authors if a],
        "day": date.year * 10_000 + date.month * 100 + date.day if date else 0,
        "published": int(date.timestamp()) if date else 0,
    }


def articles(pages: Path, jobs: int) -> Iterator[dict[str, Any]]:
    tasks = [(found, None, DEFAULT_MAX_BYTES) for found in walk([str(pages)])]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for parsed in pool.imap_unordered(parse_file, tasks, chunksize=16):
            if parsed.article is not None:
                yield _record(parsed.article)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("pages", type=Path)
    p.add_argument("db", type=Path)
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for record in articles(args.pages, args.jobs):
            count += 1
            yield record

    seconds = build(args.db, counted())
    print(f"{count} articles in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
