"""Per-thread Whoosh searchers on the live generation, and its shared column table.

Freshness: every call reads the index's current generation (a readlink and a
directory listing) and, when it changed, closes this thread's searcher and
opens a new one. Whoosh searchers are not safe for concurrent use, so each
thread keeps its own; the per-generation numpy table is shared read-only.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from search.models import IndexState

from . import damage, phrases, readahead, store
from .bm25 import FIELD_BOOSTS, weighting
from .compile import PHRASE_FIELDS
from .doctable import DocTable
from .suggest import SPELLING_FIELDS

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Open:
    """One thread's searcher on one generation."""

    label: str
    gen: store.Generation
    searcher: object


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What one request reads: a searcher and the table of one index state."""

    label: str  # "<generation>.<commit>": changes whenever the index changes
    gen: store.Generation
    searcher: object
    table: DocTable

    def state(self) -> IndexState:
        commit = self.searcher.reader().generation()
        return store.index_state(self.gen.directory, self.label,
                                 self.gen.commit if commit is None else commit)


class StoredFields:
    """One search's reads of stored fields, each document read once: its hits,
    their listed copies and the spellings panel's sample share many documents,
    and each read unpickles a whole article."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._read: dict[int, dict] = {}

    def stored_fields(self, docnum: int) -> dict:
        stored = self._read.get(docnum)
        if stored is None:
            stored = self._read[docnum] = self.searcher.stored_fields(docnum)
        return stored


class _Slot:
    """Lives in one thread's ``threading.local``; Python drops it when the
    thread ends, and a finalizer then closes that thread's searcher (servers
    that start a thread per request would otherwise leak one per request)."""

    __slots__ = ("box", "__weakref__")

    def __init__(self) -> None:
        self.box: list[_Open | None] = [None]


def _release(owner_ref: "weakref.ref[Searchers]", box: list) -> None:
    owner = owner_ref()
    opened = box[0]
    if owner is not None and opened is not None:
        owner._retire(opened)


class Searchers:
    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._local = threading.local()
        self._lock = threading.Lock()
        self._tables: dict[str, DocTable] = {}
        self._all_open: list[_Open] = []  # every searcher opened, to close them all
        self._verified: set[str] = set()  # index states found undamaged (see .damage)
        self._closed = False

    def current(self) -> Snapshot:
        """This thread's searcher on the live index state (reopened when it changed)."""
        if self._closed:
            raise RuntimeError("SearchService is closed")
        gen = store.current_generation(self.index_dir)
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is None:
            slot = self._local.slot = _Slot()
            weakref.finalize(slot, _release, weakref.ref(self), slot.box)
        opened = slot.box[0]
        if opened is None or opened.label != gen.label:
            if opened is not None:
                slot.box[0] = None
                self._retire(opened)
            opened = slot.box[0] = self._open(gen)
        return Snapshot(opened.label, opened.gen, opened.searcher, self._table(opened))

    def private(self) -> tuple[Snapshot, Callable[[], None]]:
        """A snapshot of the live state with a searcher of its own, for a long read
        (an export) that may outlive this thread's turn, and the call that closes it."""
        if self._closed:
            raise RuntimeError("SearchService is closed")
        opened = self._open(store.current_generation(self.index_dir))
        return (Snapshot(opened.label, opened.gen, opened.searcher, self._table(opened)),
                lambda: self._retire(opened))

    def open_count(self) -> int:
        with self._lock:
            return len(self._all_open)

    def _open(self, gen: store.Generation) -> _Open:
        if gen.label not in self._verified:
            damage.verify(gen.directory, gen.commit)  # once per index state in this process
            self._verified.add(gen.label)
            readahead.start(gen.directory)
        ix = store.open_index(self.index_dir, gen)
        searcher = ix.searcher(weighting=weighting())
        # The index may have committed again between reading the generation
        # and opening it: label what was actually opened.
        label = f"{gen.number}.{searcher.reader().generation()}"
        opened = _Open(label, gen, searcher)
        with self._lock:
            self._all_open.append(opened)
        return opened

    def _retire(self, opened: _Open) -> None:
        with self._lock:
            if opened not in self._all_open:
                return  # already closed (by close())
            self._all_open.remove(opened)
            still_used = {o.label for o in self._all_open}
            for label in [k for k in self._tables if k not in still_used]:
                del self._tables[label]
        opened.searcher.close()

    def _table(self, opened: _Open) -> DocTable:
        table = self._tables.get(opened.label)
        if table is None:
            with self._lock:
                table = self._tables.get(opened.label)
                if table is None:
                    reader = opened.searcher.reader()
                    table = DocTable.build(reader)
                    # What nearly every search needs, built now rather than
                    # inside the first searches' time budgets.
                    for fieldname in FIELD_BOOSTS:
                        table.field_lengths(reader, fieldname)
                    table.spelling_words(reader, SPELLING_FIELDS)
                    table.story_members()  # results collapse by default
                    # and the positions a phrase with a frequent stop word reads whole
                    phrases.preload(opened.searcher, table.postings, PHRASE_FIELDS)
                    self._tables[opened.label] = table
        return table

    def close(self) -> None:
        with self._lock:
            self._closed = True
            opened, self._all_open = self._all_open, []
            self._tables.clear()
        for o in opened:
            try:
                o.searcher.close()
            except Exception:  # already closed by its thread: nothing left to free
                log.debug("searcher of generation %s was already closed", o.label, exc_info=True)
