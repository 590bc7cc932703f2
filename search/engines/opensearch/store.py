"""The indexes behind an alias: concrete indexes, their metadata, the files, the writer lock.

For the alias ``NAME`` the engine keeps:

* ``NAME-000003``: a concrete index, the one the alias points to (the
  ``-NNNNNN`` number grows with each rebuild);
* its mapping's ``_meta``: ``mapping_version``, ``roots`` (what the indexer
  rescans), ``commit`` (counts commits, so the generation ``3.17`` changes
  with each), ``last_indexed`` (ISO time of the last commit);
* in the cluster's ``newsarchive-writer-locks`` index, the document ``NAME``
  while an indexer writes (the writer lock; one such index serves every alias).

Each article document carries its file's state (``source``, ``content_hash``,
``file_size``, ``mtime_ns``): the files an index was built from are read
from the documents themselves.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy import exceptions as ox

from search.errors import BadIndexTarget, IndexBusy, IndexError_
from search.models import KnownFile, SourceState

from .mapping import MAPPING_VERSION

log = logging.getLogger(__name__)

LOCKS = "newsarchive-writer-locks"
#: Documents read per request when listing an index's files.
SCAN_PAGE = 5_000
FILE_FIELDS = ["source", "id", "content_hash", "file_size", "mtime_ns",
               {"field": "indexed_at", "format": "epoch_second"}]


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


def write_meta(client: OpenSearch, index: str, roots: list[str], commit: int) -> dict[str, Any]:
    meta = {"mapping_version": MAPPING_VERSION, "roots": roots, "commit": commit,
            "last_indexed": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}
    client.indices.put_mapping(index=index, body={"_meta": meta})
    return meta


def _first(hit: dict[str, Any], name: str, default: Any = None) -> Any:
    values = hit.get("fields", {}).get(name)
    return values[0] if values else default


def scan_files(client: OpenSearch, index: str) -> tuple[dict[str, KnownFile], dict[str, int]]:
    """(source -> what the index holds of it, source -> when it first entered the index)."""
    files: dict[str, KnownFile] = {}
    entered: dict[str, int] = {}
    body = {"query": {"match_all": {}}, "_source": False, "docvalue_fields": FILE_FIELDS}
    for hit in helpers.scan(client, query=body, index=index, size=SCAN_PAGE, scroll="5m"):
        source = _first(hit, "source")
        if source is None:
            continue
        state = SourceState(_first(hit, "content_hash", ""), int(_first(hit, "file_size", 0)),
                            int(_first(hit, "mtime_ns", 0)))
        files[source] = KnownFile(_first(hit, "id", hit["_id"]), state)
        when = _first(hit, "indexed_at")
        if when is not None:
            entered[source] = int(float(when))
    return files, entered


# --- the writer lock -------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    seq_no: int
    primary_term: int
    stale_pid: int | None  # a dead indexer's lock, cleared on the way in


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire(client: OpenSearch, alias: str, where: str, timeout: float) -> Lock:
    """Take the alias's writer lock, waiting up to ``timeout`` seconds.

    A lock left by a dead indexer on this host is cleared; one held from
    another host is waited for (it says which pid on which host holds it).
    """
    name = LOCKS
    if not client.indices.exists(index=name):
        try:
            client.indices.create(index=name, body={"settings": {"number_of_shards": 1,
                                                                 "auto_expand_replicas": "0-1"}})
        except ox.RequestError as e:
            if e.error != "resource_already_exists_exception":
                raise
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
        if host == me["host"] and isinstance(pid, int) and not _pid_alive(pid):
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
