"""``newsarchive index``: saved article pages into the index, incrementally."""

from __future__ import annotations

import argparse
import json
import sys

from indexer.pipeline import DEFAULT_MAX_BYTES, IndexReport, Indexer, UsageError, WorkerError
from indexer.stories import DEFAULT_THRESHOLD
from search import IndexBusy, IndexError_, IndexUnreadable, is_url, open_engine

from .display import shown_path
from .exits import EXIT_FATAL, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from .options import add_index_option, index_target, non_negative_int, positive_int
from .progress import ProgressBar


def configure(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Index saved article pages (.html, .htm, .html.gz). Only new or changed "
        "files are parsed; articles whose files disappeared from an indexed "
        "directory are removed. With no PATH, rescans the sources recorded in "
        "the index. A file that fails is remembered with its content: while it "
        "is unchanged it is not parsed again (a known failure; see "
        "'newsarchive failures'). A run with nothing to do commits nothing. "
        "Exit status: 0 all indexed, 3 committed but some files failed in this "
        "run, 1 fatal error (previous index untouched), 2 usage error."
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (recursive)")
    add_index_option(p)
    p.add_argument("--rebuild", action="store_true",
                   help="build a complete new index while the old one stays searchable, then swap it in")
    p.add_argument("--retry-failed", action="store_true",
                   help="parse the known failures again (e.g. after an upgrade)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary line")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="parser processes (default: number of CPUs)")
    p.add_argument("--lock-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="how long to wait for another running indexer (default: 60)")
    p.add_argument("--max-page-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="BYTES",
                   help=f"skip pages larger than this (default: {DEFAULT_MAX_BYTES:,})")
    p.add_argument("--story-threshold", type=story_threshold, default=DEFAULT_THRESHOLD, metavar="J",
                   help="how alike two bodies must be to count as copies of one story: the estimated "
                        f"Jaccard similarity of their 5-word shingles, 0 < J <= 1 (default {DEFAULT_THRESHOLD}); "
                        "applies to the articles this run adds (--rebuild to regroup all)")
    p.add_argument("--shards", type=positive_int, default=None, metavar="N",
                   help="OpenSearch only: primary shards of an index being created (first run or "
                        "--rebuild; default 1)")
    p.add_argument("--replicas", type=non_negative_int, default=None, metavar="N",
                   help="OpenSearch only: copies of each shard (default: 1 where a second node can "
                        "hold it, else 0)")
    p.set_defaults(run=run)


def story_threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number above 0 and at most 1, got {text!r}")
    return value


def summary_line(report: IndexReport) -> str:
    implausible = (f"; {report.implausible_dates} with an implausible date ignored"
                   if report.implausible_dates else "")
    known = (f"; {report.known_failures} known failures not parsed again (newsarchive failures)"
             if report.known_failures else "")
    return (
        f"{report.documents} articles in index (generation {report.generation}): "
        f"{report.added} added, {report.updated} updated, {report.removed} removed, "
        f"{report.unchanged} unchanged, {report.failed} failed in {report.seconds:.1f}s{implausible}{known}"
    )


def report_json(report: IndexReport) -> str:
    data = report.to_dict()
    for failure in data["failures"]:
        failure["path"] = shown_path(failure["path"])
    return json.dumps(data, ensure_ascii=False)


def run(args: argparse.Namespace) -> int:
    show_progress = not (args.quiet or args.json) and sys.stderr.isatty()
    if args.jobs is not None and args.jobs < 1:
        print("newsarchive index: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    target = index_target(args)
    if (args.shards is not None or args.replicas is not None) and not is_url(target):
        print("newsarchive index: --shards and --replicas apply to an OpenSearch index (--index URL)",
              file=sys.stderr)
        return EXIT_USAGE
    indexer = Indexer(
        target,
        engine=open_engine(target, shards=args.shards, replicas=args.replicas),
        jobs=args.jobs,
        lock_timeout=args.lock_timeout,
        max_bytes=args.max_page_bytes,
        progress=ProgressBar(sys.stderr, "parsing") if show_progress else None,
        story_threshold=args.story_threshold,
    )
    try:
        report = indexer.run(args.paths, rebuild=args.rebuild, retry_failed=args.retry_failed)
    except UsageError as e:
        print(f"newsarchive index: {e}", file=sys.stderr)
        return EXIT_USAGE
    except IndexBusy as e:
        print(f"newsarchive index: {e}", file=sys.stderr)
        return EXIT_FATAL
    except IndexUnreadable:
        raise  # one message for every command (cli.main)
    except (OSError, IndexError_, WorkerError) as e:
        print(f"newsarchive index: fatal: {e}; the previous index is untouched", file=sys.stderr)
        return EXIT_FATAL
    if args.json:
        print(report_json(report))
    elif not args.quiet:
        for w in report.warnings:
            print(f"warning: {w}", file=sys.stderr)
        for f in report.failures:
            print(f"failed: {shown_path(f.path)}: {f.reason}", file=sys.stderr)
        print(summary_line(report))
    return EXIT_PARTIAL if report.failures else EXIT_OK
