"""Value filters and facet counts as aggregations, by the product's facet rules.

The request's value filters go in the search's ``post_filter``: the hits and
the total respect them, while the aggregations see the matches before them
and put back every selection but their own (a value facet is counted as if
its own selection were not made). The date histograms count the filtered
matches, with a ``missing`` bucket for the articles without a date.

A requested value selects itself when the index has it spelled so, else the
values that fold to the same text (``search.text.fold``), as in the Whoosh
engine; :func:`resolve` asks the index which values those are.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from search.facets import FACET_LIMIT, MISSING_VALUES
from search.counting import FacetTimeout, PeriodCounts, ValueCounts
from search.text import fold

#: Value field -> (keyword of the values as written, keyword of their folded form).
VALUE_FIELDS = {"section": ("section.facet", "section_key"), "author": ("author.facet", "author_key"),
                "publication": ("publication.facet", "publication_key")}
#: The exact-spelling sub-fields a spelling is counted in.
EXACT_FIELDS = ("title.exact", "body.exact")
#: Date histogram unit -> its period's format (read back as an int: YYYY, YYYYMM).
PERIODS = {"year": "yyyy", "month": "yyyyMM"}
#: Values each shard reports per facet: generous, so that counts summed over
#: shards are exact for every value listed (OpenSearch's default is size * 1.5 + 10).
SHARD_SIZE = 2_000
#: Most index values one requested value may select by folding.
MAX_FOLDED_VALUES = 100

Query = dict[str, Any]
Resolved = dict[str, dict[str, list[str]]]  # field -> requested value -> values it selects


def fold_key(value: str) -> str:
    return fold(value.strip())


def resolve_aggs(filters: dict[str, list[str]]) -> dict[str, Any]:
    """Aggregations (over the whole index) telling what each requested value selects."""
    aggs: dict[str, Any] = {}
    for fi, (fieldname, wanted) in enumerate(filters.items()):
        facet, key = VALUE_FIELDS[fieldname]
        for wi, value in enumerate(wanted):
            if value == MISSING_VALUES.get(fieldname):
                continue  # selects the matches without a value: nothing to look up
            aggs[f"exact_{fi}_{wi}"] = {"filter": {"term": {facet: value}}}
            aggs[f"fold_{fi}_{wi}"] = {"filter": {"term": {key: fold_key(value)}},
                                       "aggs": {"v": {"terms": {"field": facet, "size": MAX_FOLDED_VALUES}}}}
    return {"global": {"global": {}, "aggs": aggs}}


def resolved_from(filters: dict[str, list[str]], aggs: dict[str, Any]) -> Resolved:
    out: Resolved = {}
    found = aggs["global"]
    for fi, (fieldname, wanted) in enumerate(filters.items()):
        out[fieldname] = {}
        for wi, value in enumerate(wanted):
            if value == MISSING_VALUES.get(fieldname):
                out[fieldname][value] = [value]
            elif found[f"exact_{fi}_{wi}"]["doc_count"]:
                out[fieldname][value] = [value]
            else:
                out[fieldname][value] = sorted(b["key"] for b in found[f"fold_{fi}_{wi}"]["v"]["buckets"])
    return out


def _chosen(fieldname: str, resolved: Resolved) -> list[str]:
    """The index values a field's selection selects (not its label for "no value")."""
    label = MISSING_VALUES.get(fieldname)
    return sorted({v for vs in resolved.get(fieldname, {}).values() for v in vs if v != label})


def value_filters(resolved: Resolved) -> dict[str, Query]:
    """Field -> the filter its selection makes (several values: any of them)."""
    out = {}
    for fieldname, chosen in resolved.items():
        facet = VALUE_FIELDS[fieldname][0]
        clause: Query = {"terms": {facet: _chosen(fieldname, resolved)}}
        if MISSING_VALUES.get(fieldname) in chosen:
            clause = {"bool": {"should": [clause, {"bool": {"must_not": {"exists": {"field": facet}}}}],
                               "minimum_should_match": 1}}
        out[fieldname] = clause
    return out


def _all(filters: list[Query]) -> Query:
    return {"bool": {"filter": filters}} if filters else {"match_all": {}}


def value_aggs(fieldname: str, filters: dict[str, Query], resolved: Resolved, own_selection: bool,
               limit: int) -> dict[str, Any]:
    facet = VALUE_FIELDS[fieldname][0]
    applied = [f for name, f in filters.items() if own_selection or name != fieldname]
    inner: dict[str, Any] = {"top": {"terms": {"field": facet, "size": limit, "shard_size": max(SHARD_SIZE, limit),
                                               "order": [{"_count": "desc"}, {"_key": "asc"}]}}}
    chosen = _chosen(fieldname, resolved)
    if chosen:
        inner["chosen"] = {"terms": {"field": facet, "include": chosen, "size": len(chosen)}}
    if fieldname in MISSING_VALUES:
        inner["none"] = {"missing": {"field": facet}}
    return {"filter": _all(applied), "aggs": inner}


def period_aggs(unit: str, filters: dict[str, Query]) -> dict[str, Any]:
    return {"filter": _all(list(filters.values())), "aggs": {
        "h": {"date_histogram": {"field": "date", "calendar_interval": unit, "format": PERIODS[unit],
                                 "min_doc_count": 1}},
        "none": {"missing": {"field": "date"}}}}


def facet_aggs(filters: dict[str, Query], resolved: Resolved) -> dict[str, Any]:
    """The aggregations a search request carries for the product's facets."""
    aggs = {f"v_{name}": value_aggs(name, filters, resolved, False, FACET_LIMIT) for name in VALUE_FIELDS}
    aggs.update({f"p_{unit}": period_aggs(unit, filters) for unit in PERIODS})
    return aggs


class AggCounter:
    """:class:`search.counting.FacetCounter` over a search's aggregations.

    The product's facets come counted with the search itself (one request);
    any other count (another limit, the own selection kept) is asked for
    with ``more(aggs, deadline)``, an aggregations-only request over the same
    matches that the cluster stops at the facet's deadline (FacetTimeout).
    OpenSearch counts each facet in one go: the deadline is checked before
    reading it (a facet asked for past its deadline times out).
    """

    def __init__(self, aggs: dict[str, Any], filters: dict[str, Query], resolved: Resolved,
                 more: Callable[[dict[str, Any], float], dict[str, Any]],
                 sample: Callable[[int, float], list[dict[str, list[str]]]]):
        self.aggs = aggs
        self.filters = filters
        self.resolved = resolved
        self.more = more
        self.sample = sample  # (limit, deadline) -> the marked words of the first matches

    def surfaces(self, *, limit: int, deadline: float) -> list[dict[str, list[str]]]:
        return self.sample(limit, deadline)

    def words(self, groups: list[tuple[str, ...]], *, deadline: float) -> list[int]:
        """One ``filters`` aggregation: a bucket per group, each word in either exact-spelling field."""
        if not groups:
            return []
        buckets = {str(i): {"bool": {"filter": [{"bool": {"should": [{"term": {f: w}} for f in EXACT_FIELDS]}}
                                                for w in group]}}
                   for i, group in enumerate(groups)}
        found = self.more({"x": {"filter": _all(list(self.filters.values())),
                                 "aggs": {"w": {"filters": {"filters": buckets}}}}}, deadline)["x"]["w"]["buckets"]
        return [found[str(i)]["doc_count"] for i in range(len(groups))]

    def values(self, field: str, *, own_selection: bool, limit: int, deadline: float,
               missing: bool = False) -> ValueCounts:
        if time.perf_counter() > deadline:
            raise FacetTimeout
        found = self.aggs.get(f"v_{field}")
        if found is None or own_selection or limit > FACET_LIMIT:
            found = self.more({"x": value_aggs(field, self.filters, self.resolved, own_selection, limit)},
                              deadline)["x"]
            if time.perf_counter() > deadline:
                raise FacetTimeout
        top = [(b["key"], b["doc_count"]) for b in found["top"]["buckets"][:limit]]
        counted = {b["key"]: b["doc_count"] for b in found.get("chosen", {}).get("buckets", [])}
        without = found.get("none", {}).get("doc_count", 0)
        if field in MISSING_VALUES:
            counted[MISSING_VALUES[field]] = without
        selected = {wanted: [(v, counted.get(v, 0)) for v in values]
                    for wanted, values in self.resolved.get(field, {}).items()}
        return ValueCounts(top, selected, without if missing else 0)

    def periods(self, unit: str, *, deadline: float) -> PeriodCounts:
        if time.perf_counter() > deadline:
            raise FacetTimeout
        found = self.aggs[f"p_{unit}"]
        periods = [(int(b["key_as_string"]), b["doc_count"]) for b in found["h"]["buckets"]]
        return PeriodCounts(periods, found["none"]["doc_count"])
