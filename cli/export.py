"""``newsarchive export``: every article a search matches, as NDJSON or CSV (``search.tabular``)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .exits import EXIT_FATAL, EXIT_OK, EXIT_USAGE
from .options import add_budget_option, add_search_options, open_service, positive_int, search_request
from .progress import ProgressBar

#: search.limits.MAX_EXPORT_ROWS, spelled here so --help loads no library.
DEFAULT_MAX_ROWS = 1_000_000


def configure(e: argparse.ArgumentParser) -> None:
    e.description = ("Write every article the search matches, in its order (not capped at the "
                     "10,000 a search can page to), as NDJSON or CSV: the same file as GET /api/export. "
                     "Exit status: 0 written, 2 bad options or more matches than --max-rows "
                     "(nothing written), 1 no index, or finding the matches took more than the "
                     "search time budget (--budget; reading the rows has none).")
    add_search_options(e)
    e.add_argument("--format", choices=["ndjson", "csv"], default="ndjson", help="file format (default: ndjson)")
    e.add_argument("--fields", metavar="F,F", default=None,
                   help="columns, comma-separated (default: id,url,title,date,section,authors,source,"
                        "indexed_at, and score in relevance order)")
    e.add_argument("--out", metavar="FILE", default=None,
                   help="write here (replaced only once complete) instead of standard output")
    e.add_argument("--max-rows", type=positive_int, default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"refuse a search matching more articles than this (default: {DEFAULT_MAX_ROWS:,})")
    e.add_argument("--quiet", action="store_true", help="no progress bar, no summary line")
    add_budget_option(e)
    e.set_defaults(run=run)


def _counted(rows, progress, total: int):
    for done, row in enumerate(rows, 1):
        if done % 1000 == 0 or done == total:
            progress(done, total)
        yield row


def run(args: argparse.Namespace) -> int:
    from search import tabular
    from search.errors import QueryTooExpensive
    from search.models import ResultTooLarge, SearchError

    request = search_request(args)
    service = open_service(args)
    try:
        try:
            wanted = tabular.parse_fields(args.fields, request.sort)
            found = service.export(request, wanted, max_rows=args.max_rows)
            fields = tabular.parse_fields(args.fields, found.sort)
        except ResultTooLarge as e:
            print(f"newsarchive export: {e.message} (or raise --max-rows)", file=sys.stderr)
            return EXIT_USAGE
        except QueryTooExpensive as e:
            print(f"newsarchive export: {e.message}", file=sys.stderr)
            return EXIT_FATAL
        except SearchError as e:
            print(f"newsarchive export: {e.message}", file=sys.stderr)
            return EXIT_USAGE
        show = not args.quiet and sys.stderr.isatty() and (args.out is not None or not sys.stdout.isatty())
        rows = _counted(found.rows, ProgressBar(sys.stderr, "exporting"), found.total) if show else found.rows
        try:
            for warning in found.warnings:
                print(f"note: {warning}", file=sys.stderr)
            chunks = tabular.chunks(args.format, rows, fields)
            if args.out is None:
                out = sys.stdout.buffer  # UTF-8 whatever the locale says
                for chunk in chunks:
                    out.write(chunk.encode("utf-8"))
                out.flush()
            else:
                _write_whole(Path(args.out), chunks)
        finally:
            found.rows.close()  # type: ignore[attr-defined]
    finally:
        service.close()
    if not args.quiet and args.out is not None:
        print(f"wrote {found.total} articles to {args.out} (index generation {found.index.generation})",
              file=sys.stderr)
    return EXIT_OK


def _write_whole(path: Path, chunks) -> None:
    """Write beside ``path`` and rename into place: a failed export leaves no partial file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
