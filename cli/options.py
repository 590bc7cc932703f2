"""Option helpers shared by the subcommands, and the one place the index target is resolved.

Nothing here imports the search library at module level: ``--help`` stays light.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.service import SearchService


def _whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}: {value}")
    return value


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

    return SearchService(index_target(args))
