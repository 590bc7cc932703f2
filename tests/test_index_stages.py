"""bench/index_stages.py: the CPU of each indexing stage, and no wrapper left behind."""

from __future__ import annotations

import re
from pathlib import Path

import indexer.workers as workers
from bench import index_stages

SAMPLE = Path(__file__).resolve().parent.parent / "sample_corpus"


def test_prints_each_stage_per_page_and_restores_what_it_timed(capsys):
    before = [getattr(owner, name) for owner, name, _ in index_stages.WRAPPED]
    assert index_stages.main([str(SAMPLE), "--limit", "12"]) == 0
    out = capsys.readouterr().out
    head = re.match(r"12 pages, (\d+) articles: [\d.]+ s CPU, ([\d.]+) ms a page", out)
    assert head and int(head[1]) > 0 and float(head[2]) > 0
    for stage in ("extraction", "write: analysis of text fields", "finish: posting blocks",
                  "write: part.add", "commit (indexing process)"):
        assert re.search(rf"  {re.escape(stage)} +[\d.]+ s +[\d.]+ ms a page", out), stage
    assert [getattr(owner, name) for owner, name, _ in index_stages.WRAPPED] == before
    assert workers.extract_article is before[0]
