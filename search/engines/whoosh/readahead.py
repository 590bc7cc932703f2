"""Have the kernel read an index state's files into the page cache before the first searches.

A fresh process (a restarted web worker, a CLI search) otherwise pays a disk
read for each posting block and stored document its first searches touch:
at 540k articles that made them 3-4x slower than the same searches warm, in
I/O wait rather than CPU. Like Lucene's ``MMapDirectory`` preload and
OpenSearch's ``index.store.preload``, the files are read ahead when they fit
well within the memory available: ``posix_fadvise(WILLNEED)`` starts the
reads and returns, the kernel fills the cache in the background (one call
per chunk, because one call reads at most the device's largest request).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

#: Read ahead only files that take at most this share of the memory available.
SHARE_OF_AVAILABLE = 0.5
#: Bytes asked for per call.
CHUNK = 1 << 20


def available_bytes() -> int | None:
    """Memory the kernel could give without swapping (MemAvailable), if it says."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError) as e:
        log.debug("could not read the memory available: %s", e)
    return None


def read_ahead(directory: Path) -> int:
    """Ask for ``directory``'s files to be read into the page cache; the bytes
    asked for (0 when they would not fit or the system cannot be asked)."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        log.debug("no posix_fadvise here: %s is not read ahead", directory)
        return 0
    files = [(p, p.stat().st_size) for p in directory.iterdir() if p.is_file()]
    total = sum(size for _, size in files)
    available = available_bytes()
    if available is None or total > available * SHARE_OF_AVAILABLE:
        log.info("index files of %s (%d MB) not read ahead: %s MB of memory available", directory,
                 total >> 20, "unknown" if available is None else available >> 20)
        return 0
    for path, size in files:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:  # e.g. merged away meanwhile: the searches will say so if it matters
            log.debug("could not read %s ahead: %s", path, e)
            continue
        try:
            for offset in range(0, size, CHUNK):
                advise(fd, offset, CHUNK, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)
    return total


def start(directory: Path) -> threading.Thread:
    """:func:`read_ahead` in a daemon thread: opening an index does not wait for it."""
    thread = threading.Thread(target=_read_ahead_logged, args=(directory,), name="index-read-ahead", daemon=True)
    thread.start()
    return thread


def _read_ahead_logged(directory: Path) -> None:
    try:
        read_ahead(directory)
    except OSError as e:  # only a speed-up: searches read the files themselves
        log.warning("could not read the index files of %s ahead: %s", directory, e)
