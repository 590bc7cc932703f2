"""Option helpers shared by the subcommands, and the one place the index target is resolved.

Nothing here imports the search library at module level: ``--help`` stays light.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.models import SearchRequest
    from search.service import SearchService

#: The result orders (search.models.Sort), spelled here so --help loads no library.
SORTS = ("relevance", "newest", "oldest", "indexed")


def _whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}: {value}")
    return value


def budget_seconds(text: str) -> float:
    """A search time budget in seconds (0: none), for ``--budget``."""
    from search.limits import search_budget

    try:
        search_budget(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return float(text)


def add_budget_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--budget", type=budget_seconds, default=None, metavar="SECONDS",
        help="seconds one search may take before it is stopped as too expensive "
             "(default: $NEWSARCHIVE_SEARCH_BUDGET, else 2; 0: no limit)",
    )


def positive_int(text: str) -> int:
    return _whole_number(text, 1)


def non_negative_int(text: str) -> int:
    return _whole_number(text, 0)


def add_index_option(parser: argparse.ArgumentParser) -> None:
    # A string, not a Path: a target may be a URL, which Path would mangle.
    parser.add_argument(
        "--index", metavar="DIR|URL", default=None,
        help="index directory, or an OpenSearch alias as http(s)://HOST:PORT[,HOST:PORT...]/ALIAS "
             "(default: $NEWSARCHIVE_INDEX, else ./var/index)",
    )


def index_target(args: argparse.Namespace) -> str:
    """The index a command works on: ``--index``, else $NEWSARCHIVE_INDEX, else ./var/index.

    Every subcommand gets its index from here and hands it on as it is: a
    directory or an OpenSearch URL, which ``open_engine`` (through
    SearchService, Indexer and serve) turns into an engine. Show it with
    ``search.display_target``, which masks a password.
    """
    from search import default_index_target  # the rule gunicorn and create_app use too

    return args.index or default_index_target()


def open_service(args: argparse.Namespace) -> SearchService:
    from search.service import SearchService

    return SearchService(index_target(args), budget=getattr(args, "budget", None))


def add_search_options(s: argparse.ArgumentParser) -> None:
    """QUERY and the filters and order a search and an export share."""
    s.add_argument("query", nargs="?", default="", metavar="QUERY",
                   help="the query (empty: all articles, newest first)")
    add_index_option(s)
    s.add_argument("--section", action="append", default=[], metavar="S",
                   help="only this section (repeatable: any of them; '(no section)': articles without one)")
    s.add_argument("--author", action="append", default=[], metavar="A", help="only this author (repeatable: any of them)")
    s.add_argument("--publication", action="append", default=[], metavar="P",
                   help="only this publication (repeatable: any of them)")
    s.add_argument("--from", dest="date_from", metavar="DATE", help="published on or after (YYYY, YYYY-MM or YYYY-MM-DD)")
    s.add_argument("--to", dest="date_to", metavar="DATE", help="published on or before (YYYY, YYYY-MM or YYYY-MM-DD)")
    s.add_argument("--indexed-since", metavar="TIME",
                   help="only articles first indexed at or after this ISO 8601 date or time (UTC unless a zone is given)")
    s.add_argument("--sort", choices=SORTS, default="relevance",
                   help="result order; indexed = newest-indexed first (default: relevance)")
    s.add_argument("--operator", choices=["and", "or"], default="and",
                   help="how plain words combine (default: and)")
    s.add_argument("--exact", action="store_true", help="exact spelling: no accent folding or stemming")
    s.add_argument("--story", metavar="ID", help="only the articles of this story cluster (a hit's story id)")


def search_request(args: argparse.Namespace, **paging: int) -> SearchRequest:
    """The request ``add_search_options`` describes."""
    from search.models import SearchRequest

    return SearchRequest(
        q=args.query, sections=args.section, authors=args.author, publications=args.publication, date_from=args.date_from,
        date_to=args.date_to, sort=args.sort, operator=args.operator, exact=args.exact,
        indexed_since=args.indexed_since, story=args.story, **paging,  # type: ignore[arg-type]
    )
