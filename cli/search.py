"""``newsarchive search``: one page of results in the terminal, or as JSON."""

from __future__ import annotations

import argparse
import html
import json
import re
import sys

from search.errors import QueryTooExpensive
from search.models import SearchError, SearchRequest, SearchResponse

from .exits import EXIT_FATAL, EXIT_OK, EXIT_USAGE
from .options import add_budget_option, add_index_option, open_service, positive_int

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]+>")


def configure(s: argparse.ArgumentParser) -> None:
    s.description = ("Search the index. Query language: see README (words are ANDed; "
                     "OR, NOT, -word, \"phrases\", field:term, date:2025-05, prefix*, fuzzy~).")
    s.add_argument("query", nargs="?", default="", metavar="QUERY",
                   help="the query (empty: all articles, newest first)")
    add_index_option(s)
    s.add_argument("--section", action="append", default=[], metavar="S", help="only this section (repeatable: any of them)")
    s.add_argument("--author", action="append", default=[], metavar="A", help="only this author (repeatable: any of them)")
    s.add_argument("--from", dest="date_from", metavar="DATE", help="published on or after (YYYY, YYYY-MM or YYYY-MM-DD)")
    s.add_argument("--to", dest="date_to", metavar="DATE", help="published on or before (YYYY, YYYY-MM or YYYY-MM-DD)")
    s.add_argument("--sort", choices=["relevance", "newest", "oldest"], default="relevance")
    s.add_argument("--page", type=positive_int, default=1, metavar="N")
    s.add_argument("--per-page", type=positive_int, default=10, metavar="N", help="results per page, 1..100 (default 10)")
    s.add_argument("--operator", choices=["and", "or"], default="and",
                   help="how plain words combine (default: and)")
    s.add_argument("--exact", action="store_true", help="exact spelling: no accent folding or stemming")
    s.add_argument("--json", action="store_true", help="print the response as JSON")
    add_budget_option(s)
    s.set_defaults(run=run)


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


def run(args: argparse.Namespace) -> int:
    request = SearchRequest(
        q=args.query, sections=args.section, authors=args.author,
        date_from=args.date_from, date_to=args.date_to, sort=args.sort,
        page=args.page, per_page=args.per_page, operator=args.operator, exact=args.exact,
    )
    service = open_service(args)
    try:
        response = service.search(request)
    except QueryTooExpensive as e:
        print(f"newsarchive search: {e.message}", file=sys.stderr)
        return EXIT_FATAL
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
