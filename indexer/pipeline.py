"""Incremental indexing: scan files, plan, parse what changed, write through one session.

One run is one writer session of the index's engine (``search.engine``):
files that disappeared are removed, new and changed ones parsed and added
(replacing their previous version), files that fail are recorded with their
content hash (an unchanged one is not parsed again: a known failure), and
leaving the session commits once (nothing, when no article changed).
Nothing is visible to readers until then, and a rebuild becomes visible only
when its new index is published, so a crash at any point leaves the previous
index. Small runs parse in a process pool and write here; big runs have
worker processes parse and write in parallel, each through a part writer of
the session (see :mod:`indexer.workers`).
"""

from __future__ import annotations

import os
import time
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from search.engine import Engine, PartWriter, WriterSession, open_engine
from search.models import KnownFailure, KnownFile

from .plan import UsageError, choose_roots, make_plan
from .scan import FoundFile, merge_roots, normalize, unusable_token
from .stories import DEFAULT_THRESHOLD, Stories
from .workers import (DEFAULT_MAX_BYTES, Parsed, StoryAnswer, StoryRequest, Tasks, WorkerError, parse_all,
                      parse_file, story_request, write_in_workers)

__all__ = ["DEFAULT_MAX_BYTES", "Failure", "IndexReport", "Indexer", "UsageError", "WorkerError"]

#: From this many files to parse, each worker process parses AND writes its
#: share (through a part writer): writing postings costs about twice the CPU
#: of extraction, so a single writer in this process caps a big build at one
#: core. Smaller runs keep one writer (one new segment per run, so
#: incremental runs do not pile up segments). ``Indexer(parallel_write_threshold=)``.
PARALLEL_WRITE_THRESHOLD = 2000


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
    failed: int = 0  # files that failed in this run (listed in ``failures``)
    #: Files that failed before and are unchanged since: not parsed again
    #: (``--retry-failed`` parses them), not in ``failures``.
    known_failures: int = 0
    implausible_dates: int = 0  # pages whose claimed date was not trusted (indexed undated or dated otherwise)
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    documents: int = 0
    generation: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class Indexer:
    def __init__(
        self,
        index_dir: Path,
        *,
        jobs: int | None = None,
        lock_timeout: float = 60.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        progress: Callable[[int, int], None] | None = None,
        engine: Engine | None = None,
        parallel_write_threshold: int = PARALLEL_WRITE_THRESHOLD,
        story_threshold: float = DEFAULT_THRESHOLD,
    ):
        self.index_dir = index_dir
        self.engine = engine if engine is not None else open_engine(index_dir)
        self.jobs = jobs or os.cpu_count() or 1
        self.lock_timeout = lock_timeout
        self.max_bytes = max_bytes
        self.progress = progress
        self.parallel_write_threshold = parallel_write_threshold
        #: Estimated Jaccard similarity from which two bodies are one story (``indexer.stories``).
        self.story_threshold = story_threshold

    def run(self, paths: Iterable[str | Path] | None = None, *, rebuild: bool = False,
            retry_failed: bool = False) -> IndexReport:
        """Index ``paths`` (else the recorded roots). Files that failed before
        and are unchanged are skipped unless ``retry_failed`` (a rebuild
        parses everything); files that fail in this run are in ``failures``."""
        started = time.monotonic()
        given = [normalize(p) for p in paths or []]
        missing = [p for p in given if not os.path.exists(p)]
        if missing:
            raise UsageError(f"no such file or directory: {', '.join(missing)}")
        report = IndexReport()
        with self.engine.writer(rebuild=rebuild, lock_timeout=self.lock_timeout) as session:
            recorded = session.previous.roots
            roots, warnings = choose_roots(given, recorded)
            report.warnings.extend(warnings)
            known = session.previous.files
            stories = Stories(session.stories, self.story_threshold)
            run = _Run(session, known, session.previous.failures, retry_failed, report, stories)
            plan = make_plan(roots, known, run.failures)
            report.unchanged += plan.unchanged
            for source in plan.gone:
                session.remove(source)
                stories.remove(source)
                report.removed += source in known
            for found in plan.unusable:
                run.unusable(found)
            tasks = Tasks(plan.to_parse, run.known_hash, self.max_bytes)
            parts = (session.parts(self.jobs)
                     if self.jobs > 1 and len(tasks) >= self.parallel_write_threshold else None)
            if parts:
                self._write_in_workers(run, parts, tasks)
            else:
                with closing(parse_all(tasks, self.jobs)) as outcomes:
                    for done, parsed in enumerate(outcomes, 1):
                        self._progress(done, len(tasks))
                        run.apply(parsed)
            session.set_roots(roots if rebuild else merge_roots(recorded, roots))
        # Articles the engine refused at the commit: reported, never silently dropped.
        for path, reason in session.failed.items():
            report.failed += 1
            report.failures.append(Failure(path, reason))
            if path in plan.gone:
                report.removed -= 1
            elif path in known:
                report.updated -= 1
            else:
                report.added -= 1
        report.warnings[:0] = session.warnings  # the session's own, from entering to the commit
        report.documents = session.documents
        report.generation = session.generation
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def _progress(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done, total)

    def _write_in_workers(self, run: _Run, parts: list[PartWriter], tasks: Tasks) -> None:
        """Big runs: one worker process per part writer parses and writes."""
        clashes: list[str] = []
        done = 0

        def on_file(parsed: Parsed) -> None:
            nonlocal done
            done += 1
            self._progress(done, len(tasks))
            if parsed.receipt is not None and not run.session.accept(parsed.receipt):
                clashes.append(parsed.path)  # another worker's file took its id first
                return
            run.book(parsed)

        write_in_workers(parts, tasks, on_file, run.session.adopt, run.assign)
        if clashes:
            # Rare: parse the pages again here; the session gives each its path's id.
            wanted = set(clashes)
            by_path = {task[0].path: task for task in tasks if task[0].path in wanted}
            for path in clashes:
                run.apply(parse_file(by_path[path]))


@dataclass
class _Run:
    """One run's session and what it knew at the start, and the outcomes it books."""

    session: WriterSession
    known: dict[str, KnownFile]
    failures: dict[str, KnownFailure]  # the known failures
    retry: bool  # parse the known failures again
    report: IndexReport
    stories: Stories

    def known_hash(self, path: str) -> str | None:
        """The content a file must still have to be skipped: its failure's, else its article's."""
        if path in self.failures:
            return None if self.retry else self.failures[path].content_hash
        k = self.known.get(path)
        return k.state.content_hash if k else None

    def fail(self, path: str, content_hash: str, reason: str) -> None:
        self.session.record_failure(path, content_hash, reason)
        self.report.failed += 1
        self.report.failures.append(Failure(path, reason))

    def unusable(self, found: FoundFile) -> None:
        """A name that is no regular file: recorded as a failure, never opened."""
        assert found.unusable is not None
        token = unusable_token(found.unusable)
        if not self.retry and found.path in self.failures and self.failures[found.path].content_hash == token:
            self.report.known_failures += 1
        else:
            self.fail(found.path, token, f"skipped: {found.unusable}")

    def book(self, parsed: Parsed) -> bool:
        """Count one outcome (a failure is recorded); False if there is nothing to add."""
        report = self.report
        if parsed.error is not None:
            assert parsed.state is not None
            self.fail(parsed.path, parsed.state.content_hash, parsed.error)
            return False
        if parsed.unchanged:
            if parsed.path in self.failures:  # its known hash was the failure's
                report.known_failures += 1
            else:
                report.unchanged += 1
            return False
        report.implausible_dates += parsed.implausible_date
        if parsed.path in self.known:
            report.updated += 1
        else:
            report.added += 1
        return True

    def assign(self, requests: list[StoryRequest]) -> list[StoryAnswer]:
        """The stories and signatures of parsed articles, in order (a writing worker asks before it writes them)."""
        return [self.stories.assign_body(*request) for request in requests]

    def apply(self, parsed: Parsed) -> None:
        if self.book(parsed):
            assert parsed.article is not None and parsed.state is not None
            parsed.article.story, parsed.article.signature = self.stories.assign_body(*story_request(parsed))
            self.session.add(parsed.article, parsed.state)
