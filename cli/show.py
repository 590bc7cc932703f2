"""``newsarchive show``: one article as the index holds it."""

from __future__ import annotations

import argparse
import json
import sys

from .display import shown_path
from .exits import EXIT_FATAL, EXIT_OK
from .options import add_index_option, open_service


def configure(s: argparse.ArgumentParser) -> None:
    s.description = "Print one article: title, date, section, authors, URL, source file and body."
    s.add_argument("id", metavar="ID", help="the article's id (as 'newsarchive search' shows it)")
    add_index_option(s)
    s.add_argument("--json", action="store_true", help="print as JSON")
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    service = open_service(args)
    try:
        article = service.article(args.id)
    finally:
        service.close()
    if article is None:
        print(f"newsarchive show: no article with id {args.id!r}", file=sys.stderr)
        return EXIT_FATAL
    article.source = shown_path(article.source)
    if args.json:
        print(json.dumps(article.to_dict(), ensure_ascii=False, indent=1))
        return EXIT_OK
    print(article.title)
    meta = " · ".join(x for x in (article.date, article.section, ", ".join(article.authors)) if x)
    if meta:
        print(meta)
    print(f"id {article.id}" + (f"  {article.url}" if article.url else ""))
    print(f"file {article.source}")
    print()
    print(article.body)
    return EXIT_OK
