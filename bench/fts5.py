"""The embedded baseline: the same articles and the same requests on SQLite FTS5.

A user who does not pick Whoosh would most likely pick Python's own
``sqlite3`` with an FTS5 table. This module loads the articles of one of our
index generations into such a database (``porter unicode61`` tokenizer) and
answers a :class:`search.models.SearchRequest` with the work our product does:
total, top 10 by ``bm25()`` (or by date), ``snippet()``/``highlight()``, and
section / author / year / month counts with ``GROUP BY`` over the match set.
It has no spelling suggestion (FTS5 has none built in): that part of our
response has no counterpart here.

Used by ``bench/query.py``; the database is cached under ``var/bench/`` per
index generation, since loading 100k articles takes a minute.

The indexing peer of ``bench/scale.py``: the project's own extractor in worker
processes feeding such a database straight from the pages (no index of ours
in between), so our indexing speed has a same-run yardstick::

    python -m bench.fts5 PAGES DB [--jobs 2]     # prints {"pages": ..., "documents": ...}
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from bench.harness import NO_FILE
from search.models import Article, SearchRequest
from search.stamps import Stamp

#: Same weights as our ranking: title counts 1.2, body 1.0 (search.ranking).
BM25 = "bm25(fts, 1.2, 1.0)"
#: Roughly our SNIPPET_CHARS (160) in tokens.
SNIPPET_TOKENS = 24


def build(db_path: Path, articles: Iterator[dict[str, Any]]) -> float:
    """Create the database from article records; returns the seconds it took."""
    started = time.perf_counter()
    tmp = db_path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    con.executescript("""
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'porter unicode61');
        CREATE TABLE meta (rowid INTEGER PRIMARY KEY, id TEXT, url TEXT, date TEXT,
                           section TEXT, author TEXT, day INTEGER, published INTEGER);
        CREATE TABLE authors (rowid INTEGER, author TEXT);
    """)
    batch_fts, batch_meta, batch_auth = [], [], []

    def flush() -> None:
        con.executemany("INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", batch_fts)
        con.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch_meta)
        con.executemany("INSERT INTO authors VALUES (?, ?)", batch_auth)
        batch_fts.clear(), batch_meta.clear(), batch_auth.clear()

    for rowid, a in enumerate(articles, 1):
        batch_fts.append((rowid, a["title"], a["body"]))
        # NULL day sorts undated articles last in both directions below.
        batch_meta.append((rowid, a["id"], a["url"], a["date"], a["section"] or None,
                           ", ".join(a["authors"]) or None, a["day"] or None,
                           a["published"] if a["day"] else None))
        batch_auth.extend((rowid, name) for name in a["authors"])
        if len(batch_fts) >= 2_000:
            flush()
    flush()
    con.executescript("""
        CREATE INDEX meta_section ON meta (section);
        CREATE INDEX meta_day ON meta (day);
        CREATE INDEX meta_published ON meta (published);
        CREATE INDEX authors_rowid ON authors (rowid);
        INSERT INTO fts (fts) VALUES ('optimize');
        ANALYZE;
    """)
    con.commit()
    con.close()
    tmp.rename(db_path)
    return time.perf_counter() - started


def fts_query(kind: str, words: list[str]) -> str:
    """FTS5 query syntax for one of the bench's query shapes (words quoted, so
    nothing a word contains is read as an operator)."""
    if kind == "phrase":
        return '"' + " ".join(words) + '"'
    if kind == "prefix":
        return f'"{words[0]}"*'
    return " ".join(f'"{w}"' for w in words)


@dataclass
class Answer:
    total: int
    hits: list[tuple]
    facets: dict[str, list[tuple]]


class Fts5Search:
    def __init__(self, db_path: Path):
        # check_same_thread: the bench uses one thread; read-only by URI.
        self.con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        self.con.execute("PRAGMA cache_size = -200000")  # 200 MB page cache, like a warm server

    def close(self) -> None:
        self.con.close()

    def search(self, req: SearchRequest, match: str | None, day_range: tuple[int, int] | None) -> Answer:
        """Total, one page of hits with snippets, and the four facets."""
        con = self.con
        where, args = [], []
        if day_range:
            where.append("meta.day BETWEEN ? AND ?")
            args += list(day_range)
        # Section counts leave out the section selection, as ours do.
        where_sec = list(where)
        args_sec = list(args)
        if req.sections:
            where.append(f"meta.section IN ({','.join('?' * len(req.sections))})")
            args += req.sections
        offset = (req.page - 1) * req.per_page
        if match is not None:
            base = "FROM fts JOIN meta ON meta.rowid = fts.rowid WHERE fts MATCH ?"
            m_args = [match]
        else:
            base = "FROM meta WHERE 1"
            m_args = []
        cond = "".join(f" AND {w}" for w in where)
        cond_sec = "".join(f" AND {w}" for w in where_sec)
        if match is not None and req.sort == "relevance":
            order = BM25
        elif req.sort == "oldest":
            order = "meta.day IS NULL, meta.published, meta.rowid"
        else:
            order = "meta.day IS NULL, meta.published DESC, meta.rowid"
        if match is not None:
            cols = (f"meta.id, highlight(fts, 0, '<mark>', '</mark>'), meta.date, meta.section, "
                    f"meta.author, {BM25}, snippet(fts, 1, '<mark>', '</mark>', ' … ', {SNIPPET_TOKENS})")
            page_sql = f"SELECT {cols} {base}{cond} ORDER BY {order} LIMIT ? OFFSET ?"
            hits = con.execute(page_sql, m_args + args + [req.per_page, offset]).fetchall()
        else:
            ids = con.execute(f"SELECT meta.rowid {base}{cond} ORDER BY {order} LIMIT ? OFFSET ?",
                              args + [req.per_page, offset]).fetchall()
            hits = [con.execute("SELECT f.title, substr(f.body, 1, 160), m.id, m.date, m.section, m.author "
                                "FROM fts f JOIN meta m ON m.rowid = f.rowid WHERE f.rowid = ?",
                                (r[0],)).fetchone() for r in ids]
        # Every count from one statement, the match set materialised once.
        sec_filter = (f" AND meta.section IN ({','.join('?' * len(req.sections))})"
                      if req.sections else "")
        facet_sql = f"""
            WITH m AS MATERIALIZED (SELECT meta.rowid AS r, meta.section AS s, meta.day AS d
                                    {base}{cond_sec})
            SELECT 'total', NULL, count(*) FROM m
                WHERE 1 {sec_filter.replace('meta.section', 's')}
            UNION ALL SELECT 'section', s, count(*) FROM m GROUP BY s
            UNION ALL SELECT 'author', a.author, count(*) FROM m JOIN authors a ON a.rowid = m.r
                WHERE 1 {sec_filter.replace('meta.section', 'm.s')} GROUP BY a.author
            UNION ALL SELECT 'year', d / 10000, count(*) FROM m
                WHERE 1 {sec_filter.replace('meta.section', 's')} GROUP BY d / 10000
            UNION ALL SELECT 'month', d / 100, count(*) FROM m
                WHERE 1 {sec_filter.replace('meta.section', 's')} GROUP BY d / 100
        """
        sec_args = list(req.sections)
        rows = con.execute(facet_sql, m_args + args_sec + sec_args + sec_args + sec_args + sec_args).fetchall()
        facets: dict[str, list[tuple]] = {"section": [], "author": [], "year": [], "month": []}
        total = 0
        for kind, value, count in rows:
            if kind == "total":
                total = count
            else:
                facets[kind].append((value, count))
        return Answer(total, hits, facets)


def articles_from_index(index_dir: Path) -> Iterator[dict[str, Any]]:
    """The live articles of the index's current generation, from its stored
    fields and per-generation columns (the same articles our search sees)."""
    from search.service import SearchService

    service = SearchService(index_dir)
    try:
        opened = service.engine.snapshot()  # the Whoosh engine's searcher and columns
        table = opened.table
        reader = opened.searcher.reader()
        authors_of: dict[int, list[str]] = {}
        for d, o in zip(table.author_doc.tolist(), table.author_ord.tolist()):
            authors_of.setdefault(d, []).append(table.authors.values[o])
        for docnum, stored in reader.iter_docs():
            if not table.live[docnum]:
                continue
            sec = int(table.section[docnum])
            yield {
                "id": stored["id"], "url": stored.get("url"), "title": stored.get("title") or "",
                "body": stored.get("body") or "", "date": stored.get("date"),
                "section": table.sections.values[sec] if sec >= 0 else None,
                "authors": authors_of.get(docnum, []), "day": int(table.day[docnum]),
                "published": int(table.published[docnum]),
            }
    finally:
        service.close()


def article_record(article: Article) -> dict[str, Any]:
    """An extracted article as :func:`build` takes it (day and published as the Whoosh engine stores them)."""
    from search.engines.whoosh.schema import article_to_document

    doc = article_to_document(article, NO_FILE, Stamp(0, 0, ""))
    return {"id": article.id, "url": article.url, "title": article.title, "body": article.body,
            "date": doc["date"], "section": article.section, "authors": [a for a in article.authors if a],
            "day": doc["day"], "published": doc["published"]}


def articles_from_pages(pages: Path, jobs: int, failures: list[str]) -> Iterator[dict[str, Any]]:
    """The articles of the page files under ``pages``, extracted in ``jobs`` processes
    by the indexer's own parser; a page that fails is listed in ``failures``."""
    from indexer.scan import walk
    from indexer.workers import DEFAULT_MAX_BYTES, parse_all

    tasks = [(found, None, DEFAULT_MAX_BYTES) for found in walk([str(pages)]) if found.unusable is None]
    for parsed in parse_all(tasks, jobs):
        if parsed.article is not None:
            yield article_record(parsed.article)
        else:
            failures.append(parsed.path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Index page files into an FTS5 database (the indexing peer).")
    ap.add_argument("pages", type=Path)
    ap.add_argument("db", type=Path)
    ap.add_argument("--jobs", type=int, default=2, help="extractor processes (default 2)")
    args = ap.parse_args(argv)
    failures: list[str] = []
    took = build(args.db, articles_from_pages(args.pages, args.jobs, failures))
    documents = sqlite3.connect(args.db).execute("SELECT count(*) FROM meta").fetchone()[0]
    print(json.dumps({"pages": documents + len(failures), "documents": documents, "failed": len(failures),
                      "seconds": took}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
