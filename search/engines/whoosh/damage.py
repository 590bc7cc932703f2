"""Damage in an index directory: found on opening, named when reading fails.

Whoosh trusts its files: a truncated or overwritten one gives ``EOFError``,
unpickling errors, garbage counts or nothing at all, far from the file at
fault. So every commit writes a manifest (``manifest.json``) of the files it
made live (segment files and tables of contents are never rewritten in
place), each with its size, a fingerprint of its first and last 4 KB and a
CRC-32 of all of it:

* :func:`verify`, on opening an index state for reading or writing, compares
  sizes and fingerprints (a stat and an 8 KB read per file) and reads the
  table of contents;
* :meth:`Watch.reading` wraps every read: when Whoosh raises, the files are
  checked whole (CRC-32) and each segment is opened on its own, once per
  index state; a damaged file found is raised as
  :class:`search.errors.IndexUnreadable` naming it, any other error as it was.

An index written before the manifest existed gets one at its next commit;
until then only the table of contents and the segments' opening are checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from search.counting import FacetTimeout
from search.errors import IndexError_, IndexUnreadable
from search.models import SearchError

from . import store

log = logging.getLogger(__name__)

#: Bytes fingerprinted at each end of a file on every opening (cheap, and a
#: file replaced or overwritten changes there); the CRC covers the rest.
EDGE = 4096
_BLOCK = 1 << 20


def fingerprint(path: Path) -> tuple[int, str]:
    """(size, hash of the size and the first and last EDGE bytes)."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        digest = hashlib.sha1(str(size).encode())
        digest.update(f.read(EDGE))
        if size > EDGE:
            f.seek(max(EDGE, size - EDGE))
            digest.update(f.read(EDGE))
    return size, digest.hexdigest()


def crc(path: Path) -> int:
    value = 0
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            value = zlib.crc32(block, value)
    return value


def _read_toc(gen_dir: Path, toc_number: int) -> TOC:
    try:
        return TOC.read(FileStorage(str(gen_dir)), store.INDEX_NAME, toc_number)
    except Exception as e:  # whatever unpickling garbage raises
        path = gen_dir / TOC._filename(store.INDEX_NAME, toc_number)
        raise IndexUnreadable(str(path), f"unreadable table of contents ({type(e).__name__}: {e})") from None


def _read_manifest(gen_dir: Path) -> dict:
    try:
        raw = json.loads((gen_dir / store.MANIFEST_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as e:
        raise IndexUnreadable(str(gen_dir / store.MANIFEST_FILE), f"not a readable JSON file ({e})") from None
    return raw if isinstance(raw, dict) else {}


def _manifest(gen_dir: Path, toc_number: int) -> dict[str, list]:
    """The manifest's files if it describes commit ``toc_number``, else none
    (it is written after its commit: a crash can leave an earlier one)."""
    raw = _read_manifest(gen_dir)
    return raw.get("files") or {} if raw.get("toc") == toc_number else {}


def write_manifest(gen_dir: Path) -> None:
    """Record the live commit's files (after a commit, holding the writer lock).

    Files of the previous manifest keep their entries: only what the commit
    wrote is read whole.
    """
    toc_number = TOC._latest_generation(FileStorage(str(gen_dir)), store.INDEX_NAME)
    toc = _read_toc(gen_dir, toc_number)
    segments = {s.segment_id() for s in toc.segments}
    names = [TOC._filename(store.INDEX_NAME, toc_number),
             *sorted(n for n in os.listdir(gen_dir) if n.split(".", 1)[0] in segments)]
    known = _read_manifest(gen_dir).get("files") or {}
    files = {}
    for name in names:
        size, edges = fingerprint(gen_dir / name)
        entry = known.get(name)
        files[name] = entry if entry and entry[:2] == [size, edges] else [size, edges, crc(gen_dir / name)]
    store.install(store.stage_json(gen_dir / store.MANIFEST_FILE, {"toc": toc_number, "files": files}))


def verify(gen_dir: Path, toc_number: int, *, whole: bool = False) -> None:
    """Raise IndexUnreadable when a file of commit ``toc_number`` is not as it
    was written (``whole``: every byte checked, else sizes and edges)."""
    for name, (size, edges, checksum) in _manifest(gen_dir, toc_number).items():
        path = gen_dir / name
        try:
            actual_size, actual_edges = fingerprint(path)
        except FileNotFoundError:
            raise IndexUnreadable(str(path), "missing") from None
        if actual_size < size:
            raise IndexUnreadable(str(path), f"truncated: {actual_size:,} of {size:,} bytes")
        if actual_size != size:
            raise IndexUnreadable(str(path), f"{actual_size:,} bytes where {size:,} were written")
        if actual_edges != edges or (whole and crc(path) != checksum):
            raise IndexUnreadable(str(path), "overwritten: its content is not what was written")
    _read_toc(gen_dir, toc_number)


def diagnose(gen: store.Generation) -> IndexUnreadable | None:
    """The damage in index state ``gen``, if any is found: :func:`verify` over
    whole files, and each segment opened on its own (the only check an index
    without a manifest gets, naming the segment rather than the file)."""
    try:
        verify(gen.directory, gen.commit, whole=True)
        toc = _read_toc(gen.directory, gen.commit)
        for segment in toc.segments:
            try:
                SegmentReader(FileStorage(str(gen.directory)), toc.schema, segment).close()
            except Exception as e:
                files = gen.directory / f"{segment.segment_id()}.*"
                raise IndexUnreadable(str(files), "a file of this segment cannot be read "
                                                  f"({type(e).__name__}: {e})") from None
    except IndexUnreadable as e:
        return e
    return None


#: Errors about the request or the index's state, never about damage.
_NOT_DAMAGE = (IndexError_, SearchError, FacetTimeout)


class Watch:
    """Looks for damage when reading an index fails, once per index state."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._found: dict[str, IndexUnreadable | None] = {}
        self._lock = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Turn an error from reading a damaged index into IndexUnreadable naming the file."""
        try:
            yield
        except _NOT_DAMAGE:
            raise
        except Exception as e:
            try:
                gen = store.current_generation(self.index_dir)
            except IndexUnreadable:
                raise
            except IndexError_:
                raise e from None  # the index went away meanwhile: nothing to diagnose
            with self._lock:
                if gen.label not in self._found:
                    self._found[gen.label] = diagnose(gen)
                    if self._found[gen.label] is not None:
                        log.error("%s (found after %s: %s)", self._found[gen.label], type(e).__name__, e)
                damage = self._found[gen.label]
            if damage is None:
                raise
            raise IndexUnreadable(damage.path, damage.problem) from e
