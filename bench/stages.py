"""Where one Whoosh search's time goes, stage by stage, per query class.

    .venv/bin/python -m bench.stages --index var/bench/index-540k
    .venv/bin/python -m bench.stages --index DIR --rounds 3 --json new.json
    .venv/bin/python -m bench.stages --figures new.json --compare old.json   # "old → new" per stage

Runs the 200 fixed queries of ``bench/queries.py`` through ``SearchService``
(a cold round on a fresh service, then ``--rounds`` warm rounds, the match
cache cleared before every query as in ``bench/query.py``) with the steps of
a search wrapped in timers, and serialises each response as the JSON API
does. Each stage's time is exclusive (a stage called inside another is
counted in its own row only) and is thread CPU time (``time.thread_time``),
so other people's load on the machine does not inflate it. Per class, the
mean milliseconds of each stage and of the whole call are printed.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness import machine_line
from bench.queries import make_queries
from search import matched as matched_mod
from search.engines.whoosh import collapse, facets, searchers, searching, spellings, suggest
from search.service import SearchService

#: (owner, attribute, stage): the calls timed. Methods are wrapped on their class.
STAGES: list[tuple[Any, str, str]] = [
    (SearchService, "_prepare", "parse"),
    (searching, "compile_tree", "compile"),
    (searching, "evaluate", "evaluate"),
    (suggest, "suggest", "suggest"),
    (searching, "_match", "match (mask)"),
    (facets.Filtered, "build", "filters"),
    (searching, "first", "rank/order"),
    (collapse, "leaders", "collapse leaders"),
    (searchers.StoredFields, "stored_fields", "stored reads"),
    (searching, "_hits", "hits (highlight)"),
    (collapse, "copies", "collapse copies"),
    (collapse, "count_stories", "count stories"),
    (facets.TableCounter, "values", "facet values"),
    (facets.TableCounter, "periods", "facet histograms"),
    (spellings.SearchCounter, "surfaces", "spellings sample"),
    (spellings.SearchCounter, "words", "spellings counts"),
    (matched_mod, "annotate", "annotate"),
]


class Timer:
    """Exclusive thread CPU time per stage, for one thread."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []  # per open stage: [started, children's time]

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        frame = [time.thread_time(), 0.0]
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            took = time.thread_time() - frame[0]
            self.spent[name] += took - frame[1]
            if self._stack:
                self._stack[-1][1] += took

    def take(self) -> dict[str, float]:
        out, self.spent = dict(self.spent), defaultdict(float)
        return out


def _wrap(timer: Timer, fn: Callable, name: str) -> Callable:
    def timed(*args: Any, **kwargs: Any) -> Any:
        with timer.stage(name):
            return fn(*args, **kwargs)
    timed.__wrapped__ = fn  # type: ignore[attr-defined]
    return timed


def install(timer: Timer) -> Callable[[], None]:
    """Wrap every stage; returns the call that unwraps them."""
    saved = []
    for owner, attr, name in STAGES:
        raw = owner.__dict__[attr]
        fn = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
        wrapped = _wrap(timer, fn, name)
        setattr(owner, attr, type(raw)(wrapped) if isinstance(raw, (classmethod, staticmethod)) else wrapped)
        saved.append((owner, attr, raw))

    def uninstall() -> None:
        for owner, attr, raw in saved:
            setattr(owner, attr, raw)
    return uninstall


def one(service: SearchService, timer: Timer, request) -> dict[str, float]:
    """One search and its JSON, as the API sends it: stage -> ms."""
    service.clear_match_cache()
    timer.take()
    c0 = time.thread_time()
    with timer.stage("search (rest)"):
        response = service.search(request)
    with timer.stage("serialise"):
        json.dumps(response.to_dict())
    spent = {k: v * 1000 for k, v in timer.take().items()}
    spent["total"] = (time.thread_time() - c0) * 1000
    return spent


def run(index: Path, rounds: int) -> dict[str, Any]:
    service = SearchService(index)
    queries = make_queries(service, seed=5)
    service.close()
    timer = Timer()
    uninstall = install(timer)
    try:
        c0 = time.thread_time()
        # No time budget: on a busy machine it would cut searches short.
        service = SearchService(index, budget=0)
        service.warm()  # the generation's tables, as a server builds them first
        opened_ms = (time.thread_time() - c0) * 1000
        per_round: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
        per_round["cold"] = [one(service, timer, bq.request()) for bq in queries]
        for _ in range(rounds):
            per_round["warm"] += [one(service, timer, bq.request()) for bq in queries]
        service.close()
    finally:
        uninstall()
    return {"opened_ms": opened_ms, "classes": [bq.cls for bq in queries], "rounds": rounds, **per_round}


def table(res: dict[str, Any], which: str) -> dict[str, dict[str, float]]:
    """class -> stage -> mean ms over the class's queries (and rounds)."""
    classes = res["classes"]
    rows = res[which]
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for i, spent in enumerate(rows):
        cls = classes[i % len(classes)]
        counts[cls] += 1
        for stage, ms in spent.items():
            sums[cls][stage] += ms
    return {cls: {s: v / counts[cls] for s, v in stages.items()} for cls, stages in sums.items()}


def print_table(means: dict[str, dict[str, float]], title: str,
                before: dict[str, dict[str, float]] | None = None) -> None:
    """One row per stage, one column per class; with ``before``, "before → now"."""
    names = [n for _, _, n in STAGES] + ["search (rest)", "serialise", "total"]
    shown = [n for n in names if any(m.get(n, 0) >= 0.05 for m in means.values())]
    print(f"\n{title}: mean thread CPU ms per search")
    print("| stage | " + " | ".join(means) + " |")
    print("|---|" + "---|" * len(means))
    for n in shown:
        cells = [(f"{before.get(c, {}).get(n, 0):.1f} → " if before is not None else "") + f"{m.get(n, 0):.1f}"
                 for c, m in means.items()]
        print(f"| {n} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write the raw figures here")
    ap.add_argument("--compare", type=Path, metavar="JSON",
                    help="print another run's figures (its --json) beside these: before → now")
    ap.add_argument("--figures", type=Path, metavar="JSON", help="print a finished run's tables instead of running")
    args = ap.parse_args(argv)
    print(machine_line(), flush=True)
    res = json.loads(args.figures.read_text()) if args.figures else run(args.index, args.rounds)
    before = json.loads(args.compare.read_text()) if args.compare else None
    print(f"fresh service opened (tables built): {res['opened_ms']:.0f} ms CPU")
    for which, title in (("cold", "cold round (fresh service)"), ("warm", f"warm ({res['rounds']} rounds)")):
        print_table(table(res, which), title, table(before, which) if before else None)
    print(machine_line())
    if args.json:
        args.json.write_text(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
