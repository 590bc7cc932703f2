"""The OpenSearch writer session: one indexing run's changes, committed on leaving the block.

Entering takes the alias's writer lock (``store``). Two ways to write:

* incremental (the alias exists, no rebuild): the run's changes are kept in
  a spool file until the commit, which sends them as bulk requests to the
  live index and refreshes it: they become searchable together, and a run
  that fails before its commit leaves the live index as it was;
* a new index (a rebuild, or the alias's first run): the documents go
  straight into a new concrete index, which nobody searches yet; the commit
  refreshes it, gives it its replicas, points the alias at it atomically
  (the old one answers until then) and deletes the old one. A failed run
  deletes its new index.

Every article is stamped by the rule of :mod:`search.stamps` (the stamps of
the live index, read when the session begins, are kept by id, also by a
rebuild). A session that changed no article publishes nothing: the generation
and the time of the last commit stay (changed roots and known failures are
still saved). Known failures live beside the index (``store.FAILURES``).

Documents the cluster refuses are named in :attr:`failed` (file -> reason).
Extraction runs in the indexer's worker processes, which send the articles
here (:meth:`parts` is None); bulk requests go out from a background thread.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import replace
from typing import Any

from search import stamps
from search.errors import IndexUnreadable
from search.ids import IdClaims
from search.models import Article, KnownFailure, Sources, SourceState

from . import bulk, store
from .cluster import Cluster
from .documents import to_document
from .mapping import MAPPING_VERSION, index_body, replica_settings

log = logging.getLogger(__name__)

#: Seconds the commit of a new index waits for its primaries (yellow) before the swap.
READY_TIMEOUT = 300


class OpenSearchWriterSession:
    """:class:`search.engine.WriterSession` for an alias on an OpenSearch cluster."""

    def __init__(self, cluster: Cluster, *, rebuild: bool, lock_timeout: float, shards: int | None = None,
                 replicas: int | None = None):
        self.cluster = cluster
        self.client = cluster.client
        self.alias = cluster.alias
        self.shards = shards
        self.replicas = replicas
        self.rebuild = rebuild
        self.lock_timeout = lock_timeout
        self.previous = Sources()
        self.warnings: list[str] = []
        self.failed: dict[str, str] = {}
        self.documents = 0
        self.generation = ""
        self._lock: store.Lock | None = None
        self._live: store.Live | None = None
        self._new: str | None = None  # the new concrete index, when writing one
        self._roots: list[str] = []
        self._claims = IdClaims()
        self._stamps: dict[str, stamps.Stamp] = {}  # article id -> its stamp in the live index
        self._stored_failures: dict[str, KnownFailure] = {}  # what the failures index holds
        self._failures: dict[str, KnownFailure] = {}  # what this session will leave there
        self._replaced: set[str] = set()
        self._hashes: dict[str, str] = {}  # source -> content hash of the article added from it
        self._sender: bulk.BulkSender | None = None
        self._spool: Any = None
        self._changes = 0
        self._now = 0

    def _calls(self, doing: str):
        return self.cluster.calls(doing)

    # --- the block -------------------------------------------------------

    def __enter__(self) -> OpenSearchWriterSession:
        with self._calls("start an indexing run"):
            self._lock = store.acquire(self.client, self.alias, self.cluster.target.display, self.lock_timeout)
            try:
                self._begin()
            except BaseException:
                self._release()
                raise
        if self._lock.stale_pid:
            self.warnings.append(f"cleared the lock left by indexer pid {self._lock.stale_pid}, "
                                 "which is no longer running")
        return self

    def _begin(self) -> None:
        # One time for the whole run, taken under the lock (see search.stamps).
        self._now = stamps.now_ms()
        self._live = store.live(self.client, self.alias)
        live = self._live
        if live is not None and not self.rebuild and live.mapping_version != MAPPING_VERSION:
            raise store.IndexOutdated(
                f"the index at {self.cluster.target.display} has mapping version {live.mapping_version}, "
                f"this newsarchive writes version {MAPPING_VERSION}: run 'newsarchive index --rebuild'")
        existing = store.concrete_indexes(self.client, self.alias)
        store.delete_unused(self.client, [name for name in existing if live is None or name != live.index])
        files: dict = {}
        if live is not None:
            try:
                files, self._stamps = self._scan(live.index)
            except IndexUnreadable as e:
                if not self.rebuild:
                    raise
                self.warnings.append(f"{e}; articles are stamped as first indexed now")
        self._stored_failures = store.read_failures(self.client, self.alias)
        self._roots = list(live.meta.get("roots", [])) if live else []
        if live is None or self.rebuild:
            number = max([*existing.values(), 0]) + 1
            self._new = store.concrete_name(self.alias, number)
            self.client.indices.create(index=self._new, body=index_body(self.shards or 1,
                                                                        self.replicas))
            self._sender = bulk.BulkSender(self.client)
            files = {} if self.rebuild else files
        else:
            self._spool = tempfile.SpooledTemporaryFile(max_size=64 << 20, mode="w+", encoding="utf-8")
            if self.shards and self.shards != self._shards(live.index):
                self.warnings.append("--shards takes effect when the index is built anew (--rebuild)")
        # A new index starts with no known failures; an incremental run carries them forward.
        self._failures = {} if self._new is not None else dict(self._stored_failures)
        self.previous = Sources(self._roots, files, dict(self._failures))
        self._claims = IdClaims({k.doc_id: src for src, k in files.items()})

    def _scan(self, index: str):
        """The live index's files and stamps; IndexUnreadable when a shard cannot be read."""
        health = self.client.cluster.health(index=index, level="shards", request_timeout=60)
        if health["status"] == "red":
            raise store.damage(health, index)
        return store.scan_files(self.client, index)

    def __exit__(self, kind, error, tb) -> None:
        try:
            if error is None:
                with self._calls("commit the indexing run"):
                    self._commit()
        except BaseException:
            self._abandon()
            raise
        else:
            if error is not None:
                self._abandon()
        finally:
            self._release()

    def _abandon(self) -> None:
        if self._sender is not None:
            self._sender.abandon()
        if self._spool is not None:
            self._spool.close()
        if self._new is not None:
            try:
                with self._calls("delete the unfinished index"):
                    self.client.indices.delete(index=self._new, ignore_unavailable=True)
            except Exception as e:  # the next run deletes it (store.concrete_indexes)
                log.warning("could not delete the unfinished index %s: %s", self._new, e)

    def _release(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            try:
                with self._calls("release the writer lock"):
                    store.release(self.client, self.alias, lock)
            except Exception as e:  # the next run on this host clears a dead indexer's lock
                log.warning("could not release the writer lock of %s: %s", self.cluster.target.display, e)

    # --- committing ------------------------------------------------------

    def _commit(self) -> None:
        if self._new is not None:
            self._commit_new()
        else:
            self._commit_incremental()
        store.write_failures(self.client, self.alias, self._stored_failures, self._failures)
        self.documents = self.client.count(index=self.alias)["count"]
        live = store.live(self.client, self.alias)
        assert live is not None
        self.generation = live.generation

    def _refused(self, failed: dict[str, str]) -> None:
        """Documents the cluster refused: reported, and known failures while their file is unchanged."""
        self.failed.update(failed)
        for source, reason in failed.items():
            if source in self._hashes:
                self._failures[source] = KnownFailure(self._hashes[source], reason)

    def _commit_time(self) -> str | None:
        """When this commit becomes visible: after every stamp it wrote (``IndexState.last_indexed``)."""
        return stamps.iso(max(stamps.now_ms(), self._now + 1))

    def _commit_incremental(self) -> None:
        live = self._live
        assert live is not None and self._spool is not None
        replicas = self.replicas
        if replicas is not None and replicas != self._replicas(live.index):
            self.client.indices.put_settings(index=live.index, body={"index": replica_settings(replicas)})
        if not self._changes:
            # Nothing changed: nothing published, the generation and its time stay.
            if self._roots != list(live.meta.get("roots", [])):
                store.write_meta(self.client, live.index, self._roots, int(live.meta.get("commit", 0)),
                                 live.meta.get("last_indexed"))
            return
        sender = bulk.BulkSender(self.client)
        self._spool.seek(0)
        for line in self._spool:
            source, lines = json.loads(line)
            sender.add(source, tuple(lines))
        sender.finish()
        self._refused(sender.failed)
        self.client.indices.refresh(index=live.index)
        store.write_meta(self.client, live.index, self._roots, int(live.meta.get("commit", 0)) + 1,
                         self._commit_time())

    def _commit_new(self) -> None:
        assert self._sender is not None and self._new is not None
        self._sender.finish()
        self._refused(self._sender.failed)
        new = self._new
        self.client.indices.refresh(index=new)
        store.write_meta(self.client, new, self._roots, 1, self._commit_time())
        self.client.cluster.health(index=new, wait_for_status="yellow", params={"timeout": f"{READY_TIMEOUT}s"},
                                   request_timeout=READY_TIMEOUT + 30)
        actions: list[dict[str, Any]] = [{"add": {"index": new, "alias": self.alias}}]
        if self._live is not None:
            actions.insert(0, {"remove": {"index": self._live.index, "alias": self.alias}})
        self.client.indices.update_aliases(body={"actions": actions})
        self._new = None  # published: no longer ours to delete
        if self._live is not None:
            try:
                store.delete_unused(self.client, [self._live.index])
            except Exception as e:  # searchable no more; the next run deletes it
                log.warning("could not delete the replaced index %s: %s", self._live.index, e)

    def _shards(self, index: str) -> int:
        settings = self.client.indices.get_settings(index=index, name="index.number_of_shards")
        return int(settings[index]["settings"]["index"]["number_of_shards"])

    def _replicas(self, index: str) -> int | None:
        settings = self.client.indices.get_settings(index=index, name="index.*_replicas")
        found = settings[index]["settings"]["index"]
        if found.get("auto_expand_replicas", "false") not in ("false", False):
            return None
        return int(found.get("number_of_replicas", 0))

    # --- changes ---------------------------------------------------------

    def _write(self, source: str, lines: tuple[str, ...]) -> None:
        self._changes += 1
        if self._sender is not None:
            with self._calls("index"):
                self._sender.add(source, lines)
        else:
            # ASCII JSON: a source that is not valid UTF-8 keeps its escaped surrogates.
            self._spool.write(json.dumps([source, lines]) + "\n")

    def add(self, article: Article, state: SourceState) -> str:
        index = self._new or (self._live.index if self._live else self.alias)
        doc_id = self._claims.claim(article.id, article.source)
        known = self.previous.files.get(article.source)
        if known is not None and known.doc_id != doc_id and article.source not in self._replaced:
            self._write(article.source, bulk.delete_action(index, known.doc_id))
        self._replaced.add(article.source)
        self._failures.pop(article.source, None)
        self._hashes[article.source] = state.content_hash
        article = replace(article, id=doc_id)
        stamp = stamps.restamp(self._stamps.get(doc_id), stamps.fingerprint(article), self._now)
        self._write(article.source, bulk.index_action(index, doc_id, to_document(article, state, stamp)))
        return doc_id

    def remove(self, source: str) -> None:
        self._failures.pop(source, None)
        known = self.previous.files.get(source)
        if known is None:
            return
        self._write(source, bulk.delete_action(self._live.index if self._live else self.alias, known.doc_id))
        self._claims.release(known.doc_id, source)

    def stories(self) -> list[tuple[str, str, bytes]]:
        if self._new is not None or self._live is None:
            return []  # a new index starts with no stories
        with self._calls("read the stories of the live index"):
            return store.scan_stories(self.client, self._live.index)

    def record_failure(self, path: str, content_hash: str, reason: str) -> None:
        self._failures[path] = KnownFailure(content_hash, reason)

    def set_roots(self, roots: list[str]) -> None:
        self._roots = list(roots)

    def parts(self, count: int) -> None:
        return None  # workers send their articles here: one writer per cluster client

    def accept(self, receipt: Any) -> bool:
        raise TypeError("the OpenSearch writer session has no part writers")

    def adopt(self, result: Any) -> None:
        raise TypeError("the OpenSearch writer session has no part writers")
