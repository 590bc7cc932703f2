"""The ``newsarchive`` command: index, search, stats and serve.

It is the outermost layer, like the Flask app beside it: each subcommand
parses its options and calls down into ``indexer`` or ``search``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from typing import Sequence

from cli import index as index_cli
from cli.index import EXIT_FATAL, EXIT_OK, EXIT_USAGE, add_index_dir_option, index_dir
from search import store
from search.models import SearchError, SearchRequest, SearchResponse

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsarchive",
        description="Full-text search over a newsroom's archive of saved article pages.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    index_cli.add_parser(sub)

    s = sub.add_parser("search", help="search the index",
                       description="Search the index. Query language: see README (words are ANDed; "
                                   "OR, NOT, -word, \"phrases\", field:term, date:2025-05, prefix*, fuzzy~).")
    s.add_argument("query", nargs="?", default="", metavar="QUERY",
                   help="the query (empty: all articles, newest first)")
    add_index_dir_option(s)
    s.add_argument("--section", action="append", default=[], metavar="S", help="only this section (repeatable: any of them)")
    s.add_argument("--author", action="append", default=[], metavar="A", help="only this author (repeatable: any of them)")
    s.add_argument("--from", dest="date_from", metavar="DATE", help="published on or after (YYYY, YYYY-MM or YYYY-MM-DD)")
    s.add_argument("--to", dest="date_to", metavar="DATE", help="published on or before (YYYY, YYYY-MM or YYYY-MM-DD)")
    s.add_argument("--sort", choices=["relevance", "newest", "oldest"], default="relevance")
    s.add_argument("--page", type=_positive, default=1, metavar="N")
    s.add_argument("--per-page", type=_positive, default=10, metavar="N", help="results per page, 1..100 (default 10)")
    s.add_argument("--operator", choices=["and", "or"], default="and",
                   help="how plain words combine (default: and)")
    s.add_argument("--exact", action="store_true", help="exact spelling: no accent folding or stemming")
    s.add_argument("--json", action="store_true", help="print the response as JSON")
    s.set_defaults(handler=run_search)

    st = sub.add_parser("stats", help="what the index holds",
                        description="Documents, sections with counts, date range, size on disk, last indexed.")
    add_index_dir_option(st)
    st.add_argument("--json", action="store_true", help="print as JSON")
    st.set_defaults(handler=run_stats)

    sv = sub.add_parser("serve", help="serve the web UI and JSON API with gunicorn",
                        description="Serve the web UI and JSON API with gunicorn (read-only on the index).")
    add_index_dir_option(sv)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--workers", type=_positive, default=2, metavar="N")
    sv.set_defaults(handler=run_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except store.IndexMissing as e:
        print(f"newsarchive {args.command}: {e}", file=sys.stderr)
        return EXIT_FATAL
    except KeyboardInterrupt:
        return 130


def _open_service(args: argparse.Namespace):
    from search.service import SearchService

    return SearchService(index_dir(args))


def _terminal_text(fragment: str, tty: bool) -> str:
    on, off = ("\x1b[1;33m", "\x1b[0m") if tty else ("*", "*")
    marked = _MARK.sub(lambda m: f"{on}{m.group(1)}{off}", fragment)
    return html.unescape(_TAG.sub("", marked))


def print_results(response: SearchResponse, tty: bool) -> None:
    first = (response.page - 1) * response.per_page + 1
    last = first + len(response.hits) - 1
    shown = f"{first}-{last} of " if response.hits else ""
    print(f"{shown}{response.total} results ({response.took_ms:.0f} ms)")
    for w in response.warnings:
        print(f"note: {w}")
    if response.suggestion:
        print(f"did you mean: {response.suggestion}")
    for hit in response.hits:
        meta = " · ".join(x for x in (hit.date, hit.section, hit.author) if x)
        print()
        print(_terminal_text(hit.title_html, tty))
        if meta:
            print(f"  {meta}")
        print(f"  {_terminal_text(hit.snippet, tty)}")
        print(f"  id {hit.id}" + (f"  {hit.url}" if hit.url else ""))


def run_search(args: argparse.Namespace) -> int:
    request = SearchRequest(
        q=args.query, sections=args.section, authors=args.author,
        date_from=args.date_from, date_to=args.date_to, sort=args.sort,
        page=args.page, per_page=args.per_page, operator=args.operator, exact=args.exact,
    )
    service = _open_service(args)
    try:
        response = service.search(request)
    except SearchError as e:
        print(f"newsarchive search: {e.message}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        service.close()
    if args.json:
        print(json.dumps(response.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_results(response, sys.stdout.isatty())
    return EXIT_OK


def run_stats(args: argparse.Namespace) -> int:
    service = _open_service(args)
    try:
        stats = service.stats()
    finally:
        service.close()
    if args.json:
        print(json.dumps(stats.to_dict(), ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"index:        {index_dir(args)}")
    print(f"documents:    {stats.documents}")
    print(f"dates:        {stats.date_min or '-'} to {stats.date_max or '-'}")
    print(f"size on disk: {stats.size_bytes / 1e6:.1f} MB")
    print(f"last indexed: {stats.last_indexed} (generation {stats.generation})")
    print("sections:")
    for s in stats.sections:
        print(f"  {s.count:6d}  {s.value}")
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from web.serve import serve

    return serve(index_dir(args), args.host, args.port, args.workers)

