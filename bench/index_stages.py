"""Where indexing's CPU goes, stage by stage: one process does a writing worker's job.

    python -m bench.index_stages PAGES [--limit 4000] [--profile OUT.prof]

A big ``newsarchive index`` run parses AND writes in its worker processes
(``indexer.workers``); the indexing process only signs, assigns stories and
commits. This runs what one worker does on the pages under PAGES (read and
hash, extract, write through a part writer, finish its segment; and the
indexing process's signing and story assignment),
then the session's commit, in this process, and prints the CPU time
(``time.process_time``, so a loaded machine does not skew it) of each stage
per page. Stages are timed by wrapping the functions that do them, so the
sub-stages of writing (analysis, pooling, posting blocks) are also inside
``part.add`` / ``part.finish``. ``--profile`` writes a cProfile of the whole
run instead (CPU-time clock; the stage wrappers are then left out).
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from time import process_time
from unittest.mock import patch

import indexer.stories as story_module
import indexer.workers as workers
from indexer.scan import walk
from indexer.stories import Stories, _minhash_class
from search.engine import open_engine
from search.engines.whoosh import fields, session, termpool, w3blocks

#: (module or class, function name, stage): the sub-stages timed by wrapping.
WRAPPED = (
    (workers, "extract_article", "extraction"),
    (story_module, "signature", "story signature (MinHash, indexing process)"),
    (session.Stamping, "document", "write: article -> field values"),
    (fields.AnalyzedText, "index_columns", "write: analysis of text fields"),
    (termpool.TermPool, "add_terms", "write: pooling postings"),
    (w3blocks, "_write_term", "finish: posting blocks"),
)


class Stages:
    def __init__(self) -> None:
        self.cpu: Counter[str] = Counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = process_time()
        try:
            yield
        finally:
            self.cpu[name] += process_time() - started

    def wrapped(self, owner: object, name: str, stage: str) -> AbstractContextManager:
        """``owner.name`` timed as ``stage`` while the returned context is open."""
        fn: Callable = getattr(owner, name)

        def timed(*args, **kwargs):
            with self.stage(stage):
                return fn(*args, **kwargs)

        return patch.object(owner, name, timed)


def run(pages: Path, index: Path, limit: int, stages: Stages) -> tuple[int, int]:
    tasks = [(f, None, workers.DEFAULT_MAX_BYTES) for f in walk([str(pages)]) if f.unusable is None][:limit]
    _minhash_class()  # once per run (its import and permutations)
    with open_engine(index).writer(rebuild=True, lock_timeout=5) as writer:
        stories = Stories(writer.stories)
        part = writer.parts(1)[0]
        with stages.stage("parse_file (read, hash, extract)"):
            parsed = [workers.parse_file(task) for task in tasks]
        articles = [p for p in parsed if p.article is not None]
        with stages.stage("IPC: story requests and answers"):
            pickle.loads(pickle.dumps([workers.story_request(p) for p in articles]))
        with stages.stage("stories and signatures (indexing process)"):
            for p in articles:
                p.article.story, p.article.signature = stories.assign_body(*workers.story_request(p))
        with stages.stage("write: part.add"):
            for p in articles:
                p.receipt = part.add(p.article, p.state)
                p.article = None
        with stages.stage("IPC: outcomes"):
            pickle.loads(pickle.dumps(parsed))
        with stages.stage("finish: part.finish (segment)"):
            result = part.finish()
        with stages.stage("IPC: part result"):
            result = pickle.loads(pickle.dumps(result))
        for p in articles:
            writer.accept(p.receipt)
        writer.adopt(result)
        commit_started = process_time()  # leaving the block commits
    stages.cpu["commit (indexing process)"] += process_time() - commit_started
    return len(tasks), len(articles)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("pages", type=Path)
    p.add_argument("--limit", type=int, default=4000, help="pages (first in walk order)")
    p.add_argument("--profile", type=Path, help="write a cProfile (CPU clock) here instead of timing stages")
    args = p.parse_args(argv)
    stages = Stages()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-stages-"))
    try:
        with ExitStack() as wrapped:
            if args.profile:
                import cProfile

                profile = cProfile.Profile(process_time)
                profile.enable()
            else:
                for owner, name, stage in WRAPPED:
                    wrapped.enter_context(stages.wrapped(owner, name, stage))
            started = process_time()
            pages, articles = run(args.pages, work / "index", args.limit, stages)
            total = process_time() - started
            if args.profile:
                profile.disable()
                profile.dump_stats(args.profile)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{pages} pages, {articles} articles: {total:.2f} s CPU, {1000 * total / pages:.3f} ms a page")
    for name, cpu in sorted(stages.cpu.items(), key=lambda kv: -kv[1]):
        print(f"  {name:42s} {cpu:7.2f} s  {1000 * cpu / pages:6.3f} ms a page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
