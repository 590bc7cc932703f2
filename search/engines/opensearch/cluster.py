"""One alias on one cluster: the client, its calls in the product's terms, the live index.

A search's time budget (:class:`search.models.Deadline`) reaches the
cluster three ways: the search body's ``timeout`` (the shards stop
collecting when it runs out and say ``timed_out``), the search's
``cancel_after_time_interval`` (the cluster cancels the whole task a little
later, freeing its threads), and the client's request timeout (this process
stops waiting at the same time, without trying again). Each ends in
:class:`search.models.OutOfTime`; partial results are never passed on as
whole. A cluster that does not answer at all within a budget therefore
looks like an expensive search; without a budget it is ``IndexUnavailable``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from opensearchpy import exceptions as ox

from search.errors import IndexMissing, IndexUnreadable
from search.models import NO_DEADLINE, Deadline, OutOfTime

from . import store
from .client import TIMEOUT, connect, reason_of, translated
from .target import Target

log = logging.getLogger(__name__)

#: Seconds the client and the task cancellation wait past a deadline for the
#: cluster's own (timed-out) answer: the network and the reply's serialisation.
MARGIN = 0.25
#: What a cluster's error says when it stopped a request at our limit.
_STOPPED = ("timed out", "timeout", "cancelled", "time exceeded")

T = TypeVar("T")

#: Errors of a node that left the cluster during a search (the cluster's own words).
NODE_LOST = ("node_disconnected_exception", "node_not_connected_exception", "node_closed_exception")
#: Seconds before each new try of a search that lost a node: until the
#: cluster has noticed the node is gone (seconds on a busy machine), its
#: searches can still be sent there. Short first pauses, so that a search
#: with little of its time budget left still gets a new try.
RETRY_PAUSES = (0.1, 0.25, 0.5, 1.0, 2.0)


class Cluster:
    """What searching and writing share: the target, its client and alias."""

    def __init__(self, target: Target):
        self.target = target
        self.alias = target.alias
        self.client = connect(target)
        # Requests within a search's budget: one that timed out is not tried
        # again (that would wait the budget once more per retry).
        self.budgeted = connect(target, retry_on_timeout=False)
        self.closed = False

    @contextmanager
    def calls(self, doing: str) -> Iterator[None]:
        """A block of cluster calls whose failures become the product's index errors."""
        if self.closed:
            raise RuntimeError(f"the engine for {self.target.display} is closed")
        try:
            with translated(self.target, doing):
                yield
        except IndexUnreadable as e:
            if e.path != self.target.display:
                raise
            raise self._red_shards(e) from None

    def _red_shards(self, error: IndexUnreadable) -> IndexUnreadable:
        """``error`` naming the shards the cluster reports red, when the failure named none."""
        try:
            health = self.client.cluster.health(index=self.alias, level="shards", request_timeout=10)
            (index, _), = health["indices"].items()
        except Exception as e:  # the failure is told as it came
            log.debug("could not ask %s which shards are red: %s", self.target.display, e)
            return error
        return store.damage(health, index) if health["status"] == "red" else IndexUnreadable(index, error.problem)

    def live(self) -> store.Live:
        """The concrete index behind the alias now; IndexMissing when there is none."""
        with self.calls("read the index"):
            found = store.live(self.client, self.alias)
        if found is None:
            raise IndexMissing(f"no index at {self.target.display}: run 'newsarchive index PATH "
                               f"--index {self.target.display}' first")
        return found

    def search(self, body: dict[str, Any], deadline: Deadline = NO_DEADLINE) -> dict[str, Any]:
        """One search on the alias; within ``deadline`` (else OutOfTime) when it is finite."""
        if math.isinf(deadline.at):
            with self.calls("search"):
                return self._again_while_node_lost(
                    lambda: self.client.search(index=self.alias, body=body, allow_partial_search_results=False),
                    deadline)
        remaining = _left(deadline)
        cut = f"{math.ceil((remaining + MARGIN) * 1000)}ms"
        found = self.within(deadline, "search", lambda client, wait: self._again_while_node_lost(
            lambda: client.search(
                index=self.alias, body={**body, "timeout": f"{max(1, math.floor(remaining * 1000))}ms"},
                allow_partial_search_results=False, cancel_after_time_interval=cut, request_timeout=wait),
            deadline))
        if found.get("timed_out"):
            raise OutOfTime
        return found

    def _again_while_node_lost(self, call: Callable[[], T], deadline: Deadline) -> T:
        for pause in RETRY_PAUSES:
            try:
                return call()
            except ox.TransportError as e:
                if not any(kind in str(e.info) for kind in NODE_LOST) or deadline.remaining() <= pause:
                    raise
                # A node left between the query and fetch phases: the copies on
                # the others answer a new try (a search changes nothing).
                log.warning("search on %s lost a node (%s); trying again in %.1f s",
                            self.target.display, e.error, pause)
                time.sleep(pause)
        return call()

    def within(self, deadline: Deadline, doing: str, call: Callable[[Any, float], T]) -> T:
        """``call(client, seconds)``: with a finite ``deadline``, the budgeted
        client waiting at most the time left (plus the margin), and OutOfTime
        when the cluster or the wait stopped it there; else the client and its
        usual timeout."""
        if math.isinf(deadline.at):
            with self.calls(doing):
                return call(self.client, TIMEOUT)
        wait = _left(deadline) + MARGIN
        with self.calls(doing):
            try:
                return call(self.budgeted, wait)
            except ox.ConnectionTimeout:
                raise OutOfTime from None
            except ox.TransportError as e:
                if deadline.passed() and any(s in reason_of(e).lower() for s in _STOPPED):
                    raise OutOfTime from None
                raise

    def close(self) -> None:
        self.closed = True
        self.client.close()
        self.budgeted.close()


def _left(deadline: Deadline) -> float:
    """Seconds left before ``deadline`` (OutOfTime when none are)."""
    remaining = deadline.remaining()
    if remaining <= 0:
        raise OutOfTime
    return remaining
