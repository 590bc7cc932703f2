"""Incremental indexing: scan files, plan, parse what changed, write through one session.

One run is one writer session of the index's engine (``search.engine``):
files that disappeared are removed, new and changed ones parsed and added
(replacing their previous version), and leaving the session commits once.
Nothing is visible to readers until then, and a rebuild becomes visible only
when its new index is published, so a crash at any point leaves the previous
index. Small runs parse in a process pool and write here; big runs have
worker processes parse and write in parallel, each through a part writer of
the session (see :mod:`indexer.workers`).
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from search.engine import Engine, PartWriter, WriterSession, open_engine
from search.models import KnownFile

from .plan import UsageError, choose_roots, make_plan
from .scan import merge_roots, normalize
from .workers import DEFAULT_MAX_BYTES, Parsed, Task, parse_all, parse_file, write_in_workers

__all__ = ["DEFAULT_MAX_BYTES", "Failure", "IndexReport", "Indexer", "UsageError"]

#: From this many files to parse, each worker process parses AND writes its
#: share (through a part writer): writing postings costs about twice the CPU
#: of extraction, so a single writer in this process caps a big build at one
#: core. Smaller runs keep one writer (one new segment per run, so
#: incremental runs do not pile up segments).
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
    failed: int = 0
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
    ):
        self.index_dir = index_dir
        self.engine = engine if engine is not None else open_engine(index_dir)
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
        with self.engine.writer(rebuild=rebuild, lock_timeout=self.lock_timeout) as session:
            report.warnings.extend(session.warnings)
            recorded = session.previous.roots
            roots, warnings = choose_roots(given, recorded)
            report.warnings.extend(warnings)
            known = session.previous.files
            plan = make_plan(roots, known)
            report.unchanged += plan.unchanged
            for source in plan.gone:
                session.remove(source)
                report.removed += 1
            tasks = [(f, known[f.path].state.content_hash if f.path in known else None, self.max_bytes)
                     for f in plan.to_parse]
            parts = (session.parts(self.jobs)
                     if self.jobs > 1 and len(tasks) >= PARALLEL_WRITE_THRESHOLD else None)
            if parts:
                self._write_in_workers(session, parts, tasks, known, report)
            else:
                for done, parsed in enumerate(parse_all(tasks, self.jobs), 1):
                    self._progress(done, len(tasks))
                    self._apply(session, parsed, known, report)
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
        report.documents = session.documents
        report.generation = session.generation
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def _progress(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done, total)

    def _write_in_workers(self, session: WriterSession, parts: list[PartWriter], tasks: list[Task],
                          known: dict[str, KnownFile], report: IndexReport) -> None:
        """Big runs: one worker process per part writer parses and writes."""
        clashes: list[str] = []
        done = 0

        def on_file(parsed: Parsed) -> None:
            nonlocal done
            done += 1
            self._progress(done, len(tasks))
            if parsed.receipt is not None and not session.accept(parsed.receipt):
                clashes.append(parsed.path)  # another worker's file took its id first
                return
            self._book(parsed, known, report)

        write_in_workers(parts, tasks, on_file, session.adopt)
        by_path = {task[0].path: task for task in tasks}
        for path in clashes:
            # Rare: parse the page again here; the session gives it its path's id.
            self._apply(session, parse_file(by_path[path]), known, report)

    @staticmethod
    def _book(parsed: Parsed, known: dict[str, KnownFile], report: IndexReport) -> bool:
        """Count one outcome; False if there is nothing to add."""
        if parsed.error is not None:
            report.failed += 1
            report.failures.append(Failure(parsed.path, parsed.error))
            return False
        if parsed.unchanged:
            report.unchanged += 1
            return False
        report.implausible_dates += parsed.implausible_date
        if parsed.path in known:
            report.updated += 1
        else:
            report.added += 1
        return True

    @classmethod
    def _apply(cls, session: WriterSession, parsed: Parsed, known: dict[str, KnownFile],
               report: IndexReport) -> None:
        if cls._book(parsed, known, report):
            assert parsed.article is not None and parsed.state is not None
            session.add(parsed.article, parsed.state)
