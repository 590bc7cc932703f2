"""Reading an index state's files ahead into the page cache (search/engines/whoosh/readahead.py)."""

from __future__ import annotations

import logging
import os
import threading

from search import SearchRequest
from search.engines.whoosh import readahead, store
from search.service import SearchService
from tests.conftest import build_index, make_article


def test_every_chunk_of_every_file_is_asked_for(tmp_path, monkeypatch):
    sizes = {"empty.col": 0, "small.trm": 10, "big.pst": 2 * readahead.CHUNK + 5}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    asked: list[tuple[int, int, int]] = []
    real = os.posix_fadvise

    def spy(fd, offset, length, advice):
        asked.append((os.fstat(fd).st_size, offset, advice))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", spy)
    assert readahead.read_ahead(tmp_path) == sum(sizes.values())
    assert sorted(asked) == sorted([(10, 0, os.POSIX_FADV_WILLNEED)] + [
        (sizes["big.pst"], offset, os.POSIX_FADV_WILLNEED) for offset in (0, readahead.CHUNK, 2 * readahead.CHUNK)])


def test_files_too_big_for_the_memory_available_are_not_read_ahead(tmp_path, monkeypatch, caplog):
    (tmp_path / "big.pst").write_bytes(b"x" * 4096)
    monkeypatch.setattr(readahead, "available_bytes", lambda: 4096)
    with caplog.at_level(logging.INFO, logger=readahead.__name__):
        assert readahead.read_ahead(tmp_path) == 0
    assert "not read ahead: 0 MB of memory available" in caplog.text


def test_without_posix_fadvise_nothing_is_read_ahead_and_it_is_logged(tmp_path, monkeypatch, caplog):
    (tmp_path / "big.pst").write_bytes(b"x" * 4096)
    monkeypatch.delattr(os, "posix_fadvise")
    with caplog.at_level(logging.DEBUG, logger=readahead.__name__):
        assert readahead.read_ahead(tmp_path) == 0
    assert "no posix_fadvise here" in caplog.text


def test_a_failed_read_ahead_is_logged_and_searches_go_on(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger=readahead.__name__):
        readahead.start(tmp_path / "gone").join(timeout=30)
    assert "could not read the index files of" in caplog.text


def test_the_first_search_of_an_index_state_reads_its_files_ahead(tmp_path, monkeypatch):
    index = build_index(tmp_path / "index", [make_article("Harbour news", "The harbour board met.")])
    asked: list = []
    done = threading.Event()
    monkeypatch.setattr(readahead, "read_ahead", lambda directory: (asked.append(directory), done.set()))
    service = SearchService(str(index))
    try:
        assert service.search(SearchRequest(q="harbour")).total == 1
        assert done.wait(timeout=30)
        assert asked == [store.current_generation(index).directory]
        service.search(SearchRequest(q="board"))
        assert len(asked) == 1  # once per index state and process
    finally:
        service.close()


def test_the_memory_available_is_read():
    assert readahead.available_bytes() > 0
