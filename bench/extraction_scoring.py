"""Metrics and data loaders for bench/extraction.py (the two extraction sets of ../shared).

* Zyte set (``extraction-benchmark``): 4-token-shingle precision/recall/F1
  averaged over pages, as ../shared/README.md defines it.
* evaldata (``extraction-evaldata``): must/must-not snippets searched in
  "title\\nbody" with whitespace collapsed, summed over all pages.
* Titles: evaldata's annotated titles, compared with case, punctuation and
  spacing set aside (``same_title``).
* Dates, two measures. evaldata's pages carry annotated dates (the date a
  person read off the page; some are the last-modified date): scored as they
  are. And a page whose URL holds a full date (``/2024/03/14/``,
  ``2024-03-14``, ``20240314``) has that date as its truth. The extractor is
  then run with its own URL signal switched off, so the score measures the
  other sources (metadata, visible text, htmldate), not the URL read twice.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_TOKEN = re.compile(r"\w+")
_WS = re.compile(r"\s+")


@dataclass
class Page:
    key: str
    raw: bytes
    source: str
    url: str


# ---------------------------------------------------------------- loaders

def load_zyte(data: Path) -> tuple[list[Page], dict[str, dict]]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        path = data / "html" / f"{key}.html.gz"
        pages.append(Page(key, gzip.decompress(path.read_bytes()), str(path), truth[key].get("url", "")))
    return pages, truth


def load_evaldata(data: Path) -> tuple[list[Page], dict[str, dict]]:
    truth = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url in sorted(truth):
        path = data / "pages" / f"{truth[url]['file']}.gz"
        pages.append(Page(url, gzip.decompress(path.read_bytes()), str(path), url))
    return pages, truth


def is_holdout(key: str) -> bool:
    """A fixed fifth of the evaldata pages, kept out of rule development."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 5 == 0


# ---------------------------------------------------------------- Zyte shingle metric

def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


@dataclass
class PageScore:
    key: str
    precision: float | None
    recall: float | None


def score_zyte_page(key: str, truth: str, predicted: str) -> PageScore:
    true_sh, pred_sh = shingles(truth), shingles(predicted)
    tp = sum((true_sh & pred_sh).values())
    fp = sum((pred_sh - true_sh).values())
    fn = sum((true_sh - pred_sh).values())
    total = tp + fp + fn
    if total == 0 or (fp == 0 and fn == 0):
        return PageScore(key, 1.0, 1.0)
    tp, fp, fn = tp / total, fp / total, fn / total
    precision = tp / (tp + fp) if tp + fp > 0 else None
    recall = tp / (tp + fn) if tp + fn > 0 else None
    return PageScore(key, precision, recall)


def zyte_prf(scores: list[PageScore]) -> dict[str, float]:
    precisions = [s.precision for s in scores if s.precision is not None]
    recalls = [s.recall for s in scores if s.recall is not None]
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


# ---------------------------------------------------------------- evaldata snippet metric

@dataclass
class SnippetScore:
    key: str
    tp: int
    fn: int
    fp: int
    tn: int


def score_snippets(key: str, expected: dict, title: str, body: str) -> SnippetScore:
    text = _WS.sub(" ", f"{title}\n{body}").strip()
    found = [_WS.sub(" ", s).strip() in text for s in expected.get("with", [])]
    leaked = [_WS.sub(" ", s).strip() in text for s in expected.get("without", [])]
    return SnippetScore(key, sum(found), len(found) - sum(found), sum(leaked), len(leaked) - sum(leaked))


def snippet_prf(scores: list[SnippetScore]) -> dict[str, float]:
    tp = sum(s.tp for s in scores)
    fp = sum(s.fp for s in scores)
    fn = sum(s.fn for s in scores)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "nothing_found": sum(1 for s in scores if s.tp == 0 and s.fn > 0)}


def same_title(truth: str, found: str) -> bool:
    """The annotated title, case, punctuation and spacing aside."""
    return _TOKEN.findall(truth.casefold()) == _TOKEN.findall((found or "").casefold())


@dataclass
class TitleTally:
    pages: int = 0
    right: int = 0

    def add(self, truth: str, found: str) -> None:
        self.pages += 1
        self.right += same_title(truth, found)

    def line(self) -> str:
        return f"{self.right / self.pages:.1%} ({self.right}/{self.pages})" if self.pages else "no pages"


# ---------------------------------------------------------------- dates in URLs (truth)

_URL_DATE = re.compile(
    r"(?<![\d])((?:19|20)\d\d)([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?![\d])")


def url_date(url: str) -> str | None:
    """The full date a URL's path carries (ISO), if exactly one is there."""
    path = url.split("://", 1)[-1].split("/", 1)[-1] if "/" in url.split("://", 1)[-1] else ""
    found = {f"{m.group(1)}-{m.group(3)}-{m.group(4)}" for m in _URL_DATE.finditer(path)}
    return found.pop() if len(found) == 1 else None


def valid_day(value: str | None) -> str | None:
    """An annotated date if it is a real calendar date (a few annotations read "2022-29-11")."""
    try:
        return dt.date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


@dataclass
class DateTally:
    pages: int = 0
    right: int = 0
    wrong: int = 0
    undated: int = 0

    def add(self, truth: str, found: str | None) -> None:
        self.pages += 1
        if found is None:
            self.undated += 1
        elif found == truth:
            self.right += 1
        else:
            self.wrong += 1

    def line(self) -> str:
        if not self.pages:
            return "no pages"
        return (f"{self.right / self.pages:.1%} right ({self.right}/{self.pages}), "
                f"{self.wrong} wrong, {self.undated} undated")
