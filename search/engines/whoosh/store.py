"""The index directory: generations, the writer lock and read-only opening.

Layout of an index directory::

    current -> gen-000003     symlink naming the live Whoosh index
    gen-000003/               a complete Whoosh index (+ sources.json, failures.json, manifest.json)
    writer.lock               held (flock) by the one running indexer; holds its pid

Incremental runs commit into the live generation (Whoosh commits are atomic:
a new table of contents is renamed into place last). A rebuild writes a new
generation beside it and swaps the symlink with one atomic ``rename``, so
readers always see a complete index.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import shutil
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from search.errors import IndexBusy, IndexMissing, IndexUnreadable, UnsafeIndex
from search.locks import pid_alive
from search.models import IndexState, KnownFailure, KnownFile
from search.stamps import iso_seconds

from .history import History
from .schema import build_schema, decode_state
from .writer import WriterStorage

log = logging.getLogger(__name__)

CURRENT = "current"
LOCK_FILE = "writer.lock"
SOURCES_FILE = "sources.json"
FAILURES_FILE = "failures.json"
MANIFEST_FILE = "manifest.json"  # see .damage
#: A file staged beside its final name, renamed into place after the commit.
STAGED = ".tmp"
#: Whoosh's name for the index inside a generation directory (its files are
#: ``_MAIN_<n>.toc``, ``MAIN_<segment>.*``, the lock ``MAIN_WRITELOCK`` and the
#: writers' temporary directory ``MAIN.tmp``).
INDEX_NAME = "MAIN"
_GEN_RE = re.compile(r"^gen-(\d{6})$")


@dataclass(frozen=True)
class Generation:
    """Identifies one state of the index: which generation dir, which commit."""

    directory: Path
    number: int
    commit: int

    @property
    def label(self) -> str:
        return f"{self.number}.{self.commit}"


def _gen_number(name: str) -> int | None:
    m = _GEN_RE.match(name)
    return int(m.group(1)) if m else None


def live_dir(index_dir: Path) -> Path:
    """The live generation directory; raises IndexMissing when there is none."""
    link = index_dir / CURRENT
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        raise IndexMissing(
            f"no index at {index_dir}: run 'newsarchive index PATH' first"
        ) from None
    return index_dir / target


def current_generation(index_dir: Path) -> Generation:
    """Cheap to call per request: one readlink and one directory listing."""
    gen_dir = live_dir(index_dir)
    number = _gen_number(gen_dir.name) or 0
    commit = TOC._latest_generation(FileStorage(str(gen_dir)), "MAIN")
    if commit < 0:  # only a committed generation is ever made live
        manifest = _read_json(gen_dir / MANIFEST_FILE, {})
        recorded = manifest.get("toc", "*") if isinstance(manifest, dict) else "*"
        raise IndexUnreadable(str(gen_dir / f"_{INDEX_NAME}_{recorded}.toc"), "missing")
    return Generation(gen_dir, number, commit)


def check_permissions(index_dir: Path) -> None:
    """Refuse an index others could write: Whoosh unpickles its files."""
    entries = [index_dir, *index_dir.iterdir()]
    # The files inside each generation are what gets unpickled: check them
    # too, in case a generation directory was opened up (chmod) later.
    for gen_dir in generation_dirs(index_dir):
        try:
            entries += list(gen_dir.iterdir())
        except FileNotFoundError:  # an old generation the indexer is deleting
            continue
    for path in entries:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode):
            continue
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise UnsafeIndex(
                f"{path} is writable by group or others; index files are "
                "unpickled on open, so only the indexer's user may write them "
                f"(fix with: chmod -R go-w {index_dir})"
            )


def open_index(index_dir: Path, generation: Generation | None = None):
    """Open the live index read-only."""
    gen = generation or current_generation(index_dir)
    storage = FileStorage(str(gen.directory), readonly=True)
    return storage.open_index()


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return default
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
        raise IndexUnreadable(str(path), f"not a readable JSON file ({e})") from None


def read_sources(gen_dir: Path) -> list[str]:
    return _read_json(gen_dir / SOURCES_FILE, [])


def read_failures(gen_dir: Path) -> dict[str, KnownFailure]:
    """source path -> why it failed (see ``stage_failures``)."""
    raw = _read_json(gen_dir / FAILURES_FILE, {})
    try:
        return {path: KnownFailure(entry["hash"], entry["reason"]) for path, entry in raw.items()}
    except (AttributeError, KeyError, TypeError) as e:
        raise IndexUnreadable(str(gen_dir / FAILURES_FILE), f"unexpected content ({e!r})") from None


def stage_json(path: Path, value) -> Path:
    """Write ``value`` beside ``path``; :func:`install` puts it in place."""
    # ASCII JSON: paths that are not valid UTF-8 keep their bytes as escaped surrogates.
    staged = path.with_name(path.name + STAGED)
    staged.write_text(json.dumps(value, indent=1), "utf-8")
    os.chmod(staged, 0o600)
    return staged


def stage_sources(gen_dir: Path, sources: list[str]) -> Path:
    """Write the roots beside sources.json; :func:`install` puts them in place."""
    return stage_json(gen_dir / SOURCES_FILE, sorted(set(sources)))


def stage_failures(gen_dir: Path, failures: dict[str, KnownFailure]) -> Path:
    """Write the known failures beside failures.json; :func:`install` puts them in place."""
    return stage_json(gen_dir / FAILURES_FILE, {
        path: {"hash": f.content_hash, "reason": f.reason} for path, f in sorted(failures.items())})


def install(staged: Path) -> None:
    """Rename a staged file into place (needs no free space, unlike writing it)."""
    os.replace(staged, staged.with_name(staged.name[:-len(STAGED)]))




def read_files(ix) -> dict[str, KnownFile]:
    """source path -> what the index holds for it, from one column."""
    known: dict[str, KnownFile] = {}
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            # A commit with no documents (every page failed, or all were
            # deleted) leaves no segment, and Whoosh's empty reader has no columns.
            return known
        column = reader.column_reader("file_state")
        for docnum in reader.all_doc_ids():
            source, doc_id, state = decode_state(column[docnum])
            known[source] = KnownFile(doc_id, state)
    return known


def read_stories(ix) -> list[tuple[str, str, bytes]]:
    """(source, story, signature) of each article ``ix`` holds (``indexer.stories``),
    from three columns; none in an index written before story clusters."""
    with ix.reader() as reader:
        if reader.doc_count_all() == 0 or "signature" not in reader.schema:
            return []
        states, stories = reader.column_reader("file_state"), reader.column_reader("story")
        signatures = reader.column_reader("signature")
        return [(decode_state(states[d])[0], stories[d], signatures[d]) for d in reader.all_doc_ids()]


def read_history(ix) -> History:
    """The stamps of the articles ``ix`` holds (see :mod:`.history`)."""
    with ix.reader() as reader:
        return History.read(reader)


def last_indexed(gen: Generation) -> float:
    """Unix time of the live commit."""
    return (gen.directory / f"_MAIN_{gen.commit}.toc").stat().st_mtime


def index_state(gen_dir: Path, label: str, commit: int) -> IndexState:
    """``label`` and the time of its commit (None when a later commit has
    removed its table of contents: then this state is no longer live anyway)."""
    try:
        when = iso_seconds((gen_dir / f"_MAIN_{commit}.toc").stat().st_mtime)
    except FileNotFoundError:
        return IndexState(label, None)
    return IndexState(label, when)


def size_on_disk(gen_dir: Path) -> int:
    return sum(p.stat().st_size for p in gen_dir.iterdir() if p.is_file())


# --- writing -------------------------------------------------------------


@dataclass
class LockInfo:
    stale_pid: int | None  # pid of a dead indexer whose lock file was left behind


@contextmanager
def writer_lock(index_dir: Path, timeout: float = 30.0) -> Iterator[LockInfo]:
    """Hold the index's single-writer lock, waiting up to ``timeout`` seconds.

    The lock is an ``flock`` (the kernel drops it when its holder dies, even by
    kill -9); the pid written inside lets us say whose lock we waited for and
    report a dead indexer's leftover file.
    """
    index_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    # Whoosh creates its files with mode 0o666 minus the umask; under a lax
    # umask (002, 000) they would be group/world-writable. Everything written
    # to the index happens while this lock is held, so tighten it here.
    old_umask = os.umask(0o077)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    raise IndexBusy(
                        f"another indexer (pid {holder or 'unknown'}) holds the lock "
                        f"on {index_dir}; gave up after {timeout:g}s"
                    ) from None
                time.sleep(0.1)
        previous = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        stale = int(previous) if previous.isdigit() and int(previous) != os.getpid() else None
        if stale is not None and pid_alive(stale):
            stale = None  # a finished run that exited cleanly but left its pid
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        os.fsync(fd)
        try:
            yield LockInfo(stale_pid=stale)
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.umask(old_umask)
        os.close(fd)  # closing releases the flock


def generation_dirs(index_dir: Path) -> list[Path]:
    return sorted(p for p in index_dir.iterdir() if _gen_number(p.name) is not None)


def new_generation_dir(index_dir: Path) -> Path:
    """Create an empty Whoosh index in a fresh generation directory (hold the lock)."""
    existing = [_gen_number(p.name) or 0 for p in generation_dirs(index_dir)]
    path = index_dir / f"gen-{max(existing, default=0) + 1:06d}"
    path.mkdir(mode=0o700)
    storage = WriterStorage(str(path))
    try:
        storage.create_index(build_schema())
    except BaseException:  # e.g. a full disk: leave nothing behind
        storage.close_unflushed()
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def open_for_writing(gen_dir: Path):
    return WriterStorage(str(gen_dir)).open_index()


def publish(index_dir: Path, gen_dir: Path) -> None:
    """Atomically make ``gen_dir`` the live generation (hold the lock)."""
    tmp = index_dir / (CURRENT + ".tmp")
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    os.symlink(gen_dir.name, tmp)
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def remove_stale_generations(index_dir: Path, keep: int = 2) -> None:
    """Delete generations other than the live one and the ``keep - 1`` before it.

    The previous one is kept so readers that opened it just before a swap can
    finish their request. Unfinished rebuilds (newer than live) are removed too.
    """
    try:
        live = live_dir(index_dir).name
    except IndexMissing:
        live = None
    gens = generation_dirs(index_dir)
    live_no = _gen_number(live) if live else None
    keepers = {live}
    if live_no is not None:
        older = [g for g in gens if (_gen_number(g.name) or 0) < live_no]
        keepers |= {g.name for g in older[-(keep - 1):]} if keep > 1 else set()
    for g in gens:
        if g.name not in keepers:
            shutil.rmtree(g, ignore_errors=True)


def remove_uncommitted(gen_dir: Path) -> None:
    """Delete what writers left in ``gen_dir`` beyond its live commit (hold the lock).

    A failed or killed run leaves its segment files, the temporary directory
    (posting runs, column data) and staged files; Whoosh removes unused files
    only when a later commit succeeds, which a full disk prevents. Only files
    named as Whoosh and this module name theirs are touched.
    """
    storage = FileStorage(str(gen_dir))
    live_toc = TOC._latest_generation(storage, INDEX_NAME)
    toc_name = TOC._filename(INDEX_NAME, live_toc)
    try:
        live = {s.segment_id() for s in TOC.read(storage, INDEX_NAME, live_toc).segments}
    except Exception as e:  # damaged: deleting by it could delete live files
        log.warning("not cleaning %s: its table of contents cannot be read (%s: %s)",
                    gen_dir, type(e).__name__, e)
        return
    toc_prefix = f"_{INDEX_NAME}_"
    for name in os.listdir(gen_dir):
        path = gen_dir / name
        if name == f"{INDEX_NAME}.tmp":
            shutil.rmtree(path, ignore_errors=True)
            continue
        segment = name.split(".", 1)[0]
        leftover = (
            (name.startswith(toc_prefix) and ".toc" in name and name != toc_name)  # old or half-written TOC
            or (name.startswith(INDEX_NAME + "_") and "." in name and segment not in live)
            or (name.endswith(STAGED) and name[:-len(STAGED)] in (SOURCES_FILE, FAILURES_FILE, MANIFEST_FILE))
        )
        if leftover:
            try:
                path.unlink()
            except FileNotFoundError:
                pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
