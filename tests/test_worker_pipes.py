"""The indexer's writing workers and their two pipes (jobs, story requests)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from indexer import workers
from indexer.pipeline import Indexer
from tests.story_texts import story
from tests.test_indexer import write_page


@pytest.mark.engines("whoosh")  # the only engine with part writers
def test_a_story_pipe_closed_by_its_finished_worker_is_not_a_death(tmp_path: Path, new_target, monkeypatch):
    """A worker closes its story pipe when it exits after sending its part: seen
    first, while the part waits in the job pipe, it is not taken for a crash."""
    real_wait = workers.wait

    def story_pipes_first(conns, timeout=None):
        ready = real_wait(conns, timeout)
        if ready:
            time.sleep(0.2)  # a worker that just sent its part has exited by now
            ready = real_wait(conns, 0)
        # The story pipes come after the job pipes in what the indexer waits on.
        at = {id(c): i for i, c in enumerate(conns)}
        return sorted(ready, key=lambda c: -at[id(c)])

    monkeypatch.setattr(workers, "wait", story_pipes_first)
    for i in range(6):
        write_page(tmp_path / "pages" / f"p{i}.html", f"Page {i}", story(30 + i))
    report = Indexer(new_target(), jobs=2, parallel_write_threshold=1).run([tmp_path / "pages"])
    assert (report.added, report.failed) == (6, 0)
