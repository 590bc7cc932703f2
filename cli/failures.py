"""``newsarchive failures``: the files the index knows to fail, and why."""

from __future__ import annotations

import argparse
import json

from .display import shown_path
from .exits import EXIT_OK
from .options import add_index_option, index_target


def configure(f: argparse.ArgumentParser) -> None:
    f.description = ("The files that could not be indexed, with the reason. While a file is "
                     "unchanged it is not parsed again; 'newsarchive index --retry-failed' "
                     "parses them all again, and a file that is fixed or deleted leaves the list.")
    add_index_option(f)
    f.add_argument("--json", action="store_true", help="print as JSON")
    f.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from search import open_engine

    engine = open_engine(index_target(args))
    try:
        engine.check()
        failures = engine.sources().failures
    finally:
        engine.close()
    rows = [{"path": shown_path(path), "reason": f.reason, "content_hash": f.content_hash}
            for path, f in sorted(failures.items())]
    if args.json:
        print(json.dumps({"count": len(rows), "failures": rows}, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not rows:
        print("no known failures")
        return EXIT_OK
    print(f"{len(rows)} files could not be indexed (not parsed again while unchanged; "
          "'newsarchive index --retry-failed' tries them again):")
    for row in rows:
        print(f"{row['path']}: {row['reason']}")
    return EXIT_OK
