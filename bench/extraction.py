"""Quality and speed benchmark for article extraction, on both shared data sets.

    python -m bench.extraction                      # both sets + sample_corpus coverage
    python -m bench.extraction --compare 4100c17    # + speed against an older commit, same run
    python -m bench.extraction --set evaldata --worst 20

Prints, per set, body precision/recall/F1 (each set's own metric, see
bench/extraction_scoring.py), pages/s, date coverage (share of pages given a
date) and date accuracy on pages whose URL carries a full date, measured with
the extractor's URL signal off (so it scores the other date sources), and on
evaldata the accuracy against its annotated dates (``--htmldate`` adds htmldate
alone on the same dates) and the share of its annotated titles matched. The
evaldata figures are also split into development pages and a fixed hold-out
fifth that rule development never looked at.
Finally the date and section coverage of sample_corpus/.

``--compare REV`` checks REV out in a temporary git worktree and times both
extractors on the Zyte set in alternating subprocesses (same interpreter and
libraries), reporting the speed ratio in wall-clock time and in CPU time (on
a shared machine the CPU figure is the steadier one). ``--trafilatura`` adds trafilatura's
scores (bodies, and its dates on evaldata's annotated pages) when it happens to be installed
(it is not a dependency).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from bench.extraction_scoring import (
    DateTally, Page, TitleTally, is_holdout, load_evaldata, load_zyte, score_snippets, score_zyte_page,
    snippet_prf, url_date, valid_day, zyte_prf,
)
from bench.harness import REPO, machine_line, versions_line

SHARED = REPO.parent / "shared/data"
DEFAULT_ZYTE = SHARED / "extraction-benchmark"
DEFAULT_EVALDATA = SHARED / "extraction-evaldata"
DEFAULT_CORPUS = REPO / "sample_corpus"


def _extractor(code: Path | None = None) -> Callable:
    """``extract_article`` from this checkout, or from the checkout at ``code``."""
    if code is not None:
        sys.path.insert(0, str(code))
    from indexer.extract import extract_article

    return extract_article


def _run(pages: list[Page], extract: Callable, **options) -> tuple[dict[str, object], float]:
    """Extract every page once: key -> Article (or the error reason), and seconds taken."""
    from indexer.extract import ExtractionError

    results: dict[str, object] = {}
    start = time.perf_counter()
    for page in pages:
        try:
            results[page.key] = extract(page.raw, page.source, **options)
        except ExtractionError as exc:
            results[page.key] = exc.reason
    return results, time.perf_counter() - start


def _title(article: object) -> str:
    """The title of an extracted article ("" for a page that gave an error reason)."""
    return "" if isinstance(article, str) else getattr(article, "title", "")


def _day(article: object) -> str | None:
    date = getattr(article, "date", None)
    return date.date().isoformat() if date is not None else None


def _dates(pages: list[Page], results: dict[str, object], extract: Callable) -> dict:
    """Coverage over all pages; accuracy on URL-dated pages with the URL signal off."""
    dated = sum(1 for p in pages if _day(results[p.key]) is not None)
    truth = {p.key: url_date(p.url) for p in pages}
    with_truth = [p for p in pages if truth[p.key]]
    blind, _ = _run(with_truth, extract, skip_date_sources=frozenset({"url"}))
    tally, holdout = DateTally(), DateTally()
    for page in with_truth:
        (holdout if is_holdout(page.key) else tally).add(truth[page.key], _day(blind[page.key]))
    return {"coverage": dated / len(pages) if pages else 0.0, "accuracy": tally, "holdout": holdout,
            "wrong": [(p.key, truth[p.key], _day(blind[p.key])) for p in with_truth
                      if _day(blind[p.key]) != truth[p.key] and not is_holdout(p.key)]}


def bench_zyte(data: Path, rounds: int, extract: Callable) -> dict:
    pages, truth = load_zyte(data)
    timings = []
    for _ in range(max(1, rounds)):
        results, seconds = _run(pages, extract)
        timings.append(seconds)
    scores = [score_zyte_page(p.key, truth[p.key].get("articleBody", ""), getattr(results[p.key], "body", ""))
              for p in pages]
    median = statistics.median(timings)
    out = zyte_prf(scores)
    out.update(pages=len(pages), pages_per_second=len(pages) / median, rounds=len(timings),
               errors={k: v for k, v in results.items() if isinstance(v, str)},
               dates=_dates(pages, results, extract),
               worst=sorted(scores, key=lambda s: (s.precision or 0) + (s.recall or 0)))
    out["urls"] = {p.key: p.url for p in pages}
    return out


def _htmldate_alone(pages: list[Page], truth: dict) -> dict[str, DateTally]:
    """htmldate by itself (given each page's URL) on the annotated dates, for comparison."""
    from htmldate import find_date

    tallies = {"dev": DateTally(), "holdout": DateTally()}
    for page in pages:
        truth_date = valid_day(truth[page.key].get("date"))
        if truth_date:
            found = find_date(page.raw, url=page.url, original_date=True, extensive_search=True)
            tallies["holdout" if is_holdout(page.key) else "dev"].add(truth_date, found)
    return tallies


def bench_evaldata(data: Path, extract: Callable, htmldate_alone: bool = False) -> dict:
    pages, truth = load_evaldata(data)
    results, seconds = _run(pages, extract)
    scores = [score_snippets(p.key, truth[p.key], _title(results[p.key]),
                             getattr(results[p.key], "body", "")) for p in pages]
    dev = [s for s in scores if not is_holdout(s.key)]
    held = [s for s in scores if is_holdout(s.key)]
    out = snippet_prf(scores)
    annotated, annotated_holdout = DateTally(), DateTally()
    titles = {"dev": TitleTally(), "holdout": TitleTally()}
    for page in pages:
        part = "holdout" if is_holdout(page.key) else "dev"
        truth_date = valid_day(truth[page.key].get("date"))
        if truth_date:
            (annotated_holdout if part == "holdout" else annotated).add(truth_date, _day(results[page.key]))
        if truth[page.key].get("title"):
            titles[part].add(truth[page.key]["title"], _title(results[page.key]))
    out.update(pages=len(pages), pages_per_second=len(pages) / seconds,
               dev=snippet_prf(dev) | {"pages": len(dev)}, holdout=snippet_prf(held) | {"pages": len(held)},
               errors={k: v for k, v in results.items() if isinstance(v, str)},
               dates=_dates(pages, results, extract),
               annotated_dates={"dev": annotated, "holdout": annotated_holdout}, titles=titles,
               htmldate_alone=_htmldate_alone(pages, truth) if htmldate_alone else None,
               worst=sorted(dev, key=lambda s: (s.tp - s.fn - s.fp, s.key)))
    return out


def bench_corpus(corpus: Path, extract: Callable) -> dict:
    manifest = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    dated = sectioned = right_date = right_section = 0
    for entry in manifest:
        raw = (corpus / entry["path"]).read_bytes()
        if entry["path"].endswith(".gz"):
            raw = gzip.decompress(raw)
        article = extract(raw, entry["path"])
        dated += article.date is not None
        right_date += _day(article) == entry["date"]
        sectioned += bool(article.section)
        right_section += article.section == entry["section"]
    n = len(manifest)
    return {"pages": n, "date_coverage": dated / n, "dates_as_manifest": right_date,
            "section_coverage": sectioned / n, "sections_as_manifest": right_section}


# ---------------------------------------------------------------- speed against another commit

def _time_only(code: Path, data: Path, rounds: int) -> None:
    pages, _ = load_zyte(data)
    extract = _extractor(code)
    _run(pages[:20], extract)  # warm caches and imports outside the timing
    timings, cpu = [], []
    for _ in range(rounds):
        start = time.process_time()
        timings.append(_run(pages, extract)[1])
        cpu.append(time.process_time() - start)
    # CPU time too: on a shared machine wall-clock rates follow the other load.
    print(json.dumps({"pages_per_second": len(pages) / statistics.median(timings),
                      "pages_per_cpu_second": len(pages) / statistics.median(cpu)}))


def compare_speed(rev: str, data: Path, rounds: int) -> dict:
    """Pages/s of this checkout and of ``rev`` on the Zyte set, in alternating subprocesses."""
    tmp = Path(tempfile.mkdtemp(prefix="extract-compare-"))
    tree = tmp / "tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
    speeds: dict[str, list[float]] = {"current": [], rev: []}
    cpu: dict[str, list[float]] = {"current": [], rev: []}
    try:
        for _ in range(rounds):
            for name, code in (("current", REPO), (rev, tree)):
                out = subprocess.run(
                    [sys.executable, "-m", "bench.extraction", "--time-only", str(code),
                     "--zyte", str(data), "--rounds", "3"],
                    check=True, capture_output=True, text=True, cwd=str(REPO))
                rates = json.loads(out.stdout)
                speeds[name].append(rates["pages_per_second"])
                cpu[name].append(rates["pages_per_cpu_second"])
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    current, old = statistics.median(speeds["current"]), statistics.median(speeds[rev])
    cpu_current, cpu_old = statistics.median(cpu["current"]), statistics.median(cpu[rev])
    return {"rev": rev, "current": current, "old": old, "ratio": current / old, "samples": speeds,
            "cpu_current": cpu_current, "cpu_old": cpu_old, "cpu_ratio": cpu_current / cpu_old}


def _trafilatura(zyte: Path, evaldata: Path) -> dict | None:
    try:
        import trafilatura
    except ImportError:
        return None

    class _Result:
        def __init__(self, raw: bytes, url: str | None = None):
            extracted = trafilatura.bare_extraction(raw, url=url, with_metadata=True)
            get = extracted.get if isinstance(extracted, dict) else lambda k: getattr(extracted, k, None)
            self.title, self.body = get("title") or "", get("text") or ""
            self.date = get("date")

    pages, truth = load_zyte(zyte)
    z = zyte_prf([score_zyte_page(p.key, truth[p.key].get("articleBody", ""), _Result(p.raw).body)
                  for p in pages])
    pages, truth = load_evaldata(evaldata)
    scores = []
    dates = {"dev": DateTally(), "holdout": DateTally()}
    for p in pages:
        # Given the page's URL, as htmldate alone is (its dates come from htmldate).
        r = _Result(p.raw, p.url)
        scores.append(score_snippets(p.key, truth[p.key], r.title, r.body))
        truth_date = valid_day(truth[p.key].get("date"))
        if truth_date:
            dates["holdout" if is_holdout(p.key) else "dev"].add(truth_date, r.date)
    return {"zyte": z, "evaldata": snippet_prf(scores), "annotated_dates": dates}


# ---------------------------------------------------------------- report

def _prf(d: dict) -> str:
    return f"P {d['precision']:.4f}  R {d['recall']:.4f}  F1 {d['f1']:.4f}"


def _print_dates(d: dict) -> None:
    print(f"  dates     coverage {d['coverage']:.1%}; URL-dated pages, URL signal off: {d['accuracy'].line()}")
    if d["holdout"].pages:
        print(f"            hold-out: {d['holdout'].line()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zyte", type=Path, default=DEFAULT_ZYTE, help="Zyte benchmark directory")
    parser.add_argument("--evaldata", type=Path, default=DEFAULT_EVALDATA, help="evaldata directory")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="sample corpus directory")
    parser.add_argument("--set", choices=("zyte", "evaldata", "corpus"), action="append",
                        help="only these parts (repeatable; default all)")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds on the Zyte set (median)")
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list the N worst pages per set")
    parser.add_argument("--compare", metavar="REV", help="also time the extractor of commit REV, same run")
    parser.add_argument("--trafilatura", action="store_true", help="score trafilatura too, if installed")
    parser.add_argument("--htmldate", action="store_true", help="also score htmldate alone on evaldata's dates")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--time-only", type=Path, metavar="CODE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.time_only:
        _time_only(args.time_only, args.zyte, args.rounds)
        return 0
    parts = set(args.set or ("zyte", "evaldata", "corpus"))
    for name, path, marker in (("zyte", args.zyte, "ground-truth.json"),
                               ("evaldata", args.evaldata, "evaldata.json")):
        if name in parts and not (path / marker).is_file():
            print(f"{name} data not found in {path}", file=sys.stderr)
            return 2
    extract = _extractor()
    report: dict = {"machine": machine_line(), "versions": versions_line("lxml", "charset-normalizer", "htmldate")}
    if "zyte" in parts:
        report["zyte"] = bench_zyte(args.zyte, args.rounds, extract)
    if "evaldata" in parts:
        report["evaldata"] = bench_evaldata(args.evaldata, extract, args.htmldate)
    if "corpus" in parts:
        report["corpus"] = bench_corpus(args.corpus, extract)
    if args.compare:
        report["compare"] = compare_speed(args.compare, args.zyte, max(1, args.rounds))
    if args.trafilatura:
        report["trafilatura"] = _trafilatura(args.zyte, args.evaldata)
    if args.json:
        print(json.dumps(report, default=lambda o: getattr(o, "__dict__", str(o)), indent=1))
        return 0
    print(f"{report['machine']}; {report['versions']}")
    if "zyte" in report:
        z = report["zyte"]
        print(f"Zyte set    {z['pages']} pages  {_prf(z)}  {z['pages_per_second']:.1f} pages/s "
              f"(median of {z['rounds']}, 1 process)  errors {len(z['errors'])}")
        _print_dates(z["dates"])
        for s in z["worst"][: args.worst]:
            print(f"    P {s.precision or 0:.3f} R {s.recall or 0:.3f}  {s.key[:12]}  {z['urls'][s.key]}")
    if "evaldata" in report:
        e = report["evaldata"]
        print(f"evaldata    {e['pages']} pages  {_prf(e)}  {e['pages_per_second']:.1f} pages/s  "
              f"nothing found on {e['nothing_found']}  errors {len(e['errors'])}")
        for part in ("dev", "holdout"):
            print(f"  {part:9} {e[part]['pages']} pages  {_prf(e[part])}  nothing found on {e[part]['nothing_found']}")
        _print_dates(e["dates"])
        print(f"  dates     against evaldata's own annotated dates (all sources on): dev "
              f"{e['annotated_dates']['dev'].line()}; hold-out {e['annotated_dates']['holdout'].line()}")
        print(f"  titles    as annotated (case and punctuation aside): dev {e['titles']['dev'].line()}; "
              f"hold-out {e['titles']['holdout'].line()}")
        if e["htmldate_alone"]:
            h = e["htmldate_alone"]
            print(f"            htmldate alone (with the URL): dev {h['dev'].line()}; hold-out {h['holdout'].line()}")
        for s in e["worst"][: args.worst]:
            print(f"    tp {s.tp} fn {s.fn} fp {s.fp}  {s.key}")
    for name in ("zyte", "evaldata"):
        if name in report and args.worst:
            for key, truth, found in report[name]["dates"]["wrong"][: args.worst]:
                print(f"    date {name}: URL says {truth}, found {found}  {key[:90]}")
    if "corpus" in report:
        c = report["corpus"]
        print(f"sample_corpus {c['pages']} articles  dates {c['date_coverage']:.0%} "
              f"({c['dates_as_manifest']} as MANIFEST)  sections {c['section_coverage']:.0%} "
              f"({c['sections_as_manifest']} as MANIFEST)")
    if "compare" in report:
        c = report["compare"]
        print(f"speed vs {c['rev']}: {c['current']:.1f} vs {c['old']:.1f} pages/s on the Zyte set, "
              f"ratio {c['ratio']:.2f} (medians of {len(c['samples']['current'])} alternating runs); "
              f"per CPU second {c['cpu_current']:.1f} vs {c['cpu_old']:.1f}, ratio {c['cpu_ratio']:.2f}")
    if report.get("trafilatura"):
        t = report["trafilatura"]
        print(f"trafilatura Zyte {_prf(t['zyte'])}; evaldata {_prf(t['evaldata'])}")
        print(f"            evaldata's annotated dates: dev {t['annotated_dates']['dev'].line()}; "
              f"hold-out {t['annotated_dates']['holdout'].line()}")
    print(f"load after the run: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
