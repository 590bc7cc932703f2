"""Quality and speed benchmark for article-body extraction.

Runs ``indexer.extract.extract_article`` over the shared extraction benchmark
(``html/<sha256>.html.gz`` + ``ground-truth.json``) and scores bodies with a
4-token shingle precision/recall/F1:

* tokens are ``re.findall(r"\\w+", text)``; a text is the multiset of its
  consecutive 4-token shingles;
* per page tp = shared shingles (min of counts), fp = predicted excess,
  fn = missing; precision/recall are averaged over pages, F1 is taken from
  the two means.

Usage: python -m bench.extraction [--data DIR] [--rounds N] [--worst N] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.harness import REPO, machine_line, versions, versions_line
from indexer.extract import ExtractionError, extract_article

DEFAULT_DATA = REPO.parent / "shared/data/extraction-benchmark"
_TOKEN = re.compile(r"\w+")


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


@dataclass
class PageScore:
    key: str
    tp: float
    fp: float
    fn: float
    precision: float | None
    recall: float | None


def score_page(key: str, truth: str, predicted: str) -> PageScore:
    true_sh, pred_sh = shingles(truth), shingles(predicted)
    tp = sum((true_sh & pred_sh).values())
    fp = sum((pred_sh - true_sh).values())
    fn = sum((true_sh - pred_sh).values())
    total = tp + fp + fn
    if total == 0:
        return PageScore(key, 0.0, 0.0, 0.0, 1.0, 1.0)
    tp, fp, fn = tp / total, fp / total, fn / total
    if fp == 0 and fn == 0:
        return PageScore(key, tp, fp, fn, 1.0, 1.0)
    precision = tp / (tp + fp) if tp + fp > 0 else None
    recall = tp / (tp + fn) if tp + fn > 0 else None
    return PageScore(key, tp, fp, fn, precision, recall)


def aggregate(scores: list[PageScore]) -> dict[str, float]:
    precisions = [s.precision for s in scores if s.precision is not None]
    recalls = [s.recall for s in scores if s.recall is not None]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1}


def load(data: Path) -> tuple[list[tuple[str, bytes, str]], dict[str, dict]]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        path = data / "html" / f"{key}.html.gz"
        pages.append((key, gzip.decompress(path.read_bytes()), str(path)))
    return pages, truth


def extract_all(pages: list[tuple[str, bytes, str]]) -> tuple[dict[str, str], dict[str, str], float]:
    bodies: dict[str, str] = {}
    errors: dict[str, str] = {}
    start = time.perf_counter()
    for key, raw, source in pages:
        try:
            bodies[key] = extract_article(raw, source).body
        except ExtractionError as exc:
            bodies[key] = ""
            errors[key] = exc.reason
    return bodies, errors, time.perf_counter() - start


def evaluate(data: Path = DEFAULT_DATA, rounds: int = 3) -> dict:
    pages, truth = load(data)
    timings = []
    bodies: dict[str, str] = {}
    errors: dict[str, str] = {}
    for _ in range(max(1, rounds)):
        bodies, errors, elapsed = extract_all(pages)
        timings.append(elapsed)
    scores = [score_page(key, truth[key].get("articleBody", ""), bodies[key]) for key, _, _ in pages]
    median = statistics.median(timings)
    total_bytes = sum(len(raw) for _, raw, _ in pages)
    result = aggregate(scores)
    result.update(
        pages=len(pages),
        errors=errors,
        seconds=median,
        pages_per_second=len(pages) / median if median else 0.0,
        ms_per_page=1000 * median / len(pages) if pages else 0.0,
        mb_per_second=total_bytes / 1e6 / median if median else 0.0,
        scores=scores,
        bodies=bodies,
        truth=truth,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmark directory")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (median is reported)")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list the N worst pages")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--show", metavar="SHA", help="print predicted vs true body of one page")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").is_file():
        print(f"benchmark data not found in {args.data}", file=sys.stderr)
        return 2
    result = evaluate(args.data, args.rounds)
    scores: list[PageScore] = result.pop("scores")
    bodies = result.pop("bodies")
    truth = result.pop("truth")
    worst = sorted(scores, key=lambda s: ((s.precision or 0) + (s.recall or 0)))[: args.worst]
    libraries = ("lxml", "charset-normalizer", "htmldate")
    if args.show:
        key = next((k for k in bodies if k.startswith(args.show)), None)
        if key:
            print("URL:", truth[key].get("url"))
            print("=== PREDICTED ===\n" + bodies[key] + "\n=== TRUE ===\n" + truth[key].get("articleBody", ""))
        return 0
    if args.json:
        out = {k: v for k, v in result.items()}
        out["versions"] = versions(*libraries)
        out["machine"] = machine_line()
        out["worst"] = [
            {"page": s.key, "url": truth[s.key].get("url"), "precision": s.precision, "recall": s.recall}
            for s in worst
        ]
        print(json.dumps(out, indent=2))
        return 0
    print(f"pages      {result['pages']}  (extraction errors: {len(result['errors'])})")
    print(f"precision  {result['precision']:.4f}")
    print(f"recall     {result['recall']:.4f}")
    print(f"F1         {result['f1']:.4f}")
    print(f"speed      {result['pages_per_second']:.1f} pages/s  ({result['ms_per_page']:.2f} ms/page, "
          f"{result['mb_per_second']:.1f} MB/s, median of {args.rounds} rounds, 1 process)")
    print(f"versions   {versions_line(*libraries)}")
    print(f"machine    {machine_line()}")
    for key, reason in list(result["errors"].items())[:10]:
        print(f"error      {key[:12]}  {reason}")
    if worst:
        print(f"\nworst {len(worst)} pages:")
        for s in worst:
            p = "-" if s.precision is None else f"{s.precision:.3f}"
            r = "-" if s.recall is None else f"{s.recall:.3f}"
            print(f"  P {p}  R {r}  {s.key[:12]}  {truth[s.key].get('url')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
