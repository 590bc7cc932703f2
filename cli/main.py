"""The ``newsarchive`` command: index, search, show, stats, failures and serve.

The outermost layer, above ``web``, ``indexer`` and ``search``. Each
subcommand is a module of this package with ``configure(parser)`` (its
options) and ``run(args)`` (an exit status, ``cli.exits``). Only the module
of the command being run is imported, and the libraries it needs only then:
``newsarchive --help`` loads argparse and this file.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from typing import Sequence

from .exits import EXIT_FATAL, REPAIR

#: The subcommands (modules of this package), in the order ``--help`` lists them.
COMMANDS = {
    "index": "index saved article pages (incremental)",
    "search": "search the index",
    "show": "print one article",
    "export": "write every article a search matches as NDJSON or CSV",
    "stats": "what the index holds",
    "failures": "files that could not be indexed, and why",
    "serve": "serve the web UI and JSON API with gunicorn",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with the options of ``command`` only (the others are not imported)."""
    parser = argparse.ArgumentParser(
        prog="newsarchive",
        description="Full-text search over a newsroom's archive of saved article pages.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in COMMANDS.items():
        p = sub.add_parser(name, help=summary)
        if name == command:
            import_module(f"{__package__}.{name}").configure(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The top level has no options but --help: the first word is the command.
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    from search import IndexError_, IndexUnreadable  # after parsing: --help never loads the search library

    try:
        return args.run(args)
    except IndexUnreadable as e:
        from .display import shown_path

        print(f"newsarchive {args.command}: {shown_path(str(e))}; {REPAIR}", file=sys.stderr)
        return EXIT_FATAL
    except IndexError_ as e:  # no index yet, an unreachable cluster, a malformed URL: one line, no traceback
        print(f"newsarchive {args.command}: {e}", file=sys.stderr)
        return EXIT_FATAL
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into e.g. head, which has exited: not an error to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FATAL
