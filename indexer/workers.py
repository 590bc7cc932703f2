"""Parsing pages in worker processes.

Small runs parse in a process pool (it is CPU-bound) and send the articles
back to the indexing process, which writes them through its writer session.
Big runs (see ``pipeline.PARALLEL_WRITE_THRESHOLD``) give each worker one of
the session's part writers: the worker parses AND writes its share, and
sends back only each file's outcome and, at the end, its part's result.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import gzip
import hashlib
import io
import multiprocessing
import os
import pickle
import signal
import stat
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from collections.abc import Sequence
from typing import Any, Callable, Iterator, overload

from search.engine import PartWriter
from search.ids import make_doc_id
from search.models import Article, SourceState

from .extract import ExtractionError, extract_article
from .scan import FoundFile, FoundFiles, unusable_reason, unusable_token

DEFAULT_MAX_BYTES = 10_000_000
#: Below this many files to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 32
#: Files per job handed to a writing worker: large enough to keep queue
#: traffic negligible, small enough to balance the load between workers on a
#: noisy machine and keep the progress bar moving.
WORKER_CHUNK = 64

#: (file, content hash the index holds for it or None, page size limit).
Task = tuple[FoundFile, "str | None", int]


class Tasks(Sequence[Task]):
    """A run's tasks, made from its files when read (a job at a time), not held."""

    def __init__(self, files: FoundFiles, known_hash: Callable[[str], "str | None"], max_bytes: int):
        self._files = files
        self._known_hash = known_hash
        self._max_bytes = max_bytes

    def drop(self) -> None:
        """Free the files' list in this process (a forked writing worker gets
        its jobs through its pipe; the copy it inherited would count again in
        its resident memory)."""
        self._files.clear()

    def _task(self, found: FoundFile) -> Task:
        return found, self._known_hash(found.path), self._max_bytes

    def __len__(self) -> int:
        return len(self._files)

    @overload
    def __getitem__(self, i: int) -> Task: ...
    @overload
    def __getitem__(self, i: slice) -> list[Task]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._task(f) for f in self._files[i]]
        return self._task(self._files[i])


@dataclass
class Parsed:
    """What a worker sends back for one file."""

    path: str
    #: What was read; for a failure, ``state.content_hash`` is what it is
    #: remembered by (a token when the file could not be read).
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


def _read_file(path: str, max_bytes: int) -> bytes | None:
    """The file's bytes, or None when there are more than ``max_bytes`` (not read further).

    Opened without blocking and checked to be a regular file: a named pipe
    that took a page's place since the scan would otherwise block the run.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Unusable(unusable_reason(mode))
        raw = f.read(max_bytes + 1)
    return raw if len(raw) <= max_bytes else None


class Unusable(Exception):
    """The name is not a regular file (see ``scan.unusable_reason``)."""


class TooLarge(ExtractionError):
    """Past the page size limit: a failure that depends on the limit too."""


def read_page(raw: bytes | None, path: str, max_bytes: int) -> bytes:
    """The page in a file's bytes (None: too many): gunzipped for .gz files, size-capped."""
    if raw is None:
        raise TooLarge(f"file larger than the page size limit ({max_bytes:,} bytes)")
    if not path.lower().endswith(".gz"):
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            page = gz.read(max_bytes + 1)
    except (OSError, EOFError) as e:
        raise ExtractionError(f"not a readable gzip file: {e}") from None
    if len(page) > max_bytes:
        raise TooLarge(f"page larger than the page size limit ({max_bytes:,} bytes) once decompressed")
    return page


def parse_file(task: Task) -> Parsed:
    """Hash a file and, if its content changed, extract its article (its story
    and signature are the indexing process's to add: ``Stories.assign_body``).

    A file that cannot be read or parsed comes back with ``error`` and, in
    ``state.content_hash``, what its failure is remembered by: the SHA-1 of
    its bytes; with the limit, for a page too large (a new limit tries it
    again); a token when it could not be read at all.
    """
    found, known_hash, max_bytes = task
    try:
        raw = _read_file(found.path, max_bytes)
    except Unusable as e:
        return _unread(found.path, unusable_token(str(e)), f"skipped: {e}", known_hash)
    except OSError as e:
        token = f"unreadable:{errno.errorcode.get(e.errno or 0, e.errno)}"
        return _unread(found.path, token, f"cannot read: {e.strerror or e}", known_hash)
    digest = hashlib.sha1(raw).hexdigest() if raw is not None else f"unread:larger-than:{max_bytes}"
    too_large = f"{digest}:larger-than:{max_bytes}" if raw is not None else digest
    state = SourceState(digest, found.size, found.mtime_ns)
    if known_hash in (digest, too_large):
        return Parsed(found.path, state, unchanged=True)
    try:
        article = extract_article(read_page(raw, found.path, max_bytes), found.path, max_bytes=max_bytes)
        article.id = make_doc_id(article.id)
        return Parsed(found.path, state, article=article, implausible_date=bool(article.implausible_date))
    except TooLarge as e:
        return Parsed(found.path, replace(state, content_hash=too_large), error=str(e))
    except ExtractionError as e:
        return Parsed(found.path, state, error=str(e))
    except Exception as e:  # a parser bug on one page must not sink the run
        return Parsed(found.path, state, error=f"unexpected {type(e).__name__}: {e}")


def _unread(path: str, token: str, reason: str, known_hash: str | None) -> Parsed:
    """A file that could not be read: unchanged when it failed the same way before."""
    state = SourceState(token, 0, 0)
    if token == known_hash:
        return Parsed(path, state, unchanged=True)
    return Parsed(path, state, error=reason)


def parse_all(tasks: Sequence[Task], jobs: int) -> Iterator[Parsed]:
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


def _writing_worker(part: PartWriter, conn: Connection, ask: Connection, parent: int, tasks: Tasks) -> None:
    """Worker process: parse files AND write them through its part writer.

    Receives jobs (lists of tasks; None: finish) on ``conn`` and answers each
    with the files' outcomes (without the articles); at the end sends the
    part's result for the session's commit, or the exception that stopped it.
    Before writing a job's articles it asks the indexing process, on ``ask``,
    for their stories and signatures (one table of stories for the whole run,
    see ``.stories``; signing there keeps datasketch out of the workers).
    """
    _die_with_parent(parent)
    tasks.drop()
    try:
        while (chunk := conn.recv()) is not None:
            if os.getppid() != parent:
                os._exit(1)
            done = [parse_file(task) for task in chunk]
            articles = [p for p in done if p.article is not None]
            if articles:
                ask.send([story_request(p) for p in articles])
                for parsed, (story, sig) in zip(articles, ask.recv()):
                    assert parsed.article is not None and parsed.state is not None
                    parsed.article.story, parsed.article.signature = story, sig
                    parsed.receipt = part.add(parsed.article, parsed.state)
                    parsed.article = None
            conn.send(("files", done))
        conn.send(("part", part.finish()))
    except BaseException as e:  # reported to the parent, which cancels the run
        conn.send(("error", _picklable(e)))


#: What the story of a parsed article is decided from: (source, body, content hash).
StoryRequest = tuple[str, str, str]
#: The answer to a story request: (story id, the body's signature).
StoryAnswer = tuple[str, bytes]


def story_request(parsed: Parsed) -> StoryRequest:
    assert parsed.article is not None and parsed.state is not None
    return parsed.article.source, parsed.article.body, parsed.state.content_hash


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.dumps(error)
        return error
    except Exception:  # an exception that cannot travel: its text does
        return WorkerError(f"{type(error).__name__}: {error}")


class WorkerError(Exception):
    """An indexing worker died or failed (an OSError from a worker is raised as itself)."""


#: Jobs a writing worker holds at once (one in work, one waiting): no worker
#: idles between jobs, and no pipe holds more than that.
JOBS_IN_FLIGHT = 2


def write_in_workers(parts: list[PartWriter], tasks: Tasks, on_file: Callable[[Parsed], None],
                     on_part: Callable[[Any], None],
                     assign: Callable[[list[StoryRequest]], list[StoryAnswer]]) -> None:
    """Have one forked worker per part parse and write ``tasks``; report each
    file's outcome and each finished part here, in this process, and answer
    the workers' story requests with ``assign``.

    Each worker has its own pipe, fed here a job at a time (no feeder thread
    that could block on a pipe nobody reads). Whatever goes wrong (a worker's
    error, a dead worker, an exception in the callbacks), every worker is
    terminated and joined before this returns or raises.
    """
    ctx = multiprocessing.get_context("fork")
    starts = iter(range(0, len(tasks), WORKER_CHUNK))  # each job made when it is sent
    workers: dict[Connection, multiprocessing.process.BaseProcess] = {}
    asking: dict[Connection, Connection] = {}  # a worker's story pipe -> its job pipe
    told_to_finish: set[Connection] = set()

    def feed(conn: Connection) -> None:
        # Nothing after the None: the worker may be gone by then (a broken pipe).
        if conn in told_to_finish:
            return
        start = next(starts, None)
        if start is not None:
            conn.send(tasks[start:start + WORKER_CHUNK])
        else:
            conn.send(None)
            told_to_finish.add(conn)

    # The workers' collector leaves the objects they inherit alone: it would
    # touch each one's header and copy its page (fewer shared pages, same RSS).
    gc.freeze()
    try:
        for part in parts:
            conn, child_end = ctx.Pipe()
            ask, child_ask = ctx.Pipe()
            worker = ctx.Process(target=_writing_worker, args=(part, child_end, child_ask, os.getpid(), tasks),
                                 daemon=True)
            worker.start()
            child_end.close()  # so the pipe reports the worker's death (EOF) here
            child_ask.close()
            workers[conn] = worker
            asking[ask] = conn
            for _ in range(JOBS_IN_FLIGHT):
                feed(conn)
        gc.unfreeze()
        running = dict(workers)
        while running:
            ready = wait([*running, *(a for a, c in asking.items() if c in running)], timeout=1.0)
            if not ready:  # a worker stopped (SIGSTOP) or killed before it could say so
                dead = [w for w in running.values() if w.exitcode not in (None, 0)]
                if dead:
                    raise WorkerError(f"indexing worker died (exit status {dead[0].exitcode})")
                continue
            for conn in ready:
                owner = asking.get(conn, conn)  # type: ignore[arg-type]
                if owner not in running:
                    continue  # a finished worker's story pipe, closed after its part was sent
                try:
                    message = conn.recv()
                except EOFError:
                    if conn in asking:
                        # A worker closes its story pipe when it exits: its job
                        # pipe, ready too, says whether it sent its part or died.
                        del asking[conn]
                        continue
                    running[owner].join(timeout=1.0)
                    raise WorkerError(f"indexing worker died (exit status {running[owner].exitcode})") from None
                if conn in asking:
                    conn.send(assign(message))
                    continue
                kind, payload = message
                if kind == "error":
                    raise payload
                if kind == "part":
                    del running[conn]
                    on_part(payload)
                    continue
                for parsed in payload:
                    on_file(parsed)
                feed(conn)
    finally:
        gc.unfreeze()  # also when starting a worker failed
        for conn, worker in workers.items():
            if worker.is_alive():
                worker.terminate()
            worker.join()
            conn.close()
        for ask in asking:
            ask.close()
