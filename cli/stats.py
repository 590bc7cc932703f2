"""``newsarchive stats``: what the index holds."""

from __future__ import annotations

import argparse
import json

from search import display_target

from .exits import EXIT_OK
from .options import add_index_option, index_target, open_service


def configure(st: argparse.ArgumentParser) -> None:
    st.description = "Documents, sections with counts, date range, size on disk, last indexed."
    add_index_option(st)
    st.add_argument("--json", action="store_true", help="print as JSON")
    st.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        stats = service.stats()
    finally:
        service.close()
    if args.json:
        print(json.dumps(stats.to_dict(), ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"index:        {display_target(index_target(args))}")
    print(f"documents:    {stats.documents}")
    print(f"dates:        {stats.date_min or '-'} to {stats.date_max or '-'}")
    print(f"size on disk: {stats.size_bytes / 1e6:.1f} MB")
    print(f"last indexed: {stats.last_indexed} (generation {stats.generation})")
    print("sections:")
    for s in stats.sections:
        print(f"  {s.count:6d}  {s.value}")
    return EXIT_OK
