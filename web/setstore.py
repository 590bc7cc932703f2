"""Saved result sets in a small SQLite database, independent of the search engine.

A set records what was asked (the search's parameters), the order used, the
total, the index state it was taken from (generation and the time of its last
commit), when it was saved and the ordered ids of the whole result set: 16
bytes an article, in one blob, so a page of a million-article set is read
without loading the rest. The database lives in the web server's data
directory, never inside the index (which only the indexer writes); every
worker opens its own short-lived connections, and WAL mode lets them read
while one writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from search import is_url

DB_NAME = "sets.sqlite3"
#: Bytes per stored id (ids are up to 16 ASCII characters, padded with NULs).
ID_BYTES = 16
#: How long a writer waits for another before giving up (seconds).
BUSY_TIMEOUT = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sets (
    id TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    client TEXT NOT NULL,         -- a hash of the client's address, for the rate limit
    query TEXT NOT NULL,          -- JSON: the search parameters, as the API spells them
    sort TEXT NOT NULL,           -- the order used
    total INTEGER NOT NULL,
    generation TEXT NOT NULL,
    last_indexed TEXT,            -- ISO 8601: the commit of the index state it was taken from
    ids BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sets_by_client ON sets (client, created_ms);
"""


class DataDirError(ValueError):
    """A data directory the server must not use."""


class RateLimited(Exception):
    """The client saved as many sets as it may in the current window."""


def default_data_dir(target: str) -> Path:
    """Beside the index, never inside it: ``<index>-data`` (``var/data`` for a URL target)."""
    if is_url(target):
        return Path("var/data").resolve()
    index = Path(target).resolve()
    return index.parent / f"{index.name}-data"


def checked_data_dir(target: str, configured: str | os.PathLike[str] | None) -> Path:
    path = Path(configured).resolve() if configured else default_data_dir(target)
    if not is_url(target):
        index = Path(target).resolve()
        if path == index or index in path.parents:
            raise DataDirError(f"the data directory {path} is inside the index {index}, which only the "
                               "indexer may write: choose another (--data-dir or NEWSARCHIVE_DATA_DIR)")
    return path


@dataclass(frozen=True)
class SavedSet:
    id: str
    created_ms: int
    query: list[tuple[str, str]]  # (parameter, value) pairs
    sort: str
    total: int
    generation: str
    last_indexed: str | None


def client_key(address: str) -> str:
    """What the rate limit counts by: not the address itself."""
    return hashlib.sha256(address.encode("utf-8", "replace")).hexdigest()[:16]


class SetStore:
    def __init__(self, directory: Path):
        self.path = directory / DB_NAME

    @contextmanager
    def _connection(self, create: bool = False) -> Iterator[sqlite3.Connection]:
        if create:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        elif not self.path.exists():
            raise FileNotFoundError(self.path)
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)) as con:
            if create:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
            yield con

    def count_since(self, client: str, since_ms: int) -> int:
        try:
            with self._connection() as con:
                return con.execute("SELECT COUNT(*) FROM sets WHERE client = ? AND created_ms >= ?",
                                   (client, since_ms)).fetchone()[0]
        except FileNotFoundError:
            return 0  # nothing saved yet

    def create(self, *, client: str, created_ms: int, query: list[tuple[str, str]], sort: str,
               generation: str, last_indexed: str | None, ids: list[str],
               rate: tuple[int, int]) -> SavedSet:
        """Store a set; raises RateLimited when ``client`` saved ``rate[0]`` sets
        since ``rate[1]`` (counted in the same transaction as the insert, so
        workers saving at once cannot both slip under the limit)."""
        set_id = secrets.token_urlsafe(16)  # 128 random bits: not guessable
        blob = b"".join(i.encode("ascii").ljust(ID_BYTES, b"\0") for i in ids)
        with self._connection(create=True) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                recent = con.execute("SELECT COUNT(*) FROM sets WHERE client = ? AND created_ms >= ?",
                                     (client, rate[1])).fetchone()[0]
                if recent >= rate[0]:
                    raise RateLimited
                con.execute("INSERT INTO sets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (set_id, created_ms, client, json.dumps(query, ensure_ascii=False), sort,
                             len(ids), generation, last_indexed, blob))
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        return SavedSet(set_id, created_ms, query, sort, len(ids), generation, last_indexed)

    def get(self, set_id: str) -> SavedSet | None:
        try:
            with self._connection() as con:
                row = con.execute("SELECT id, created_ms, query, sort, total, generation, last_indexed "
                                  "FROM sets WHERE id = ?", (set_id,)).fetchone()
        except FileNotFoundError:
            return None
        if row is None:
            return None
        return SavedSet(row[0], row[1], [tuple(p) for p in json.loads(row[2])], row[3], row[4], row[5],
                        row[6])

    def ids(self, set_id: str, start: int = 0, stop: int | None = None) -> list[str]:
        """The ids at positions ``start:stop`` (0-based), read from the blob alone."""
        with self._connection() as con:
            rowid = con.execute("SELECT rowid, total FROM sets WHERE id = ?", (set_id,)).fetchone()
            if rowid is None:
                return []
            total = rowid[1]
            stop = total if stop is None else min(stop, total)
            if start >= stop:
                return []
            with con.blobopen("sets", "ids", rowid[0], readonly=True) as blob:
                blob.seek(start * ID_BYTES)
                data = blob.read((stop - start) * ID_BYTES)
        return [data[i:i + ID_BYTES].rstrip(b"\0").decode("ascii") for i in range(0, len(data), ID_BYTES)]
