"""A thread-safe least-recently-used cache bounded by entries and by size."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class SizedLRU(Generic[V]):
    """Keeps at most ``max_entries`` values whose sizes sum to at most ``budget``;
    the least recently used go first. A value larger than the budget is not kept."""

    def __init__(self, budget: int, max_entries: int | None = None):
        self.budget = budget
        self.max_entries = max_entries
        self._items: dict[Hashable, tuple[V, int]] = {}  # insertion order = recency
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            item = self._items.pop(key, None)
            if item is None:
                return None
            self._items[key] = item  # most recently used goes last
            return item[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        if size > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._items[key] = (value, size)
            self._size += size
            while self._size > self.budget or (
                    self.max_entries is not None and len(self._items) > self.max_entries):
                self._size -= self._items.pop(next(iter(self._items)))[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0
