"""Story clusters on the Reuters pages of ``bench.corpus --copies N``: do copies land together?

    python -m bench.stories --index var/bench/index-108k [--examples 12]
    python -m bench.stories --cost 'var/bench/reuters/copy0/0[0-3]/*.html'

Each Reuters story is written N times (``copyK/XX/NEWID.html``, same body,
shifted dates, own URLs). Reports the share of stories whose copies all
share one story cluster, and the clusters that mix different Reuters
stories, with examples (titles and body openings) to check by eye.
``--cost`` times, in one process (CPU time), extraction, signatures and
assignment of five copies of each page, against none and against stored ones.
"""

from __future__ import annotations

import argparse
import glob
import re
import sys
import time
from collections import defaultdict

from indexer.extract import ExtractionError, extract_article
from indexer.stories import Stories, signature
from search import SearchRequest, SearchService

from .harness import machine_line

_NEWID = re.compile(r"copy\d+/\d+/(\d+)\.html$")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index")
    p.add_argument("--examples", type=int, default=12, help="mixed clusters to print")
    p.add_argument("--cost", metavar="GLOB", help="time clustering on these pages instead")
    args = p.parse_args(argv)
    if args.cost:
        return costs(sorted(glob.glob(args.cost)))
    if not args.index:
        p.error("give --index or --cost")
    service = SearchService(args.index, budget=0)
    try:
        export = service.export(SearchRequest(sort="oldest"), ("id", "source", "title"), max_rows=10**7)
        rows = list(export.rows)
        story_of = {r.id: service.article(r.id).story for r in rows}  # type: ignore[union-attr]
        by_newid: dict[str, set[str]] = defaultdict(set)
        members: dict[str, list] = defaultdict(list)
        for r in rows:
            m = _NEWID.search(r.source or "")
            if m is None:
                continue
            story = story_of[r.id] or r.id
            by_newid[m.group(1)].add(story)
            members[story].append((m.group(1), r))
        copied = {n: s for n, s in by_newid.items() if s}
        together = sum(1 for s in copied.values() if len(s) == 1)
        mixed = {s: rs for s, rs in members.items() if len({n for n, _ in rs}) > 1}
        print(machine_line())
        print(f"articles {len(rows):,}; Reuters stories {len(copied):,}; clusters {len(members):,}")
        print(f"stories whose copies share one cluster: {together:,} of {len(copied):,} "
              f"({together / max(len(copied), 1):.2%}); split stories: {len(copied) - together:,}")
        print(f"clusters mixing different Reuters stories: {len(mixed):,} "
              f"(holding {sum(len({n for n, _ in rs}) for rs in mixed.values()):,} stories)")
        for story, rs in sorted(mixed.items(), key=lambda kv: -len(kv[1]))[:args.examples]:
            ids = sorted({n for n, _ in rs}, key=int)
            print(f"\n== cluster {story}: {len(rs)} articles, Reuters stories {', '.join(ids[:8])}"
                  f"{' ...' if len(ids) > 8 else ''}")
            shown = set()
            for newid, r in rs:
                if newid in shown or len(shown) >= 3:
                    continue
                shown.add(newid)
                body = service.article(r.id).body.replace("\n", " ")  # type: ignore[union-attr]
                print(f"  {newid}: {r.title[:70]!r} | {body[:150]!r}")
    finally:
        service.close()
    return 0


def costs(files: list[str], copies: int = 5) -> int:
    started = time.process_time()
    articles = []
    for f in files:
        try:
            with open(f, "rb") as page:
                articles.append(extract_article(page.read(), f))
        except ExtractionError:
            continue
    n = len(articles)
    extraction = time.process_time() - started
    started = time.process_time()
    sigs = [signature(a.body) for a in articles]
    signing = time.process_time() - started
    fresh = Stories(lambda: [])
    started = time.process_time()
    for copy in range(copies):
        for a, sig in zip(articles, sigs):
            fresh.assign(f"{copy}:{a.source}", sig, "")
    cold = time.process_time() - started
    stored = [(f"{copy}:{a.source}", "s", sig) for copy in range(copies) for a, sig in zip(articles, sigs)]
    known = Stories(lambda: stored)
    started = time.process_time()
    len(known)
    loading = time.process_time() - started
    started = time.process_time()
    for a, sig in zip(articles, sigs):
        known.assign(f"new:{a.source}", sig, "")
    incremental = time.process_time() - started
    print(machine_line())
    print(f"{n:,} pages: extraction {extraction / n * 1000:.3f} ms CPU a page; signature "
          f"{signing / n * 1000:.3f}; assignment {cold / (copies * n) * 1000:.3f} with nothing stored "
          f"({copies * n:,} assignments), {incremental / n * 1000:.3f} against {len(stored):,} stored; "
          f"reading the {len(stored):,} stored: {loading:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
