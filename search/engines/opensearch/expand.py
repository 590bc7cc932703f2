"""Prefix and fuzzy words expanded to the index's own words, for capping.

The cluster lists a multi-term query's words when it rewrites it
(``_validate/query?rewrite=true``): asked for at most ``cap + 1`` of them per
field, it tells whether a word expands past its cap, and which words it
stands for otherwise. Each shard lists its own; the union is the index's.
"""

from __future__ import annotations

import re
from typing import Any

from search.errors import IndexUnavailable
from search.models import NO_DEADLINE, Deadline

from .cluster import Cluster

#: The most words one request may ask a field's rewrite for (Lucene's default clause limit).
MAX_REWRITE_TERMS = 1024


def expansion_query(fieldname: str, kind: str, token: str, dist: int, limit: int) -> dict[str, Any]:
    size = min(limit + 1, MAX_REWRITE_TERMS)
    if kind == "prefix":
        return {"prefix": {fieldname: {"value": token, "rewrite": f"top_terms_{size}"}}}
    # Levenshtein distance without transpositions, no common prefix: as Whoosh's terms_within.
    return {"fuzzy": {fieldname: {"value": token, "fuzziness": dist, "prefix_length": 0,
                                  "transpositions": False, "max_expansions": size}}}


def terms_in(explanation: str, fieldname: str) -> list[str]:
    """The words of ``fieldname`` a rewritten query's text names (``field:word``); a query
    that matched no word prints as written (``field:zeta*``, ``field:stat~1``): no word of it."""
    pattern = rf"(?<![\w.]){re.escape(fieldname)}:([^\s()^*~]+)(?=[\s()^]|$)"
    return re.findall(pattern, explanation)


def expand(cluster: Cluster, fields: tuple[str, ...], kind: str, token: str, dist: int, limit: int,
           deadline: Deadline = NO_DEADLINE) -> dict[str, list[str]]:
    """Each field's words for a prefix (``kind`` "prefix") or fuzzy word; at most ``limit + 1`` each.

    One request per field: the cluster's clause limit (1,024) holds per rewritten query.
    Each waits at most until ``deadline`` (OutOfTime past it).
    """
    found: dict[str, list[str]] = {}
    for f in fields:
        body = {"query": expansion_query(f, kind, token, dist, limit)}
        resp = cluster.within(deadline, "expand a word", lambda client, wait: client.indices.validate_query(
            index=cluster.alias, body=body, rewrite=True, all_shards=True, request_timeout=wait))
        failures = resp.get("_shards", {}).get("failures") or [e for e in resp.get("explanations", [])
                                                               if e.get("error")]
        if failures or not resp.get("valid", False):
            raise IndexUnavailable(f"the cluster could not expand '{token}': {failures or resp}")
        words: dict[str, None] = {}
        for shard in resp.get("explanations", []):
            words.update(dict.fromkeys(terms_in(shard.get("explanation") or "", f)))
        found[f] = sorted(words)
    return found
