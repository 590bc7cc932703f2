"""The query benchmark's 200 fixed queries, derived from an index with a fixed seed.

Classes: single words (rare, medium, common by document frequency of
``body_phrase``), 2- and 3-word ANDs and phrases taken from articles,
prefixes, a section filter, a date range, sort by newest, and the empty query
(with filters and paging). Each query knows its API URL and the shape of the
same request for SQLite FTS5 (``bench/fts5.py``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

from bench import fts5
from search.engines.whoosh.analysis import STOP_WORDS, analyze, ranking_analyzer
from search.query import dates
from search.models import SearchRequest
from search.service import SearchService

#: Queries per class; 200 in all.
CLASSES: dict[str, int] = {
    "rare": 20, "medium": 25, "common": 20, "and2": 25, "and3": 15, "phrase": 20,
    "prefix": 15, "section": 15, "date": 15, "newest": 15, "empty": 15,
}
_WORD_RE = re.compile(r"[a-z]{4,}")
_RUN2_RE = re.compile(r"\b([A-Za-z]+) ([A-Za-z]+)\b")
_RUN3_RE = re.compile(r"\b([A-Za-z]+) ([A-Za-z]+) ([A-Za-z]+)\b")


@dataclass
class BenchQuery:
    cls: str
    q: str
    kind: str = "words"  # words | phrase | prefix | empty: the FTS5 query shape
    words: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1

    def request(self, **changes: Any) -> SearchRequest:
        base = dict(q=self.q, sections=list(self.sections), date_from=self.date_from,
                    date_to=self.date_to, sort=self.sort, page=self.page)
        base.update(changes)
        return SearchRequest(**base)  # type: ignore[arg-type]

    def url(self) -> str:
        pairs: list[tuple[str, str]] = [("q", self.q)]
        pairs += [("section", s) for s in self.sections]
        if self.date_from:
            pairs.append(("from", self.date_from))
        if self.date_to:
            pairs.append(("to", self.date_to))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return "/api/search?" + urlencode(pairs)

    def fts_match(self) -> str | None:
        return None if self.kind == "empty" else fts5.fts_query(self.kind, self.words)

    def day_range(self) -> tuple[int, int] | None:
        if not (self.date_from or self.date_to):
            return None
        lo = dates.bounds(self.date_from, None)
        hi = dates.bounds(None, self.date_to)
        return (lo.lo if lo else dates.FIRST_DAY, hi.hi if hi else dates.LAST_DAY)


def make_queries(service: SearchService, seed: int) -> list[BenchQuery]:
    """200 queries from the index's vocabulary and articles; deterministic for a seed
    and an index generation (candidates are sorted before sampling)."""
    rng = random.Random(seed)
    opened = service.engine.snapshot()  # the Whoosh engine's searcher and columns
    table = opened.table
    reader = opened.searcher.reader()
    n = reader.doc_count()
    ranking = ranking_analyzer()
    df: dict[str, int] = {}
    for text, info in reader.iter_field("body_phrase"):
        word = text.decode("utf-8") if isinstance(text, bytes) else text
        if _WORD_RE.fullmatch(word) and word not in STOP_WORDS:
            df[word] = info.doc_frequency()
    words = sorted(w for w in df if analyze(ranking, w))

    def band(lo: float, hi: float) -> list[str]:
        return [w for w in words if lo <= df[w] <= hi]

    rare, medium, common = band(2, 10), band(n / 1000, n / 100), band(n / 20, n)
    live_docs = [int(d) for d in table.live.nonzero()[0]]
    out: list[BenchQuery] = []
    out += [BenchQuery("rare", w, words=[w]) for w in rng.sample(rare, min(len(rare), CLASSES["rare"]))]
    out += [BenchQuery("medium", w, words=[w]) for w in rng.sample(medium, min(len(medium), CLASSES["medium"]))]
    out += [BenchQuery("common", w, words=[w])
            for w in rng.sample(common, min(CLASSES["common"], len(common)))]

    def body_of(docnum: int) -> str:
        return opened.searcher.stored_fields(docnum).get("body") or ""

    def from_docs(count: int, make: Callable[[str], BenchQuery | None]) -> list[BenchQuery]:
        found: list[BenchQuery] = []
        seen: set[str] = set()
        for _ in range(count * 50):  # bounded: most articles yield one
            if len(found) == count:
                break
            bq = make(body_of(rng.choice(live_docs)))
            if bq is not None and bq.q not in seen:
                seen.add(bq.q)
                found.append(bq)
        return found

    def and_query(k: int) -> Callable[[str], BenchQuery | None]:
        def make(body: str) -> BenchQuery | None:
            cands = sorted({w for w in _WORD_RE.findall(body.lower()) if df.get(w, 0) >= 20 and w in words})
            if len(cands) < k:
                return None
            chosen = rng.sample(cands, k)
            return BenchQuery(f"and{k}", " ".join(chosen), words=chosen)
        return make

    def phrase_query(body: str) -> BenchQuery | None:
        pattern = _RUN3_RE if rng.random() < 0.3 else _RUN2_RE
        runs = [m.groups() for m in pattern.finditer(body)]
        runs = [r for r in runs if any(w.lower() in df and len(w) >= 4 for w in r)]
        if not runs:
            return None
        run = [w.lower() for w in rng.choice(runs)]
        return BenchQuery("phrase", '"' + " ".join(run) + '"', kind="phrase", words=run)

    out += from_docs(CLASSES["and2"], and_query(2))
    out += from_docs(CLASSES["and3"], and_query(3))
    out += from_docs(CLASSES["phrase"], phrase_query)

    prefixes: list[BenchQuery] = []
    pool = medium + common
    for w in rng.sample(pool, min(len(pool), 200)):
        if len(prefixes) == CLASSES["prefix"]:
            break
        stem = w[: rng.choice((4, 5, 6))]
        expansions = sum(1 for _ in reader.expand_prefix("body_phrase", stem))
        if 2 <= expansions <= 300 and stem + "*" not in {p.q for p in prefixes}:
            prefixes.append(BenchQuery("prefix", stem + "*", kind="prefix", words=[stem]))
    out += prefixes

    live = table.live
    counts = [int((table.section[live] == i).sum()) for i in range(len(table.sections.values))]
    sections = [v for v, c in sorted(zip(table.sections.values, counts), key=lambda x: (-x[1], x[0])) if c][:8]
    months = sorted({int(m) for m in table.month[live] if m})

    def month_text(m: int) -> str:
        return f"{m // 100:04d}-{m % 100:02d}"

    def month_window() -> tuple[str, str]:
        i = rng.randrange(len(months))
        j = min(len(months) - 1, i + rng.randrange(3))
        return month_text(months[i]), month_text(months[j])

    filter_words = medium + common
    for _ in range(CLASSES["section"]):
        w = rng.choice(filter_words)
        out.append(BenchQuery("section", w, words=[w], sections=[rng.choice(sections)]))
    for _ in range(CLASSES["date"]):
        w = rng.choice(filter_words)
        lo, hi = month_window()
        out.append(BenchQuery("date", w, words=[w], date_from=lo, date_to=hi))
    for _ in range(CLASSES["newest"]):
        w = rng.choice(filter_words)
        out.append(BenchQuery("newest", w, words=[w], sort="newest"))

    empties = [BenchQuery("empty", "", kind="empty"),
               BenchQuery("empty", "", kind="empty", sort="oldest"),
               BenchQuery("empty", "", kind="empty", page=2)]
    for s in sections[:4]:
        empties.append(BenchQuery("empty", "", kind="empty", sections=[s]))
    for _ in range(CLASSES["empty"] - len(empties)):
        lo, hi = month_window()
        empties.append(BenchQuery("empty", "", kind="empty", date_from=lo, date_to=hi,
                                  sections=[rng.choice(sections)] if rng.random() < 0.3 else []))
    out += empties[: CLASSES["empty"]]
    return out
