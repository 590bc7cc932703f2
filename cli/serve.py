"""``newsarchive serve``: the web UI and JSON API under gunicorn."""

from __future__ import annotations

import argparse

from .options import add_budget_option, add_index_option, index_target, positive_int


def configure(sv: argparse.ArgumentParser) -> None:
    sv.description = "Serve the web UI and JSON API with gunicorn (read-only on the index)."
    add_index_option(sv)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--workers", type=positive_int, default=2, metavar="N")
    sv.add_argument("--data-dir", metavar="DIR", default=None,
                    help="where the server keeps saved result sets (default: $NEWSARCHIVE_DATA_DIR, else "
                         "beside the index: <index>-data; never inside the index)")
    add_budget_option(sv)
    sv.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from web.serve import serve  # the web layer (Flask) only when serving

    return serve(index_target(args), args.host, args.port, args.workers, args.data_dir, budget=args.budget)
