"""``newsarchive stats``: what the index holds."""

from __future__ import annotations

import argparse
import json

from search import display_target

from .display import shown_path
from .exits import EXIT_FATAL, EXIT_OK, REPAIR
from .options import add_index_option, index_target, open_service


def configure(st: argparse.ArgumentParser) -> None:
    st.description = ("Documents, sections with counts, date range, size on disk, last indexed; "
                      "for a damaged index, the damaged file and the remedy (exit status 1).")
    add_index_option(st)
    st.add_argument("--json", action="store_true", help="print as JSON")
    st.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from search import IndexUnreadable

    service = open_service(args)
    try:
        stats = service.stats()
    except IndexUnreadable as e:
        return _damaged(args, e)
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


def _damaged(args: argparse.Namespace, e) -> int:
    """The index cannot be read: say what is damaged and how to repair it."""
    if args.json:
        print(json.dumps({"index": index_target(args), "status": "damaged", "damaged_file": shown_path(e.path),
                          "problem": e.problem, "remedy": "newsarchive index --rebuild"}, indent=1))
    else:
        print(f"index:        {index_target(args)}")
        print(f"status:       DAMAGED: {shown_path(e.path)}: {e.problem}")
        print(f"repair:       {REPAIR}")
    return EXIT_FATAL
