"""The extraction benchmark's metrics, and its figures on the shared data (marked ``shared_data``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from bench.extraction_scoring import (
    TitleTally, same_title, score_snippets, score_zyte_page, snippet_prf, url_date, valid_day,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared/data"


def _load_bench_module():
    spec = importlib.util.spec_from_file_location("bench_extraction", REPO / "bench" / "extraction.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while executing
    spec.loader.exec_module(module)
    return module


def test_metric_counts_shingles() -> None:
    perfect = score_zyte_page("k", "one two three four five", "one two three four five")
    assert (perfect.precision, perfect.recall) == (1.0, 1.0)
    half = score_zyte_page("k", "a b c d e", "a b c d x")
    assert half.precision == pytest.approx(0.5) and half.recall == pytest.approx(0.5)
    empty = score_zyte_page("k", "a b c d", "")
    assert empty.precision is None and empty.recall == 0.0


def test_snippet_metric_searches_title_and_body() -> None:
    expected = {"with": ["Tram line", "four  kilometres"], "without": ["Cookie policy", "Share"]}
    score = score_snippets("k", expected, "Tram line extended", "by four\nkilometres.\n\nShare")
    assert (score.tp, score.fn, score.fp, score.tn) == (2, 0, 1, 1)
    assert snippet_prf([score])["precision"] == pytest.approx(2 / 3)


def test_url_dates_are_read_from_the_path_only() -> None:
    assert url_date("https://x.example/news/2024/03/14/tram/") == "2024-03-14"
    assert url_date("https://x.example/a/20240314-tram.html") == "2024-03-14"
    assert url_date("https://20240314.example/tram") is None
    assert url_date("https://x.example/2024/03/tram") is None


def test_invalid_annotated_dates_are_not_truth() -> None:
    assert valid_day("2022-11-29") == "2022-11-29"
    assert valid_day("2022-29-11") is None and valid_day("") is None


def test_titles_match_case_punctuation_and_spacing_aside() -> None:
    assert same_title("Der Nervenkrieg – geht weiter!", "der nervenkrieg  geht weiter")
    assert not same_title("Der Nervenkrieg geht weiter", "Der Nervenkrieg")
    tally = TitleTally()
    tally.add("Tram line extended", "TRAM LINE EXTENDED")
    tally.add("Tram line extended", "City Paper")
    assert (tally.pages, tally.right) == (2, 1) and tally.line() == "50.0% (1/2)"


@pytest.mark.shared_data
def test_shared_benchmark_f1() -> None:
    if not (SHARED / "extraction-benchmark/ground-truth.json").is_file():
        pytest.skip("../shared/data/extraction-benchmark is not available")
    bench = _load_bench_module()
    result = bench.bench_zyte(SHARED / "extraction-benchmark", 1, bench._extractor())
    assert result["f1"] >= 0.97, f"F1 {result['f1']:.4f} (P {result['precision']:.4f}, R {result['recall']:.4f})"


@pytest.mark.shared_data
def test_shared_evaldata_f1_and_dates() -> None:
    if not (SHARED / "extraction-evaldata/evaldata.json").is_file():
        pytest.skip("../shared/data/extraction-evaldata is not available")
    bench = _load_bench_module()
    result = bench.bench_evaldata(SHARED / "extraction-evaldata", bench._extractor())
    assert result["f1"] >= 0.90, f"F1 {result['f1']:.4f}"
    tally = result["dates"]["accuracy"]
    assert tally.right >= 0.9 * tally.pages, tally.line()
    titles = result["titles"]["dev"]
    assert titles.right >= 0.7 * titles.pages, titles.line()
