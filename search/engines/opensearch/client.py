"""The opensearch-py client for a target, and its errors in the product's terms.

Every call to the cluster goes through :func:`translated`, which turns the
client's exceptions into the product's index errors with a one-line message
naming the target by its display form (never the password): a cluster that
cannot be reached is :class:`search.errors.IndexUnavailable` (HTTP 503, CLI
exit 1), an alias that does not exist :class:`search.errors.IndexMissing`, and
shards that cannot be read (a red or closed index) :class:`search.errors.IndexUnreadable`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as ox

from search.errors import IndexMissing, IndexUnavailable, IndexUnreadable
from search.models import SearchError

from .target import CA_ENV, PASSWORD_ENV, USER_ENV, Target

log = logging.getLogger(__name__)

#: Seconds one request may take before the client gives up (bulk requests
#: and waits for the cluster pass their own).
TIMEOUT = 30
#: Errors that say a shard of the index cannot be read (not that a node is unreachable).
SHARD_ERRORS = frozenset({"search_phase_execution_exception", "no_shard_available_action_exception",
                          "unavailable_shards_exception", "index_closed_exception", "primary_missing_action_exception"})
#: Other nodes tried after a connection error or timeout (searches and
#: bulk index/delete operations with explicit ids are safe to repeat).
MAX_RETRIES = 3


def connect(target: Target, *, retry_on_timeout: bool = True) -> OpenSearch:
    """A client for ``target`` (connects on first use, to any of its hosts);
    ``retry_on_timeout`` False for requests that must end at a deadline."""
    options: dict[str, Any] = {
        "use_ssl": target.scheme == "https",
        "verify_certs": True,
        "timeout": TIMEOUT,
        "max_retries": MAX_RETRIES,
        "retry_on_timeout": retry_on_timeout,
    }
    if target.user:
        options["http_auth"] = (target.user, target.password or "")
    if target.ca_file:
        options["ca_certs"] = target.ca_file
    return OpenSearch([{"host": h, "port": p} for h, p in target.hosts], **options)


def reason_of(error: ox.TransportError) -> str:
    """The cluster's own one-line reason for a failed request."""
    info = error.info if isinstance(error.info, dict) else {}
    cause = info.get("error")
    if isinstance(cause, dict):
        roots = cause.get("root_cause") or [cause]
        first = roots[0] if roots and isinstance(roots[0], dict) else cause
        return f"{first.get('type', 'error')}: {first.get('reason', '')}".strip()
    return str(error.error)


def _connection_reason(error: ox.ConnectionError) -> str:
    text = str(error.info or error.error)
    for phrase in ("Connection refused", "Name or service not known", "timed out", "No route to host",
                   "Connection reset", "Temporary failure in name resolution", "certificate verify failed"):
        if phrase.lower() in text.lower():
            return phrase
    return re.sub(r"<[^>]*>", "", text)[:200]


@contextmanager
def translated(target: Target, doing: str) -> Iterator[None]:
    """Run cluster calls; their failures become the product's index errors.

    ``doing`` completes "could not ...", e.g. "search".
    """
    where = target.display
    try:
        yield
    except ox.NotFoundError as e:
        if e.error == "index_not_found_exception":
            raise IndexMissing(f"no index at {where}: run 'newsarchive index PATH --index {where}' first") from None
        raise IndexUnavailable(f"OpenSearch at {where} could not {doing}: {reason_of(e)}") from None
    except ox.AuthenticationException:
        raise IndexUnavailable(
            f"OpenSearch at {where} refused the credentials (HTTP 401): give them in the URL "
            f"or in ${USER_ENV} and ${PASSWORD_ENV}") from None
    except ox.AuthorizationException as e:
        raise IndexUnavailable(f"OpenSearch at {where} does not allow this user to {doing} (HTTP 403): "
                               f"{reason_of(e)}") from None
    except ox.SSLError as e:
        raise IndexUnavailable(f"TLS to {where} failed ({_connection_reason(e)}); if the cluster's "
                               f"certificate comes from your own CA, set ${CA_ENV} to its file") from None
    except ox.ConnectionError as e:
        raise IndexUnavailable(f"cannot reach OpenSearch at {where} ({_connection_reason(e)})") from None
    except ox.TransportError as e:
        if _shards_failed(e):
            raise IndexUnreadable(_failed_shard(e) or where, f"could not {doing}: {reason_of(e)}") from None
        if isinstance(e, ox.RequestError) and "too_many" in reason_of(e):
            # A query past the cluster's clause limit: too long for this cluster, not broken.
            raise SearchError("the query has too many words for the index (the cluster's clause limit): "
                              "shorten it", "q") from None
        if isinstance(e, ox.RequestError):
            # A request we built was refused: a bug here, or a limit of the cluster.
            log.warning("OpenSearch at %s refused a request to %s: %s", where, doing, reason_of(e))
        raise IndexUnavailable(f"OpenSearch at {where} could not {doing}: {reason_of(e)}") from None


def _shards_failed(error: ox.TransportError) -> bool:
    """A shard could not be read: the index is damaged or unassigned (a query the
    cluster refuses, e.g. too many clauses, is a 400 and no damage)."""
    kind = error.error if isinstance(error.error, str) else ""
    if kind not in SHARD_ERRORS:
        return False
    return kind != "search_phase_execution_exception" or error.status_code == 503


def _failed_shard(error: ox.TransportError) -> str | None:
    """'INDEX shard N' of the first failed shard the cluster names, if it names one."""
    info = error.info if isinstance(error.info, dict) else {}
    cause = info.get("error") if isinstance(info.get("error"), dict) else {}
    for failure in cause.get("failed_shards") or []:
        if isinstance(failure, dict) and failure.get("index") is not None:
            return f"{failure['index']} shard {failure.get('shard', '?')}"
    if cause.get("index"):
        return str(cause["index"])
    return None
