"""The indexer's writing workers and their two pipes (jobs, story requests)."""

from __future__ import annotations

import json
import subprocess
import sys
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


_INSPECTED_RUN = """
import gc, json, os, sys
from pathlib import Path
from indexer import workers
from indexer.pipeline import Indexer

pages, target, out = sys.argv[1:4]
real = workers._writing_worker

def inspected(part, conn, ask, parent, tasks):
    inherited, add = len(tasks), part.add

    def first_add(*args):
        seen = {"inherited": inherited, "kept": len(tasks), "frozen": gc.get_freeze_count() > 0,
                "imports": sorted(m for m in ("datasketch", "scipy") if m in sys.modules)}
        Path(out, f"worker-{os.getpid()}.json").write_text(json.dumps(seen))
        part.add = add
        return add(*args)

    part.add = first_add
    real(part, conn, ask, parent, tasks)

workers._writing_worker = inspected
report = Indexer(Path(target), jobs=2, parallel_write_threshold=1).run([pages])
Path(out, "parent.json").write_text(json.dumps({"added": report.added, "datasketch": "datasketch" in sys.modules,
                                                "frozen": gc.get_freeze_count()}))
"""


@pytest.mark.engines("whoosh")
def test_writing_workers_neither_import_datasketch_nor_keep_the_plan(tmp_path: Path, new_target):
    """Forked before the indexing process imports datasketch (and scipy, ~28 MB
    of each worker's resident memory), which signs the bodies for them; the
    list of files they inherit is freed when they start; what they inherit is
    out of their collector's reach (gc.freeze). A fresh interpreter:
    this test process may have imported datasketch already."""
    for i in range(6):
        write_page(tmp_path / "pages" / f"p{i}.html", f"Page {i}", story(40 + i))
    out = tmp_path / "seen"
    out.mkdir()
    subprocess.run([sys.executable, "-c", _INSPECTED_RUN, str(tmp_path / "pages"), str(new_target()), str(out)],
                   check=True, cwd=Path(__file__).parent.parent, timeout=120)
    assert json.loads((out / "parent.json").read_text()) == {"added": 6, "datasketch": True, "frozen": 0}
    # One job of 64 files: the first worker writes them all.
    seen = [json.loads(p.read_text()) for p in out.glob("worker-*.json")]
    assert seen == [{"inherited": 6, "kept": 0, "frozen": True, "imports": []}]
