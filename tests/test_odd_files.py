"""Odd names in an archive folder: never a traceback, never a hang, the rest always indexed.

A file name that is not valid UTF-8 (an archive copied from a Latin-1
system) is indexed under its own bytes and shown readably; named pipes,
sockets, devices, symbolic link loops and links to nothing are reported as
failures and never opened.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import pytest

from indexer.pipeline import Indexer
from indexer.scan import FoundFile
from indexer.workers import parse_file
from search import SearchRequest, SearchService
from tests.reliability_helpers import index_json, page_html, run_cli

LATIN1_NAME = b"caf\xe9.html"


def latin1_path(root: Path) -> Path:
    return Path(os.fsdecode(os.path.join(os.fsencode(root), LATIN1_NAME)))


@pytest.fixture
def odd_folder(tmp_path) -> Path:
    root = tmp_path / "archive"
    root.mkdir()
    for n in range(3):
        (root / f"story-{n}.html").write_text(page_html(n, marker="oddfolder"), "utf-8")
    latin1_path(root).write_text(page_html(7, marker="latinname"), "utf-8")
    os.mkfifo(root / "x.html")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(root / "sock.html"))
    os.symlink("/dev/null", root / "device.html")
    os.symlink("loop.html", root / "loop.html")
    os.symlink("missing.html", root / "dangling.html")
    return root


REASONS = {
    "x.html": "skipped: not a regular file (a named pipe)",
    "sock.html": "skipped: not a regular file (a socket)",
    "device.html": "skipped: not a regular file (a character device)",
    "loop.html": "skipped: a symbolic link loop",
    "dangling.html": "skipped: a symbolic link to a missing file",
}


def test_odd_names_are_reported_and_everything_else_indexed(tmp_path, odd_folder):
    index = tmp_path / "index"
    report = index_json(str(odd_folder), "--index", str(index), codes=(3,))  # run_cli's timeout: no hang
    assert report["added"] == 4
    assert {Path(f["path"]).name: f["reason"] for f in report["failures"]} == REASONS

    again = index_json("--index", str(index))
    assert again["known_failures"] == len(REASONS) and again["failures"] == []

    service = SearchService(index)
    try:
        assert service.search(SearchRequest(q="oddfolder")).total == 3
        hit = service.search(SearchRequest(q="latinname")).hits[0]
        assert service.article(hit.id).source == str(latin1_path(odd_folder))  # the real name, bytes kept
    finally:
        service.close()
    shown = run_cli("search", "latinname", "--index", str(index)).stdout
    assert "caf\\xe9.html" in shown  # readable, and printable anywhere
    article = json.loads(run_cli("show", hit.id, "--index", str(index), "--json").stdout)
    assert article["source"].endswith("/caf\\xe9.html")


def test_a_file_name_that_is_not_utf8_is_updated_and_removed_like_any(tmp_path, odd_folder):
    index = tmp_path / "index"
    Indexer(index, jobs=1).run([odd_folder])
    path = latin1_path(odd_folder)
    path.write_text(page_html(7, marker="latinchanged"), "utf-8")
    changed = Indexer(index, jobs=1).run(None)
    assert changed.updated == 1 and changed.documents == 4
    path.unlink()
    removed = Indexer(index, jobs=1).run(None)
    assert removed.removed == 1 and removed.documents == 3
    service = SearchService(index)
    try:
        assert service.search(SearchRequest(q="latinchanged")).total == 0
    finally:
        service.close()


def test_a_failure_named_in_latin1_prints_readably(tmp_path):
    root = tmp_path / "archive"
    root.mkdir()
    latin1_path(root).write_bytes(b"")
    index = tmp_path / "index"
    proc = run_cli("index", str(root), "--index", str(index), codes=(3,))
    assert "failed: " in proc.stderr and "caf\\xe9.html: empty file" in proc.stderr
    listed = run_cli("failures", "--index", str(index)).stdout
    assert "caf\\xe9.html: empty file" in listed


def test_a_pipe_that_replaced_a_page_after_the_scan_is_not_opened_for_reading(tmp_path):
    fifo = tmp_path / "late.html"
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(parse_file((FoundFile(str(fifo), 0, 0), None, 1000))),
                              daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # blocked on the pipe: release it so the thread can end, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a named pipe blocked")
    assert outcome[0].error == "skipped: not a regular file (a named pipe)"
    assert outcome[0].state.content_hash == "unusable:not a regular file (a named pipe)"
