"""The Whoosh engine: an index directory answering :class:`search.engine.Engine`."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from search.blocks import typed_blocks
from search.errors import IndexUnreadable
from search.models import (Answer, ArticleRow, Export, FacetValue, Hit, IndexState, IndexStats, Sources,
                           StoredArticle, ValidRequest)
from search.query import Node, dates
from search.snippets import ArticleMarks

from . import export as export_mod
from . import related as related_mod
from . import damage, searching, store
from .schema import stored_record
from .searchers import Searchers
from .session import WhooshWriterSession


log = logging.getLogger(__name__)


class WhooshEngine:
    """Searches and writes the index in ``index_dir`` (see :mod:`.store` for its layout).

    Opens nothing until asked: searchers are opened per thread on first use.
    """

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._searchers = Searchers(self.index_dir)
        self._matches = searching.match_cache()
        self._damage = damage.Watch(self.index_dir)

    def __repr__(self) -> str:
        return f"WhooshEngine({str(self.index_dir)!r})"

    @property
    def generation(self) -> str:
        return store.current_generation(self.index_dir).label

    def check(self) -> None:
        # Whoosh unpickles its files: a directory others can write is refused
        # before anything is read from it, whether or not it holds an index yet.
        if self.index_dir.is_dir():
            store.check_permissions(self.index_dir)
        try:
            store.current_generation(self.index_dir)  # IndexMissing until the indexer published
        except IndexUnreadable as e:  # served (503) until a rebuild repairs it
            log.warning("%s", e)

    def snapshot(self):
        """This thread's searcher and column table on the live index state
        (for tools that read the index directly, e.g. the benchmarks)."""
        return self._searchers.current()

    # --- reading ---------------------------------------------------------

    def search(self, request: ValidRequest, tree: Node | None) -> Answer:
        with self._damage.reading():
            started = time.perf_counter()
            snap = self._searchers.current()
            opened = time.perf_counter() - started
            if opened > 0.01:
                # A new index state's searcher and tables (built once per commit,
                # for every search after it) are not this search's work.
                request = replace(request, deadline=request.deadline.extended(opened))
            return searching.search(snap, self._matches, request, tree)

    def state(self) -> IndexState:
        gen = store.current_generation(self.index_dir)
        return store.index_state(gen.directory, gen.label, gen.commit)

    def export(self, request: ValidRequest, tree: Node | None, fields: frozenset[str]) -> Export:
        snap, release = self._searchers.private()
        return export_mod.export(snap, release, self._matches, request, tree, fields)

    def rows(self, ids: Sequence[str], fields: frozenset[str]) -> list[ArticleRow | None]:
        return export_mod.rows(self._searchers.current(), ids, fields)

    def article(self, doc_id: str) -> StoredArticle | None:
        with self._damage.reading():
            stored = self._searchers.current().searcher.document(id=doc_id)
        if stored is None:
            return None
        body = stored.get("body") or ""
        return StoredArticle(**stored_record(stored), body=body, blocks=typed_blocks(body, stored.get("blocks")),
                             story=stored.get("story") or None)

    def marks(self, doc_id: str, request: ValidRequest, tree: Node) -> ArticleMarks | None:
        with self._damage.reading():
            return searching.marks(self._searchers.current(), self._matches, request, tree, doc_id)

    def related(self, doc_id: str, limit: int) -> list[Hit]:
        with self._damage.reading():
            return related_mod.related(self._searchers.current(), doc_id, limit)

    def stats(self) -> IndexStats:
        with self._damage.reading():
            snap = self._searchers.current()
        table = snap.table
        live = table.live
        counts = np.bincount(table.section[live & (table.section >= 0)],
                             minlength=len(table.sections.values))
        sections = [FacetValue(v, int(c), False) for v, c in zip(table.sections.values, counts) if c]
        sections.sort(key=lambda fv: (-fv.count, fv.value))
        dated = table.day[live & (table.day != dates.NO_DATE)]
        try:
            when = store.last_indexed(snap.gen)
        except FileNotFoundError:
            when = time.time()
        return IndexStats(
            documents=int(live.sum()),
            sections=sections,
            date_min=dates.day_text(int(dated.min())) if len(dated) else None,
            date_max=dates.day_text(int(dated.max())) if len(dated) else None,
            generation=snap.label,
            last_indexed=dt.datetime.fromtimestamp(when, dt.timezone.utc).isoformat(timespec="seconds"),
            size_bytes=store.size_on_disk(snap.gen.directory),
        )

    def sources(self) -> Sources:
        try:
            live = store.live_dir(self.index_dir)
        except store.IndexMissing:
            return Sources()
        with self._damage.reading():
            ix = store.open_index(self.index_dir)
            try:
                return Sources(store.read_sources(live), store.read_files(ix), store.read_failures(live))
            finally:
                ix.close()

    def warm(self) -> None:
        self._searchers.current()  # opening a generation builds its tables

    def clear_caches(self) -> None:
        self._matches.clear()

    def close(self) -> None:
        self._searchers.close()

    # --- writing ---------------------------------------------------------

    def writer(self, *, rebuild: bool = False, lock_timeout: float = 60.0) -> WhooshWriterSession:
        return WhooshWriterSession(self.index_dir, rebuild=rebuild, lock_timeout=lock_timeout)
