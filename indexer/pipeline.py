"""Incremental indexing: scan files, parse what changed, commit once.

Small runs parse in a process pool (it is CPU-bound) and feed one writer in
this process; big runs (``PARALLEL_WRITE_THRESHOLD``) have worker processes
parse and write a segment each, published by that same writer's commit. Both
write through ``search.writing.FastSegmentWriter``. Nothing is visible to readers
until the one commit at the end, and a rebuild becomes visible only when its
generation is published, so a crash at any point leaves the previous index.
"""

from __future__ import annotations

import ctypes
import gzip
import hashlib
import io
import multiprocessing
import os
import queue
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from whoosh.codec.base import Segment
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from search import store
from search.models import Article
from search.schema import SourceState, article_to_document, make_doc_id
from search.writing import FastSegmentWriter

from .extract import ExtractionError, extract_article
from .scan import FoundFile, merge_roots, normalize, under, walk

DEFAULT_MAX_BYTES = 10_000_000
#: Below this many files to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 32
#: Posting-pool memory of this process's writer before it spills to runs.
WRITER_LIMIT_MB = 256
#: From this many files to parse, each worker process parses AND indexes its
#: share into its own segment: writing postings costs about twice the CPU of
#: extraction, so a single writer in this process caps a big build at one
#: core. Smaller runs keep one writer (one new segment per run, so
#: incremental runs do not pile up segments).
PARALLEL_WRITE_THRESHOLD = 2000
#: Posting memory of each segment-writing worker before it spills to runs
#: (sized so the whole process tree stays under ~1 GB with two workers).
WORKER_LIMIT_MB = 128
#: Files per job handed to a segment-writing worker: large enough to keep
#: queue traffic negligible, small enough to balance the load between workers
#: on a noisy machine and keep the progress bar moving.
WORKER_CHUNK = 64
#: Workers' (big) segments stay as separate files instead of one compound
#: file: reading a compound segment copies each sub-file it opens (stored
#: fields, term index) into memory, so merely opening a reader cost ~14 KB per
#: document (over 1 GB of RSS at 108k documents) on every incremental run, and
#: in every search process too. The single writer's segments (incremental
#: runs: small) keep Whoosh's default compound file.
WORKER_COMPOUND_SEGMENTS = False


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
    implausible_dates: int = 0  # pages whose claimed date was not trusted (indexed undated or dated otherwise)
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
    #: Set by a segment-writing worker that indexed the article itself (the
    #: article is then not sent back): the id it used and its segment docnum.
    doc_id: str | None = None
    docnum: int = -1
    implausible_date: bool = False


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
        return _Parsed(found.path, state, article=article, implausible_date=bool(article.implausible_date))
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


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the indexer dies (even by kill -9).

    A worker outliving its parent would keep parsing a whole shard and hold
    the inherited writer-lock descriptor, blocking the next run.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the getppid checks below still end an orphan soon
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _segment_worker(ix: FileIndex, owner: dict[str, str], jobs: multiprocessing.Queue,
                    results: multiprocessing.Queue, number: int, parent: int) -> None:
    """Worker process: parse files AND index them into this worker's own segment.

    Sends back, per job, the files' outcomes (without the articles), and at the
    end the finished, uncommitted segment for the parent's single commit.
    """
    _die_with_parent(parent)
    try:
        # _lk=False: the parent's writer holds Whoosh's lock for all of us.
        writer = FastSegmentWriter(ix, _lk=False, limitmb=WORKER_LIMIT_MB,
                                   compound=WORKER_COMPOUND_SEGMENTS)
        # Ids claimed in the index plus by this worker; the parent resolves
        # clashes between workers afterwards.
        claimed = dict(owner)
        while True:
            chunk = jobs.get()
            if chunk is None:
                break
            if os.getppid() != parent:
                os._exit(1)
            done = []
            for task in chunk:
                parsed = parse_file(task)
                article = parsed.article
                if article is not None:
                    assert parsed.state is not None
                    if claimed.get(article.id, parsed.path) != parsed.path:
                        article.id = make_doc_id(parsed.path)
                    claimed[article.id] = parsed.path
                    parsed.doc_id, parsed.docnum = article.id, writer.docnum
                    writer.add_document(**article_to_document(article, parsed.state))
                    parsed.article = None
                done.append(parsed)
            results.put(("files", number, done))
        if writer._added:
            segment = writer._finalize_segment()
        else:
            writer._close_segment()
            segment = None
        results.put(("segment", number, segment))
    except BaseException as e:  # reported to the parent, which cancels the run
        results.put(("error", number, f"{type(e).__name__}: {e}"))


class _CombiningWriter(FastSegmentWriter):
    """The run's one writer, whose commit also publishes the workers' segments.

    Whoosh's own ``commit`` (lock, merge policy, table of contents written and
    renamed last, old files cleaned) does the work, so the run stays one
    atomic commit whether or not workers wrote segments.
    """

    #: Finished, uncommitted segments written by worker processes.
    extra_segments: tuple = ()

    def _merge_segments(self, mergetype, optimize, merge):
        return super()._merge_segments(mergetype, optimize, merge) + list(self.extra_segments)


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
        writer = _CombiningWriter(ix, limitmb=WRITER_LIMIT_MB)
        try:
            # One searcher for every deletion: Whoosh otherwise opens a new
            # reader over all segments for each delete_by_term call.
            with writer.searcher() as searcher:
                for src in gone:
                    writer.delete_by_term("source", src, searcher=searcher)
                    report.removed += 1
                if self.jobs > 1 and len(tasks) >= PARALLEL_WRITE_THRESHOLD:
                    self._index_in_workers(ix, writer, searcher, tasks, known, owner, report)
                else:
                    for done, parsed in enumerate(_parse_all(tasks, self.jobs), 1):
                        if self.progress:
                            self.progress(done, len(tasks))
                        self._apply(writer, searcher, parsed, known, owner, report)
            writer.commit()
        except BaseException:
            writer.cancel()  # a failed commit keeps Whoosh's lock until cancelled
            raise

    def _index_in_workers(self, ix: FileIndex, writer: _CombiningWriter, searcher: Searcher,
                          tasks: list[tuple[FoundFile, str | None, int]], known: dict[str, _Known],
                          owner: dict[str, str], report: IndexReport) -> None:
        """Big runs: ``jobs`` processes each parse and index into their own segment."""
        ctx = multiprocessing.get_context("fork")
        jobs, results = ctx.Queue(), ctx.Queue()
        for i in range(0, len(tasks), WORKER_CHUNK):
            jobs.put(tasks[i:i + WORKER_CHUNK])
        for _ in range(self.jobs):
            jobs.put(None)
        workers = [
            ctx.Process(target=_segment_worker, args=(ix, owner, jobs, results, n, os.getpid()),
                        daemon=True)
            for n in range(self.jobs)
        ]
        for w in workers:
            w.start()
        segments: dict[int, Segment | None] = {}
        clashes: list[tuple[int, int, str]] = []  # (worker, docnum, path)
        claimed = dict(owner)
        done = 0
        try:
            while len(segments) < len(workers):
                try:
                    kind, number, payload = results.get(timeout=1.0)
                except queue.Empty:  # check that no worker died without a word
                    dead = [w for w in workers if w.exitcode not in (None, 0)]
                    if dead:
                        raise RuntimeError(
                            f"indexing worker died (exit status {dead[0].exitcode})") from None
                    continue
                if kind == "error":
                    raise RuntimeError(f"indexing worker failed: {payload}")
                if kind == "segment":
                    segments[number] = payload
                    continue
                for parsed in payload:
                    done += 1
                    if self.progress:
                        self.progress(done, len(tasks))
                    if parsed.doc_id is not None:
                        if claimed.get(parsed.doc_id, parsed.path) != parsed.path:
                            # Another worker's file took this id first.
                            clashes.append((number, parsed.docnum, parsed.path))
                            continue
                        claimed[parsed.doc_id] = parsed.path
                    self._count(writer, searcher, parsed, known, report)
        finally:
            for w in workers:
                if w.is_alive():
                    w.terminate()
                w.join()
        for number, docnum, path in clashes:
            # Rare: drop the worker's copy and index the page again here
            # under its path's id, as the single-writer path would have.
            segments[number].delete_document(docnum)
            task = next(t for t in tasks if t[0].path == path)
            parsed = parse_file(task)
            if parsed.article is not None:
                parsed.article.id = make_doc_id(path)
            self._apply(writer, searcher, parsed, known, claimed, report)
        writer.extra_segments = tuple(seg for seg in segments.values() if seg is not None)

    @staticmethod
    def _count(writer, searcher, parsed: _Parsed, known: dict[str, _Known],
               report: IndexReport) -> bool:
        """Book one outcome and delete the file's previous version; False if nothing to add."""
        if parsed.error is not None:
            report.failed += 1
            report.failures.append(Failure(parsed.path, parsed.error))
            return False
        if parsed.unchanged:
            report.unchanged += 1
            return False
        report.implausible_dates += parsed.implausible_date
        if parsed.path in known:
            writer.delete_by_term("source", parsed.path, searcher=searcher)
            report.updated += 1
        else:
            report.added += 1
        return True

    @classmethod
    def _apply(cls, writer, searcher, parsed: _Parsed, known: dict[str, _Known],
               owner: dict[str, str], report: IndexReport) -> None:
        if not cls._count(writer, searcher, parsed, known, report):
            return
        article = parsed.article
        assert article is not None and parsed.state is not None
        if owner.get(article.id, parsed.path) != parsed.path:
            article.id = make_doc_id(parsed.path)
        owner[article.id] = parsed.path
        writer.add_document(**article_to_document(article, parsed.state))
