"""Bulk requests from a background thread, with every document's outcome kept.

The indexing process parses (through its worker pool) while this thread
sends the previous batch; a batch is at most ``BATCH_DOCS`` documents or
``BATCH_BYTES`` of JSON. A document the cluster refuses is recorded with
its file and the cluster's reason (:attr:`BulkSender.failed`), never
dropped silently; a request that fails as a whole stops the run.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

from opensearchpy import OpenSearch

BATCH_DOCS = 500
BATCH_BYTES = 8_000_000
#: Seconds one bulk request may take (a large batch on a busy cluster).
BULK_TIMEOUT = 300
#: Longest reason kept for a refused document.
MAX_REASON = 300


def index_action(index: str, doc_id: str, doc: dict[str, Any]) -> tuple[str, str]:
    return (json.dumps({"index": {"_index": index, "_id": doc_id}}),
            json.dumps(doc, ensure_ascii=False))


def delete_action(index: str, doc_id: str) -> tuple[str]:
    return (json.dumps({"delete": {"_index": index, "_id": doc_id}}),)


class BulkSender:
    """Sends (source, action lines) in batches from one background thread."""

    def __init__(self, client: OpenSearch):
        self.client = client
        self.failed: dict[str, str] = {}  # source -> reason
        self.sent = 0
        self._batch: list[tuple[str, tuple[str, ...]]] = []
        self._bytes = 0
        self._queue: queue.Queue[list[tuple[str, tuple[str, ...]]] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bulk-sender", daemon=True)
        self._thread.start()

    def add(self, source: str, lines: tuple[str, ...]) -> None:
        self._raise_if_failed()
        self._batch.append((source, lines))
        self._bytes += sum(len(line) for line in lines)
        if len(self._batch) >= BATCH_DOCS or self._bytes >= BATCH_BYTES:
            self._hand_over()

    def finish(self) -> None:
        """Send what is left and wait for every request; raises what a request raised."""
        self._hand_over()
        self._queue.put(None)
        self._thread.join()
        self._raise_if_failed()

    def abandon(self) -> None:
        """Stop without sending what is left (the run failed)."""
        self._batch = []
        self._queue.put(None)
        self._thread.join()

    def _hand_over(self) -> None:
        if self._batch:
            self._queue.put(self._batch)
            self._batch, self._bytes = [], 0

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            if self._error is not None:
                continue  # drain: the run is failing anyway
            try:
                self._send(batch)
            except BaseException as e:  # handed to the indexing thread, which stops the run
                self._error = e

    def _send(self, batch: list[tuple[str, tuple[str, ...]]]) -> None:
        body = "\n".join(line for _, lines in batch for line in lines) + "\n"
        resp = self.client.bulk(body=body, request_timeout=BULK_TIMEOUT)
        self.sent += len(batch)
        if not resp.get("errors"):
            return
        for (source, lines), item in zip(batch, resp["items"]):
            (op, result), = item.items()
            error = result.get("error")
            if error is None or (op == "delete" and result.get("status") == 404):
                continue
            reason = f"{error.get('type', 'error')}: {error.get('reason', '')}" if isinstance(error, dict) else str(error)
            what = "the index refused it" if op == "index" else "could not remove it from the index"
            self.failed[source] = f"{what} ({reason[:MAX_REASON]})"
