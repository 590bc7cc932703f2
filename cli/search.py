"""``newsarchive search``: one page of results in the terminal, or as JSON."""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from dataclasses import replace

from search.errors import QueryTooExpensive
from search.models import SearchError, SearchResponse

from .display import shown_path
from .exits import EXIT_FATAL, EXIT_OK, EXIT_USAGE
from .options import add_budget_option, add_search_options, open_service, positive_int, search_request

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]+>")

#: The request fields SearchError.param names, as this command's options.
OPTIONS = {"q": "QUERY", "date_from": "--from", "date_to": "--to", "per_page": "--per-page",
           "page": "--page", "sections": "--section", "authors": "--author", "publications": "--publication",
           "sort": "--sort", "operator": "--operator", "story": "--story"}


def error_message(e: SearchError) -> str:
    """``e``'s message naming this command's option, not the request field (``--from``, not ``date_from``)."""
    option = OPTIONS.get(e.param or "")
    if option is None:
        return e.message
    if re.match(rf"{re.escape(e.param or '')}\b", e.message):
        return option + e.message[len(e.param or ""):]
    return f"{e.message} ({option})"


def configure(s: argparse.ArgumentParser) -> None:
    s.description = ("Search the index. Query language: see README (words are ANDed; "
                     "OR, NOT, -word, \"phrases\", field:term, date:2025-05, prefix*, fuzzy~).")
    add_search_options(s)
    s.add_argument("--page", type=positive_int, default=1, metavar="N")
    s.add_argument("--per-page", type=positive_int, default=10, metavar="N", help="results per page, 1..100 (default 10)")
    s.add_argument("--no-collapse", dest="collapse", action="store_false",
                   help="list every article; by default copies of one story (syndication, "
                        "near-duplicates) are one result, with their count")
    s.add_argument("--json", action="store_true", help="print the response as JSON")
    add_budget_option(s)
    s.set_defaults(run=run)


def _terminal_text(fragment: str, tty: bool) -> str:
    on, off = ("\x1b[1;33m", "\x1b[0m") if tty else ("*", "*")
    marked = _MARK.sub(lambda m: f"{on}{m.group(1)}{off}", fragment)
    return html.unescape(_TAG.sub("", marked))


def print_results(response: SearchResponse, sources: dict[str, str], tty: bool) -> None:
    first = (response.page - 1) * response.per_page + 1
    last = first + len(response.hits) - 1
    shown = f"{first}-{last} of " if response.hits else ""
    stories = (f" in {response.stories} stories" if response.query.collapse and response.stories != response.total
               else "")
    print(f"{shown}{response.total} results{stories} ({response.took_ms:.0f} ms)")
    for w in response.warnings:
        print(f"note: {w}")
    if response.suggestion:
        print(f"did you mean: {response.suggestion}")
    for hit in response.hits:
        meta = " · ".join(x for x in (hit.publication, hit.date, hit.section, ", ".join(hit.authors)) if x)
        print()
        print(_terminal_text(hit.title_html, tty))
        if meta:
            print(f"  {meta}")
        print(f"  {_terminal_text(hit.snippet, tty)}")
        if hit.matched:
            print("  matched: " + "; ".join(m.line() for m in hit.matched))
        print(f"  id {hit.id}" + (f"  {hit.url}" if hit.url else ""))
        print(f"  file {shown_path(sources.get(hit.id, '?'))}")
        if hit.copies:
            print(f"  +{hit.copies} more of this story (--story {hit.story} --no-collapse): "
                  + ", ".join(c.date or c.id for c in hit.same_story))


def run(args: argparse.Namespace) -> int:
    request = replace(search_request(args, page=args.page, per_page=args.per_page), collapse=args.collapse)
    service = open_service(args)
    try:
        response = service.search(request)
        # The file each hit was read from: the operator's view (the API keeps it private).
        stored = {hit.id: service.article(hit.id) for hit in response.hits}
    except QueryTooExpensive as e:
        print(f"newsarchive search: {e.message}", file=sys.stderr)
        return EXIT_FATAL
    except SearchError as e:
        print(f"newsarchive search: {error_message(e)}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        service.close()
    sources = {doc_id: a.source for doc_id, a in stored.items() if a is not None}
    if args.json:
        data = response.to_dict()
        for hit in data["hits"]:
            hit["source"] = shown_path(sources[hit["id"]]) if hit["id"] in sources else None
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print_results(response, sources, sys.stdout.isatty())
    return EXIT_OK
