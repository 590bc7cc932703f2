"""Option helpers shared by the subcommands, and the one place the index target is resolved.

Nothing here imports the search library at module level: ``--help`` stays light.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.service import SearchService


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
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


def add_index_option(parser: argparse.ArgumentParser) -> None:
    # A string, not a Path: a target may become a URL, which Path would mangle.
    parser.add_argument(
        "--index", metavar="DIR", default=None,
        help="index directory (default: $NEWSARCHIVE_INDEX, else ./var/index)",
    )


def index_target(args: argparse.Namespace) -> str:
    """The index a command works on: ``--index``, else $NEWSARCHIVE_INDEX, else ./var/index.

    Every subcommand gets its index from here and hands it on as it is: today
    a directory, which SearchService, Indexer and serve take. This is the one
    place to turn a target into an engine (``open_engine(target)``) once a
    target can also be an OpenSearch URL.
    """
    from search import default_index_target  # the rule gunicorn and create_app use too

    return args.index or default_index_target()


def open_service(args: argparse.Namespace) -> SearchService:
    from search.service import SearchService

    return SearchService(index_target(args), budget=getattr(args, "budget", None))
