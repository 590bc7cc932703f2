"""Incremental indexing: scan files, parse what changed, commit once.

Parsing runs in a process pool (it is CPU-bound); the single Whoosh writer in
this process is fed the results as they arrive. Nothing is visible to readers
until the one commit at the end, and a rebuild becomes visible only when its
generation is published, so a crash at any point leaves the previous index.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import multiprocessing
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from search import store
from search.models import Article
from search.schema import SourceState, article_to_document, make_doc_id

from .extract import ExtractionError, extract_article
from .scan import FoundFile, merge_roots, normalize, under, walk

DEFAULT_MAX_BYTES = 10_000_000
#: Below this many files to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 32
#: Whoosh writer memory before it spills postings to temporary runs.
WRITER_LIMIT_MB = 256


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


@dataclass
class Failure:
    path: str
    reason: str


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    documents: int = 0
    generation: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Parsed:
    """What a worker sends back for one file."""

    path: str
    state: SourceState | None = None
    article: Article | None = None
    unchanged: bool = False
    error: str | None = None


def _read_page(path: str, max_bytes: int) -> tuple[bytes, bytes]:
    """(file bytes, page bytes): the page is gunzipped for .gz files, size-capped."""
    with open(path, "rb") as f:
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ExtractionError(f"file larger than the page size limit ({max_bytes:,} bytes)")
    if not path.lower().endswith(".gz"):
        return raw, raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            page = gz.read(max_bytes + 1)
    except (OSError, EOFError) as e:
        raise ExtractionError(f"not a readable gzip file: {e}") from None
    if len(page) > max_bytes:
        raise ExtractionError(
            f"page larger than the page size limit ({max_bytes:,} bytes) once decompressed"
        )
    return raw, page


def parse_file(task: tuple[FoundFile, str | None, int]) -> _Parsed:
    """Worker: hash a file and, if its content changed, extract its article."""
    found, known_hash, max_bytes = task
    try:
        raw, page = _read_page(found.path, max_bytes)
        digest = hashlib.sha1(raw).hexdigest()
        state = SourceState(digest, found.size, found.mtime_ns)
        if digest == known_hash:
            return _Parsed(found.path, state, unchanged=True)
        article = extract_article(page, found.path, max_bytes=max_bytes)
        article.id = make_doc_id(article.id)
        return _Parsed(found.path, state, article=article)
    except ExtractionError as e:
        return _Parsed(found.path, error=str(e))
    except OSError as e:
        return _Parsed(found.path, error=f"cannot read: {e.strerror or e}")
    except Exception as e:  # a parser bug on one page must not sink the run
        return _Parsed(found.path, error=f"unexpected {type(e).__name__}: {e}")


def _parse_all(
    tasks: list[tuple[FoundFile, str | None, int]], jobs: int
) -> Iterator[_Parsed]:
    if jobs <= 1 or len(tasks) < POOL_THRESHOLD:
        yield from map(parse_file, tasks)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        yield from pool.imap_unordered(parse_file, tasks, chunksize=16)


@dataclass
class _Known:
    doc_id: str
    state: SourceState


def _read_known(ix) -> dict[str, _Known]:
    """source path -> what the index holds for it, from one column."""
    known: dict[str, _Known] = {}
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            # A commit with no documents (every page failed, or all were
            # deleted) leaves no segment, and Whoosh's empty reader has no columns.
            return known
        column = reader.column_reader("file_state")
        for docnum in reader.all_doc_ids():
            source, doc_id, state = SourceState.decode(column[docnum])
            known[source] = _Known(doc_id, state)
    return known


class Indexer:
    def __init__(
        self,
        index_dir: Path,
        *,
        jobs: int | None = None,
        lock_timeout: float = 60.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.index_dir = index_dir
        self.jobs = jobs or os.cpu_count() or 1
        self.lock_timeout = lock_timeout
        self.max_bytes = max_bytes
        self.progress = progress

    def run(self, paths: Iterable[str | Path] | None = None, *, rebuild: bool = False) -> IndexReport:
        started = time.monotonic()
        given = [normalize(p) for p in paths or []]
        missing = [p for p in given if not os.path.exists(p)]
        if missing:
            raise UsageError(f"no such file or directory: {', '.join(missing)}")
        report = IndexReport()
        with store.writer_lock(self.index_dir, timeout=self.lock_timeout) as lock:
            if lock.stale_pid:
                report.warnings.append(
                    f"cleared the lock left by indexer pid {lock.stale_pid}, which is no longer running"
                )
            store.remove_stale_generations(self.index_dir)
            try:
                live = store.live_dir(self.index_dir)
            except store.IndexMissing:
                live = None
            recorded = store.read_sources(live) if live else []
            if not given and not recorded:
                raise UsageError("nothing to index: give files or directories (PATH)")
            roots = given or recorded
            absent = [r for r in roots if not os.path.exists(r)]
            for r in absent:
                report.warnings.append(f"indexed source {r} is gone; its articles are kept")
            roots = [r for r in roots if r not in absent]

            if rebuild or live is None:
                gen_dir = store.new_generation_dir(self.index_dir)
                ix = store.open_for_writing(gen_dir)
                known: dict[str, _Known] = {}
            else:
                gen_dir = live
                ix = store.open_for_writing(gen_dir)
                known = _read_known(ix)
            self._update(ix, roots, known, report)
            sources = roots if rebuild else merge_roots(recorded, roots)
            store.write_sources(gen_dir, sources)
            if gen_dir != live:
                store.publish(self.index_dir, gen_dir)
                store.remove_stale_generations(self.index_dir)
            report.documents = ix.doc_count()
            report.generation = store.current_generation(self.index_dir).label
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def _update(self, ix, roots: list[str], known: dict[str, _Known], report: IndexReport) -> None:
        found = list(walk(roots))
        present = {f.path for f in found}
        root_dirs = [r for r in roots if os.path.isdir(r)]
        gone = [
            src for src in known
            if src not in present and any(under(src, d) for d in root_dirs)
        ]
        tasks = []
        for f in found:
            k = known.get(f.path)
            if k and k.state.size == f.size and k.state.mtime_ns == f.mtime_ns:
                report.unchanged += 1
            else:
                tasks.append((f, k.state.content_hash if k else None, self.max_bytes))

        # An id (canonical URL) already used by another live file falls back
        # to this file's own path, so two pages never overwrite each other.
        owner = {k.doc_id: src for src, k in known.items() if src not in gone}
        writer = ix.writer(limitmb=WRITER_LIMIT_MB)
        try:
            for src in gone:
                writer.delete_by_term("source", src)
                report.removed += 1
            for done, parsed in enumerate(_parse_all(tasks, self.jobs), 1):
                if self.progress:
                    self.progress(done, len(tasks))
                self._apply(writer, parsed, known, owner, report)
            writer.commit()
        except BaseException:
            writer.cancel()  # a failed commit keeps Whoosh's lock until cancelled
            raise

    @staticmethod
    def _apply(writer, parsed: _Parsed, known: dict[str, _Known], owner: dict[str, str],
               report: IndexReport) -> None:
        if parsed.error is not None:
            report.failed += 1
            report.failures.append(Failure(parsed.path, parsed.error))
            return
        if parsed.unchanged:
            report.unchanged += 1
            return
        article = parsed.article
        assert article is not None and parsed.state is not None
        previous = known.get(parsed.path)
        if owner.get(article.id, parsed.path) != parsed.path:
            article.id = make_doc_id(parsed.path)
        owner[article.id] = parsed.path
        if previous:
            writer.delete_by_term("source", parsed.path)
            report.updated += 1
        else:
            report.added += 1
        writer.add_document(**article_to_document(article, parsed.state))
