"""Story clusters on the Reuters pages of ``bench.corpus --copies N``: do copies land together?

    python -m bench.stories --index var/bench/index-108k [--examples 12]

Each Reuters story is written N times (``copyK/XX/NEWID.html``, same body,
shifted dates, own URLs). Reports the share of stories whose copies all
share one story cluster, and the clusters that mix different Reuters
stories, with examples (titles and body openings) to check by eye.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict

from search import SearchRequest, SearchService

from .harness import machine_line

_NEWID = re.compile(r"copy\d+/\d+/(\d+)\.html$")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", required=True)
    p.add_argument("--examples", type=int, default=12, help="mixed clusters to print")
    args = p.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
