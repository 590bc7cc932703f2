"""What the spellings panel (``search.matched.SpellingFacet``) costs a search.

Runs each query with the panel and without it (its terms emptied), the two
modes alternating over five rounds, and prints the least CPU time (this
process: the Whoosh engine's work; for OpenSearch, the client's part only,
so wall time is printed too) per search, warm (match sets cached) and cold
(caches cleared before each search)::

    .venv/bin/python -m bench.spellings --index var/bench/index-21k
"""

from __future__ import annotations

import argparse
import time

from search import matched
from search.models import SearchRequest
from search.service import SearchService

QUERIES = ["oil prices", "bank", "coffee brazil", "trade deficit", "gold", "wheat export*", "opec", "dollar yen",
           "interest rates", "merger"]


def _without_spellings(facet: matched.SpellingFacet) -> None:
    facet.terms = []


def run(service: SearchService, cold: bool, rounds: int = 5) -> dict[str, tuple[float, float]]:
    """mode -> (least CPU ms, least wall ms) per search."""
    real = matched.SpellingFacet.__init__

    def off(self, tree, q, exact):  # type: ignore[no-untyped-def]
        real(self, tree, q, exact)
        _without_spellings(self)

    best: dict[str, tuple[float, float]] = {}
    try:
        for n in range(rounds):
            for mode in ("on", "off") if n % 2 == 0 else ("off", "on"):
                matched.SpellingFacet.__init__ = real if mode == "on" else off  # type: ignore[method-assign]
                cpu = wall = 0.0
                for q in QUERIES:
                    if cold:
                        service.clear_match_cache()
                    c, w = time.process_time(), time.perf_counter()
                    service.search(SearchRequest(q=q))
                    cpu += time.process_time() - c
                    wall += time.perf_counter() - w
                per = (cpu / len(QUERIES) * 1000, wall / len(QUERIES) * 1000)
                best[mode] = min(best.get(mode, per), per)
    finally:
        matched.SpellingFacet.__init__ = real  # type: ignore[method-assign]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="an index directory or OpenSearch URL")
    args = parser.parse_args()
    service = SearchService(args.index, budget=0)
    try:
        for q in QUERIES:
            service.search(SearchRequest(q=q))
        for cold in (False, True):
            found = run(service, cold)
            (on_cpu, on_wall), (off_cpu, off_wall) = found["on"], found["off"]
            print(f"{'cold' if cold else 'warm'}: CPU ms a search {on_cpu:.1f} with spellings, {off_cpu:.1f} "
                  f"without ({on_cpu / off_cpu:.2f}x); wall ms {on_wall:.1f} / {off_wall:.1f}")
        shown = service.search(SearchRequest(q=QUERIES[0])).facets.spellings
        print(f"{QUERIES[0]!r}:", ", ".join(f"{s.text} {s.count} ({s.how})" for s in shown))
    finally:
        service.close()


if __name__ == "__main__":
    main()
