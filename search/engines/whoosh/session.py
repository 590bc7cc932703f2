"""The Whoosh writer session: one indexing run's changes, committed atomically.

Entering takes the index's writer lock (see :mod:`.store`) and removes what
a failed or killed run left. An incremental session writes one new segment
into the live generation; a rebuild writes a new generation beside it, which
becomes live only when the commit publishes it. Nothing is visible to readers
until the one Whoosh commit on leaving the block, so an exception (or a
crash) at any point leaves the previous index; on an exception the session
also deletes everything it wrote, so a full disk is left as it was found. An
incremental session that changed no article commits nothing: the generation
(and every ETag) stays; changed roots or failures are still saved.

The roots (``sources.json``) and known failures (``failures.json``) are
staged before the commit, so a full disk stops the run before anything is
published, and renamed into place after it.

Worker processes can write segments in parallel (:meth:`WhooshWriterSession.parts`):
each part writer, inherited by a forked worker, writes an uncommitted segment
of its own; the session's commit publishes them with its own segment.
"""

from __future__ import annotations

import logging
import shutil
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from search import stamps
from search.errors import IndexUnreadable
from search.ids import IdClaims
from search.models import Article, KnownFailure, Sources, SourceState

from . import damage, store
from .history import History
from .schema import ADDED_FIELDS, PUBLICATION_FIELDS, STAMP_FIELDS, STORY_FIELDS, article_to_document, source_term
from .writer import CombiningWriter, FastSegmentWriter

log = logging.getLogger(__name__)

#: What an index written before some fields existed lacks, and the warning each
#: incremental run on it gives (documents added to it leave those fields out).
_OLDER_INDEXES = (
    (STAMP_FIELDS, "this index was written before articles recorded when they were indexed (indexed_at) "
                   "and their authors as a list; run 'newsarchive index --rebuild' once to add them"),
    (STORY_FIELDS, "this index was written before story clusters; run 'newsarchive index --rebuild' "
                   "once to group copies of a story"),
    (PUBLICATION_FIELDS, "this index was written before articles recorded their publication; run "
                         "'newsarchive index --rebuild' once to add it"),
)

#: Posting-pool memory of the session's own writer before it spills to runs.
WRITER_LIMIT_MB = 256
#: Posting memory of each part (worker) writer before it spills to runs: a
#: spill's sort briefly needs about half as much again on top, in each worker
#: (at 540k articles, more runs to merge cost no measurable CPU).
WORKER_LIMIT_MB = 64
#: Workers' (big) segments stay as separate files instead of one compound
#: file: reading a compound segment copies each sub-file it opens (stored
#: fields, term index) into memory, so merely opening a reader cost ~14 KB per
#: document (over 1 GB of RSS at 108k documents) on every incremental run, and
#: in every search process too. The session's own segments (incremental
#: runs: small) keep Whoosh's default compound file.
WORKER_COMPOUND_SEGMENTS = False


@dataclass(frozen=True)
class PartReceipt:
    """An article a part writer wrote: which part, its segment docnum, its id."""

    part: int
    docnum: int
    doc_id: str
    source: str


@dataclass
class PartResult:
    part: int
    segment: object | None  # a finished, uncommitted whoosh Segment (None: nothing written)


@dataclass(frozen=True)
class Stamping:
    """How a session's writers turn an article into a document: the session's
    time, the live index's stamps, and the fields the target index knows."""

    now: int
    history: History
    missing: frozenset[str]  # ADDED_FIELDS an index written before them lacks

    def document(self, article: Article, state: SourceState) -> dict:
        stamp = stamps.restamp(self.history.get(article.id), stamps.fingerprint(article), self.now)
        doc = article_to_document(article, state, stamp)
        for name in self.missing:
            del doc[name]
        return doc


class WhooshPartWriter:
    """Writes one worker process's own segment (see the module docstring)."""

    def __init__(self, number: int, ix, claims: IdClaims, stamping: Stamping):
        self.number = number
        self._ix = ix
        self._stamping = stamping
        # The ids claimed when the workers started, plus this part's own;
        # the session settles clashes between parts (``accept``).
        self._claims = claims
        self._writer: FastSegmentWriter | None = None

    def add(self, article: Article, state: SourceState) -> PartReceipt:
        if self._writer is None:
            # _lk=False: the session's writer holds Whoosh's lock for every part.
            self._writer = FastSegmentWriter(self._ix, _lk=False, limitmb=WORKER_LIMIT_MB,
                                             compound=WORKER_COMPOUND_SEGMENTS)
        doc_id = self._claims.claim(article.id, article.source)
        docnum = self._writer.docnum
        self._writer.add_document(**self._stamping.document(replace(article, id=doc_id), state))
        return PartReceipt(self.number, docnum, doc_id, article.source)

    def finish(self) -> PartResult:
        writer = self._writer
        if writer is None:
            return PartResult(self.number, None)
        if writer._added:
            return PartResult(self.number, writer._finalize_segment())
        writer._close_segment()
        return PartResult(self.number, None)


class WhooshWriterSession:
    """:class:`search.engine.WriterSession` for an index directory."""

    def __init__(self, index_dir: Path, *, rebuild: bool, lock_timeout: float):
        self.index_dir = index_dir
        self.rebuild = rebuild
        self.lock_timeout = lock_timeout
        self.previous = Sources()
        self.warnings: list[str] = []
        self.documents = 0
        self.generation = ""
        self.failed: dict[str, str] = {}  # Whoosh takes every document it is given
        self._stack = ExitStack()
        self._live: Path | None = None
        self._gen_dir: Path | None = None
        self._ix = None
        self._writer: CombiningWriter | None = None
        self._searcher = None
        self._roots: list[str] = []
        self._failures: dict[str, KnownFailure] = {}
        self._claims = IdClaims()
        self._replaced: set[str] = set()
        self._changed = False  # an article was added or deleted: the index needs a commit
        self._drops: dict[int, list[int]] = {}
        self._segments: dict[int, object] = {}  # part -> its finished segment
        self._stamping = Stamping(0, History.empty(), frozenset())

    # --- the block -------------------------------------------------------

    def __enter__(self) -> WhooshWriterSession:
        with ExitStack() as stack:
            lock = stack.enter_context(store.writer_lock(self.index_dir, timeout=self.lock_timeout))
            if lock.stale_pid:
                self.warnings.append(
                    f"cleared the lock left by indexer pid {lock.stale_pid}, which is no longer running")
            store.remove_stale_generations(self.index_dir)
            try:
                self._live = store.live_dir(self.index_dir)
            except store.IndexMissing:
                self._live = None
            if self._live is not None:
                store.remove_uncommitted(self._live)
            roots = self._live_roots()
            files, failures = {}, {}
            history = History.empty()
            if self._live is not None and not self.rebuild:
                self._gen_dir = self._live
                # Nothing is written on top of damage: a rebuild repairs it.
                with damage.Watch(self.index_dir).reading():
                    damage.verify(self._live, store.current_generation(self.index_dir).commit)
                    self._ix = store.open_for_writing(self._live)
                    files = store.read_files(self._ix)
                    failures = store.read_failures(self._live)
                    history = store.read_history(self._ix)
                self.warnings += [warning for fields, warning in _OLDER_INDEXES
                                  if any(f not in self._ix.schema for f in fields)]
            elif self._live is not None:
                history = self._live_history()
            # One time for the whole run, taken under the lock (see search.stamps).
            self._stamping = Stamping(stamps.now_ms(), history, frozenset())
            # A rebuild starts from no files and no failures (everything is
            # parsed again), but from the live roots (rescanned when no paths are given).
            self.previous = Sources(roots, files, failures)
            self._roots = list(roots)
            self._failures = dict(failures)
            self._claims = IdClaims({k.doc_id: src for src, k in files.items()})
            self._stack = stack.pop_all()
        return self

    def _live_roots(self) -> list[str]:
        if self._live is None:
            return []
        try:
            return store.read_sources(self._live)
        except IndexUnreadable as e:
            if not self.rebuild:
                raise
            # A rebuild repairs a damaged index: it needs no more than the roots.
            self.warnings.append(f"{e}; the recorded roots are lost: give the paths to index")
            return []

    def _live_history(self) -> History:
        """A rebuild keeps the stamps of the articles it writes again; a
        damaged live index loses them (the rebuild stamps them anew)."""
        try:
            with damage.Watch(self.index_dir).reading():
                live_ix = store.open_for_writing(self._live)
                try:
                    return store.read_history(live_ix)
                finally:
                    live_ix.close()
        except IndexUnreadable as e:
            self.warnings.append(f"{e}; articles are stamped as first indexed now")
            return History.empty()

    def __exit__(self, kind, error, tb) -> None:
        with self._stack:  # the lock is released last
            if error is None:
                try:
                    self._commit()
                    return
                except BaseException:
                    self._abandon()
                    raise
            self._abandon()

    def _abandon(self) -> None:
        """Delete everything this session wrote (it failed): the disk is left as found."""
        self._writer = None
        self._close_searcher()
        self._close_files()
        if self._gen_dir is None:
            return
        if self._gen_dir != self._live:
            shutil.rmtree(self._gen_dir, ignore_errors=True)
        else:
            store.remove_uncommitted(self._gen_dir)

    def _close_files(self) -> None:
        """Close every file the session's writers opened, unflushed: a failed
        write (a full disk) must not leave deleted files holding their space."""
        if self._ix is not None:
            self._ix.storage.close_unflushed()

    def _begin(self) -> CombiningWriter:
        """The session's writer, made on the first change (a rebuild's new
        generation is created only then, after the caller's own checks)."""
        if self._writer is None:
            if self._ix is None:
                self._gen_dir = store.new_generation_dir(self.index_dir)
                self._ix = store.open_for_writing(self._gen_dir)
            # _lk=False: the session's own lock (store.writer_lock) covers every writer.
            self._writer = CombiningWriter(self._ix, _lk=False, limitmb=WRITER_LIMIT_MB)
            missing = frozenset(f for f in ADDED_FIELDS if f not in self._ix.schema)
            self._stamping = replace(self._stamping, missing=missing)
            # One searcher for every deletion: Whoosh otherwise opens a new
            # reader over all segments for each delete_by_term call.
            self._searcher = self._writer.searcher()
        return self._writer

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            searcher, self._searcher = self._searcher, None
            try:
                searcher.close()
            except OSError as e:  # nothing of it is needed any more
                log.debug("closing the writer's searcher failed: %s", e)

    def _commit(self) -> None:
        publish = self._live is None or self.rebuild
        if publish or self._changed or self._segments:
            self._begin()
        gen_dir = self._gen_dir
        assert gen_dir is not None
        staged = []
        if publish or sorted(set(self._roots)) != sorted(set(self.previous.roots)):
            staged.append(store.stage_sources(gen_dir, self._roots))
        if publish or self._failures != self.previous.failures:
            staged.append(store.stage_failures(gen_dir, self._failures))
        writer, self._writer = self._writer, None
        self._close_searcher()
        if writer is not None and not (publish or self._changed or self._segments):
            # Begun for part writers that wrote nothing: nothing to commit.
            self._close_files()
            store.remove_uncommitted(gen_dir)
        elif writer is not None:
            for part, segment in self._segments.items():
                for docnum in self._drops.get(part, []):
                    segment.delete_document(docnum)
            writer.extra_segments = tuple(self._segments.values())
            writer.commit()
            self._write_manifest(gen_dir)
        for path in staged:
            store.install(path)
        if gen_dir != self._live:
            store.publish(self.index_dir, gen_dir)
            store.remove_stale_generations(self.index_dir)
        self.documents = self._ix.doc_count()
        self.generation = store.current_generation(self.index_dir).label

    def _write_manifest(self, gen_dir: Path) -> None:
        try:
            damage.write_manifest(gen_dir)
        except OSError as e:  # committed all the same; only the damage check waits for the next commit
            log.warning("could not write the manifest of %s: %s", gen_dir, e)
            self.warnings.append(f"could not write the index manifest ({e}): damaged files are "
                                 "not detected on opening until the next indexing run commits")

    # --- changes ---------------------------------------------------------

    def _delete(self, source: str) -> None:
        if self._begin().delete_by_term("source", source_term(source), searcher=self._searcher):
            self._changed = True

    def _replace_old(self, source: str) -> None:
        if source in self.previous.files and source not in self._replaced:
            self._replaced.add(source)
            self._delete(source)

    def add(self, article: Article, state: SourceState) -> str:
        writer = self._begin()
        self._replace_old(article.source)
        doc_id = self._claims.claim(article.id, article.source)
        writer.add_document(**self._stamping.document(replace(article, id=doc_id), state))
        self._changed = True
        self._failures.pop(article.source, None)
        return doc_id

    def remove(self, source: str) -> None:
        self._failures.pop(source, None)
        if source not in self.previous.files:
            return  # nothing of it in the index (e.g. only a known failure)
        self._delete(source)
        known = self.previous.files.get(source)
        if known is not None:
            self._claims.release(known.doc_id, source)

    def stories(self) -> list[tuple[str, str, bytes]]:
        if self.rebuild or self._ix is None:
            return []
        return store.read_stories(self._ix)

    def record_failure(self, path: str, content_hash: str, reason: str) -> None:
        self._failures[path] = KnownFailure(content_hash, reason)

    def set_roots(self, roots: list[str]) -> None:
        self._roots = list(roots)

    def parts(self, count: int) -> list[WhooshPartWriter]:
        self._begin()  # the parts' segments join this writer's commit
        return [WhooshPartWriter(n, self._ix, self._claims.copy(), self._stamping) for n in range(count)]

    def accept(self, receipt: PartReceipt) -> bool:
        if self._claims.claim(receipt.doc_id, receipt.source) != receipt.doc_id:
            # Another part's file took this id first: drop this copy.
            self._drops.setdefault(receipt.part, []).append(receipt.docnum)
            return False
        self._replace_old(receipt.source)
        self._failures.pop(receipt.source, None)
        return True

    def adopt(self, result: PartResult) -> None:
        if result.segment is not None:
            self._segments[result.part] = result.segment
