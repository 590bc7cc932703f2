"""Parsing pages in worker processes.

Small runs parse in a process pool (it is CPU-bound) and send the articles
back to the indexing process, which writes them through its writer session.
Big runs (see ``pipeline.PARALLEL_WRITE_THRESHOLD``) give each worker one of
the session's part writers: the worker parses AND writes its share, and
sends back only each file's outcome and, at the end, its part's result.
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
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from search.engine import PartWriter
from search.ids import make_doc_id
from search.models import Article, SourceState

from .extract import ExtractionError, extract_article
from .scan import FoundFile

DEFAULT_MAX_BYTES = 10_000_000
#: Below this many files to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 32
#: Files per job handed to a writing worker: large enough to keep queue
#: traffic negligible, small enough to balance the load between workers on a
#: noisy machine and keep the progress bar moving.
WORKER_CHUNK = 64

#: (file, content hash the index holds for it or None, page size limit).
Task = tuple[FoundFile, "str | None", int]


@dataclass
class Parsed:
    """What a worker sends back for one file."""

    path: str
    state: SourceState | None = None
    article: Article | None = None
    unchanged: bool = False
    error: str | None = None
    #: Set by a writing worker that wrote the article itself (the article is
    #: then not sent back): its part writer's receipt.
    receipt: Any = None
    #: The page claimed a publication date that was not trusted (see
    #: ``Article.implausible_date``); kept here because a writing worker
    #: does not send the article back.
    implausible_date: bool = False


def read_page(path: str, max_bytes: int) -> tuple[bytes, bytes]:
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


def parse_file(task: Task) -> Parsed:
    """Hash a file and, if its content changed, extract its article."""
    found, known_hash, max_bytes = task
    try:
        raw, page = read_page(found.path, max_bytes)
        digest = hashlib.sha1(raw).hexdigest()
        state = SourceState(digest, found.size, found.mtime_ns)
        if digest == known_hash:
            return Parsed(found.path, state, unchanged=True)
        article = extract_article(page, found.path, max_bytes=max_bytes)
        article.id = make_doc_id(article.id)
        return Parsed(found.path, state, article=article, implausible_date=bool(article.implausible_date))
    except ExtractionError as e:
        return Parsed(found.path, error=str(e))
    except OSError as e:
        return Parsed(found.path, error=f"cannot read: {e.strerror or e}")
    except Exception as e:  # a parser bug on one page must not sink the run
        return Parsed(found.path, error=f"unexpected {type(e).__name__}: {e}")


def parse_all(tasks: list[Task], jobs: int) -> Iterator[Parsed]:
    """Every task's outcome; in a process pool when it pays."""
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


def _writing_worker(part: PartWriter, jobs: multiprocessing.Queue, results: multiprocessing.Queue,
                    parent: int) -> None:
    """Worker process: parse files AND write them through its part writer.

    Sends back, per job, the files' outcomes (without the articles), and at the
    end the part's result for the session's commit.
    """
    _die_with_parent(parent)
    try:
        while True:
            chunk = jobs.get()
            if chunk is None:
                break
            if os.getppid() != parent:
                os._exit(1)
            done = []
            for task in chunk:
                parsed = parse_file(task)
                if parsed.article is not None:
                    assert parsed.state is not None
                    parsed.receipt = part.add(parsed.article, parsed.state)
                    parsed.article = None
                done.append(parsed)
            results.put(("files", part.number, done))
        results.put(("part", part.number, part.finish()))
    except BaseException as e:  # reported to the parent, which cancels the run
        results.put(("error", part.number, f"{type(e).__name__}: {e}"))


def write_in_workers(parts: list[PartWriter], tasks: list[Task],
                     on_file: Callable[[Parsed], None], on_part: Callable[[Any], None]) -> None:
    """Have one forked worker per part parse and write ``tasks``; report each
    file's outcome and each finished part here, in this process."""
    ctx = multiprocessing.get_context("fork")
    jobs, results = ctx.Queue(), ctx.Queue()
    for i in range(0, len(tasks), WORKER_CHUNK):
        jobs.put(tasks[i:i + WORKER_CHUNK])
    for _ in parts:
        jobs.put(None)
    workers = [ctx.Process(target=_writing_worker, args=(part, jobs, results, os.getpid()), daemon=True)
               for part in parts]
    for w in workers:
        w.start()
    finished = 0
    try:
        while finished < len(workers):
            try:
                kind, number, payload = results.get(timeout=1.0)
            except queue.Empty:  # check that no worker died without a word
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                if dead:
                    raise RuntimeError(f"indexing worker died (exit status {dead[0].exitcode})") from None
                continue
            if kind == "error":
                raise RuntimeError(f"indexing worker failed: {payload}")
            if kind == "part":
                finished += 1
                on_part(payload)
                continue
            for parsed in payload:
                on_file(parsed)
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
            w.join()
