"""The indexes behind an alias: concrete indexes, their metadata, the files, the writer lock.

For the alias ``NAME`` the engine keeps:

* ``NAME-000003``: a concrete index, the one the alias points to (the
  ``-NNNNNN`` number grows with each rebuild);
* its mapping's ``_meta``: ``mapping_version``, ``roots`` (what the indexer
  rescans), ``commit`` (counts commits, so the generation ``3.17`` changes
  with each), ``last_indexed`` (ISO time of the last commit, milliseconds);
* in the cluster's ``newsarchive-writer-locks`` index, the document ``NAME``
  while an indexer writes (the writer lock; one such index serves every alias);
* in the cluster's ``newsarchive-failures`` index, one document per file the
  indexer could not index (alias, path, content hash, reason): kept apart from
  the mapping's ``_meta``, which lives in the cluster state, however many fail.

Each article document carries its file's state (``source``, ``content_hash``,
``file_size``, ``mtime_ns``) and its stamps (``indexed_at``, ``changed_at``,
``fingerprint``): the files an index was built from, and the stamps a rebuild
keeps, are read from the documents themselves.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import socket
import time
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy import exceptions as ox

from search.errors import BadIndexTarget, IndexBusy, IndexError_, IndexUnreadable
from search.locks import pid_alive
from search.models import IndexState, KnownFailure, KnownFile, SourceState
from search.sourcepath import source_term, term_source
from search.stamps import Stamp

from .mapping import MAPPING_VERSION

log = logging.getLogger(__name__)

LOCKS = "newsarchive-writer-locks"
FAILURES = "newsarchive-failures"
#: Documents read per request when listing an index's files.
SCAN_PAGE = 5_000
FILE_FIELDS = ["source", "id", "content_hash", "file_size", "mtime_ns", "fingerprint",
               {"field": "indexed_at", "format": "epoch_millis"}, {"field": "changed_at", "format": "epoch_millis"}]


class IndexOutdated(IndexError_):
    """The live index was built with another mapping version: only a rebuild may write it."""


def concrete_name(alias: str, number: int) -> str:
    return f"{alias}-{number:06d}"


@dataclass(frozen=True)
class Live:
    """The concrete index an alias points to, and its ``_meta``."""

    index: str
    number: int
    meta: dict[str, Any]

    @property
    def generation(self) -> str:
        return f"{self.number}.{self.meta.get('commit', 0)}"

    @property
    def mapping_version(self) -> int | None:
        return self.meta.get("mapping_version")

    @property
    def state(self) -> IndexState:
        return IndexState(self.generation, self.meta.get("last_indexed"))


def live(client: OpenSearch, alias: str) -> Live | None:
    """What ``alias`` points to now; None when it does not exist."""
    try:
        resp = client.indices.get_mapping(index=alias, filter_path="*.mappings._meta")
    except ox.NotFoundError as e:
        if e.error == "index_not_found_exception":
            return None
        raise
    if not resp:  # an index with no _meta at all
        resp = {name: {} for name in client.indices.get_alias(index=alias)}
    if alias in resp:
        raise BadIndexTarget(f"'{alias}' is an index of its own, not an alias this program made: "
                             "give another name")
    if len(resp) != 1:
        raise BadIndexTarget(f"the alias '{alias}' points to {len(resp)} indexes; newsarchive's point to one")
    (index, body), = resp.items()
    m = re.fullmatch(rf"{re.escape(alias)}-(\d{{6}})", index)
    meta = body.get("mappings", {}).get("_meta", {})
    if m is None or "mapping_version" not in meta:
        raise BadIndexTarget(f"the alias '{alias}' points to '{index}', which is not a newsarchive index")
    return Live(index, int(m.group(1)), meta)


def concrete_indexes(client: OpenSearch, alias: str) -> dict[str, int]:
    """Every ``ALIAS-NNNNNN`` index (name -> number), live or not."""
    rows = client.cat.indices(index=f"{alias}-*", format="json", h="index", expand_wildcards="all")
    found = {}
    for row in rows:
        m = re.fullmatch(rf"{re.escape(alias)}-(\d{{6}})", row["index"])
        if m:
            found[row["index"]] = int(m.group(1))
    return found


def delete_unused(client: OpenSearch, names: list[str]) -> None:
    """Delete concrete indexes nothing searches any more, except those an export
    still reads through a point in time (the next run deletes them)."""
    for name in names:
        stats = client.indices.stats(index=name, metric="search")
        search = stats.get("_all", {}).get("total", {}).get("search", {})  # none for a red index
        if search.get("point_in_time_current", 0):
            log.info("left the replaced index %s for the next run: an export still reads it", name)
            continue
        client.indices.delete(index=name, ignore_unavailable=True)


def damage(health: dict[str, Any], index: str) -> IndexUnreadable:
    """The error for a red ``index`` (``health`` at shard level), naming its unreadable shards."""
    shards = health.get("indices", {}).get(index, {}).get("shards", {})
    red = sorted((int(n) for n, shard in shards.items() if shard.get("status") == "red"))
    where = f"{index} shard {', '.join(map(str, red))}" if red else index
    return IndexUnreadable(where, "no copy of it can be read (the cluster reports it red)")


def write_meta(client: OpenSearch, index: str, roots: list[str], commit: int, last_indexed: str | None) -> None:
    meta = {"mapping_version": MAPPING_VERSION, "roots": roots, "commit": commit, "last_indexed": last_indexed}
    client.indices.put_mapping(index=index, body={"_meta": meta})


def _first(hit: dict[str, Any], name: str, default: Any = None) -> Any:
    values = hit.get("fields", {}).get(name)
    return values[0] if values else default


def scan_files(client: OpenSearch, index: str) -> tuple[dict[str, KnownFile], dict[str, Stamp]]:
    """(source -> what the index holds of it, article id -> its stamp)."""
    files: dict[str, KnownFile] = {}
    stamps: dict[str, Stamp] = {}
    body = {"query": {"match_all": {}}, "_source": False, "docvalue_fields": FILE_FIELDS}
    for hit in helpers.scan(client, query=body, index=index, size=SCAN_PAGE, scroll="5m",
                            allow_partial_search_results=False):
        doc_id = _first(hit, "id", hit["_id"])
        indexed, changed = _first(hit, "indexed_at"), _first(hit, "changed_at")
        if indexed is not None and changed is not None:
            stamps[doc_id] = Stamp(int(indexed), int(changed), _first(hit, "fingerprint", ""))
        source = _first(hit, "source")
        if source is None:
            continue
        source = term_source(source)
        state = SourceState(_first(hit, "content_hash", ""), int(_first(hit, "file_size", 0)),
                            int(_first(hit, "mtime_ns", 0)))
        files[source] = KnownFile(doc_id, state)
    return files, stamps


def scan_stories(client: OpenSearch, index: str) -> list[tuple[str, str, bytes]]:
    """(source, story, signature) of each article in ``index`` (``indexer.stories``)."""
    body = {"query": {"match_all": {}}, "_source": ["source", "story", "signature"]}
    return [(term_source(hit["_source"].get("source") or ""), hit["_source"].get("story") or "",
             base64.b64decode(hit["_source"].get("signature") or ""))
            for hit in helpers.scan(client, query=body, index=index, size=SCAN_PAGE, scroll="5m",
                                    allow_partial_search_results=False)]


# --- known failures --------------------------------------------------------


def _failure_id(alias: str, path: str) -> str:
    return hashlib.sha1(f"{alias}\0{path}".encode("utf-8", "surrogatepass")).hexdigest()


def read_failures(client: OpenSearch, alias: str) -> dict[str, KnownFailure]:
    """The alias's known failures (path -> what failed and why)."""
    if not client.indices.exists(index=FAILURES):
        return {}
    body = {"query": {"term": {"alias": alias}}}
    return {term_source(hit["_source"]["path"]): KnownFailure(hit["_source"]["content_hash"], hit["_source"]["reason"])
            for hit in helpers.scan(client, query=body, index=FAILURES, size=SCAN_PAGE, scroll="5m")}


def write_failures(client: OpenSearch, alias: str, before: dict[str, KnownFailure],
                   after: dict[str, KnownFailure]) -> None:
    """Turn the alias's records ``before`` into ``after`` (only what differs is written)."""
    if before == after:
        return
    if not client.indices.exists(index=FAILURES):
        _create(client, FAILURES, {"settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                                   "mappings": {"properties": {
                                       "alias": {"type": "keyword"}, "path": {"type": "keyword", "index": False},
                                       "content_hash": {"type": "keyword", "index": False},
                                       "reason": {"type": "text", "index": False}}}})
    actions: list[dict[str, Any]] = [
        {"_op_type": "delete", "_index": FAILURES, "_id": _failure_id(alias, path)}
        for path in before.keys() - after.keys()]
    actions += [{"_index": FAILURES, "_id": _failure_id(alias, path),
                 "_source": {"alias": alias, "path": source_term(path), "content_hash": f.content_hash, "reason": f.reason}}
                for path, f in after.items() if before.get(path) != f]
    # Raises BulkIndexError naming every refused record (a gone one is no error).
    helpers.bulk(client, actions, refresh="true", raise_on_error=True, ignore_status=(404,))


def _create(client: OpenSearch, name: str, body: dict[str, Any]) -> None:
    """Create a shared index unless another process just did."""
    try:
        client.indices.create(index=name, body=body)
    except ox.RequestError as e:
        if e.error != "resource_already_exists_exception":
            raise


# --- the writer lock -------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    seq_no: int
    primary_term: int
    stale_pid: int | None  # a dead indexer's lock, cleared on the way in


def acquire(client: OpenSearch, alias: str, where: str, timeout: float) -> Lock:
    """Take the alias's writer lock, waiting up to ``timeout`` seconds.

    A lock left by a dead indexer on this host is cleared; one held from
    another host is waited for (it says which pid on which host holds it).
    """
    name = LOCKS
    if not client.indices.exists(index=name):
        _create(client, name, {"settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}})
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": int(time.time())}
    deadline = time.monotonic() + timeout
    stale = None
    while True:
        try:
            resp = client.create(index=name, id=alias, body=me, refresh="true")
            return Lock(resp["_seq_no"], resp["_primary_term"], stale)
        except ox.ConflictError:
            pass
        try:
            held = client.get(index=name, id=alias)
        except ox.NotFoundError:
            continue  # released meanwhile
        holder = held["_source"]
        pid, host = holder.get("pid"), holder.get("host")
        if host == me["host"] and isinstance(pid, int) and not pid_alive(pid):
            try:
                client.delete(index=name, id=alias, if_seq_no=held["_seq_no"],
                              if_primary_term=held["_primary_term"], refresh="true")
                stale = pid
            except (ox.ConflictError, ox.NotFoundError):
                log.debug("another indexer cleared the stale lock of pid %s first", pid)
            continue
        if time.monotonic() >= deadline:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("since", 0)))
            raise IndexBusy(
                f"another indexer (pid {pid} on {host}, since {since}) holds the writer lock of {where}; "
                f"gave up after {timeout:g}s (if it is gone for good, delete the document '{alias}' "
                f"of the index '{name}')")
        time.sleep(0.2)


def release(client: OpenSearch, alias: str, lock: Lock) -> None:
    try:
        client.delete(index=LOCKS, id=alias, if_seq_no=lock.seq_no,
                      if_primary_term=lock.primary_term, refresh="true")
    except (ox.ConflictError, ox.NotFoundError) as e:
        # Cleared by someone who took it for a dead indexer's: nothing of ours to remove.
        log.warning("the writer lock of '%s' was no longer ours to release (%s)", alias, type(e).__name__)
