"""Relevance benchmark: the product's analysis and ranking on four classic collections.

Each collection is indexed through the product's own path (Article records ->
the engine's writer session -> a temporary index directory) and
every query runs through ``SearchService`` with ``operator="or"`` and
``per_page=100``. Prints MAP, nDCG@10, P@10 and R@100 per collection next to
Lucene BM25's MAP (the target).

    .venv/bin/python -m bench.relevance [--data DIR] [--only time,cisi]
    .venv/bin/python -m bench.relevance --opensearch http://127.0.0.1:9200   # both engines, same run

With ``--opensearch BASE_URL`` each collection is also indexed into the alias
``BASE_URL/relevance-<name>`` of that cluster (deleted afterwards) and
searched through the OpenSearch engine, printed beside the Whoosh engine.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import ir_measures
import requests
from ir_measures import AP, P, R, nDCG

from bench.harness import REPO, index_articles
from search.models import Article, SearchRequest
from search.service import SearchService

DEFAULT_DATA = REPO.parent / "shared/data/relevance"
#: Lucene BM25 (k1=1.2, b=0.75) MAP measured on these files (shared/README.md).
LUCENE_MAP = {"time": 0.614, "cisi": 0.162, "cran": 0.299, "med": 0.512}
MEASURES = [AP, nDCG @ 10, P @ 10, R @ 100]


@dataclass
class Collection:
    name: str
    docs: list[tuple[str, str, str]]  # (id, title, body)
    queries: dict[str, str]
    qrels: list[ir_measures.Qrel]


# --- readers for the collections' formats ---------------------------------------


def _records(text: str) -> list[dict[str, str]]:
    """SMART-style records: '.I n' then '.X' sections, each up to the next marker."""
    out: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    section = None
    for line in text.splitlines():
        m = re.match(r"^\.([A-Z])(?:\s+(.*))?$", line)
        if m and m.group(1) == "I":
            current = {"I": (m.group(2) or "").strip()}
            out.append(current)
            section = None
        elif m and current is not None:
            section = m.group(1)
            current.setdefault(section, "")
        elif current is not None and section is not None:
            current[section] += line + "\n"
    return out


def _read(path: Path) -> str:
    return path.read_text("utf-8", errors="replace")


def load_time(root: Path) -> Collection:
    # Document ids are 1-based positions in TIME.ALL, not the *TEXT numbers.
    chunks = re.split(r"^\*TEXT.*$", _read(root / "TIME.ALL"), flags=re.M)[1:]
    docs = []
    for i, chunk in enumerate(chunks, 1):
        chunk = chunk.split("*STOP")[0]
        docs.append((str(i), "", chunk.lower()))
    queries = {}
    for m in re.finditer(r"^\*FIND\s+(\d+)\s*$(.*?)(?=^\*FIND|^\*STOP|\Z)", _read(root / "TIME.QUE"),
                         flags=re.M | re.S):
        queries[str(int(m.group(1)))] = m.group(2).lower()
    qrels = []
    for line in _read(root / "TIME.REL.ALL").splitlines():
        parts = line.split()
        if len(parts) > 1:
            qrels += [ir_measures.Qrel(parts[0], d, 1) for d in parts[1:]]
    return Collection("time", docs, queries, qrels)


def load_cisi(root: Path) -> Collection:
    docs = [(r["I"], r.get("T", ""), r.get("W", "")) for r in _records(_read(root / "CISI.ALL"))]
    queries = {r["I"]: r.get("W", "") for r in _records(_read(root / "CISI.QRY"))}
    qrels = []
    for line in _read(root / "CISI.REL").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            qrels.append(ir_measures.Qrel(parts[0], parts[1], 1))
    return Collection("cisi", docs, queries, qrels)


def load_cran(root: Path) -> Collection:
    docs = [(r["I"], r.get("T", ""), r.get("W", "")) for r in _records(_read(root / "cran.all.1400"))]
    # Query ids are positions 1..225 in the file, not the .I numbers.
    queries = {str(i): r.get("W", "") for i, r in enumerate(_records(_read(root / "cran.qry")), 1)}
    qrels = []
    for line in _read(root / "cranqrel").splitlines():
        parts = line.split()
        if len(parts) >= 3:
            code = int(parts[2])
            # 1 is the best grade, 4 the weakest relevant one, -1 not relevant.
            grade = 5 - code if 1 <= code <= 4 else 0
            qrels.append(ir_measures.Qrel(parts[0], parts[1], grade))
    return Collection("cran", docs, queries, qrels)


def load_med(root: Path) -> Collection:
    docs = [(r["I"], "", r.get("W", "")) for r in _records(_read(root / "MED.ALL"))]
    queries = {r["I"]: r.get("W", "") for r in _records(_read(root / "MED.QRY"))}
    qrels = []
    for line in _read(root / "MED.REL").splitlines():
        parts = line.split()
        if len(parts) >= 4:
            qrels.append(ir_measures.Qrel(parts[0], parts[2], int(parts[3])))
    return Collection("med", docs, queries, qrels)


LOADERS = {"time": ("time", load_time), "cisi": ("cisi", load_cisi),
           "cran": ("cran", load_cran), "med": ("med", load_med)}


# --- running ----------------------------------------------------------------------------


def build(index_dir: Path, coll: Collection) -> None:
    """Index the collection the way the product indexes articles."""
    index_articles(index_dir, (Article(id=doc_id, url=None, title=" ".join(title.split()), body=body,
                                       source=f"{coll.name}/{doc_id}")
                               for doc_id, title, body in coll.docs))


_SYNTAX = re.compile(r"[\"()*~:\[\]{}+?]|(?<!\w)-")


def as_plain_words(text: str) -> str:
    """Natural-language queries as plain words: no accidental operators or syntax.

    Lower-casing keeps words like 'OR' from being read as operators.
    """
    return " ".join(_SYNTAX.sub(" ", text.lower()).split())


def run(coll: Collection, depth: int = 100, opensearch: str | None = None
        ) -> tuple[list[ir_measures.ScoredDoc], float]:
    """The collection's run on the Whoosh engine, or on the OpenSearch cluster at ``opensearch``."""
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = f"{opensearch}/relevance-{coll.name}" if opensearch else Path(tmp) / "index"
        build(index_dir, coll)
        service = SearchService(index_dir)
        run_docs: list[ir_measures.ScoredDoc] = []
        started = time.perf_counter()
        try:
            for qid, text in coll.queries.items():
                q = as_plain_words(text)
                if not q:
                    continue
                resp = service.search(SearchRequest(q=q, operator="or", per_page=depth))
                n = len(resp.hits)
                for rank, hit in enumerate(resp.hits):
                    # Rank-derived scores: ties in BM25 keep the service's order.
                    run_docs.append(ir_measures.ScoredDoc(qid, hit.id, float(n - rank)))
        finally:
            service.close()
            if opensearch:
                requests.delete(f"{opensearch}/relevance-{coll.name}-*", timeout=120)
        return run_docs, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with time/ cisi/ cran/ med/")
    ap.add_argument("--only", default="", help="comma-separated subset of: time,cisi,cran,med")
    ap.add_argument("--opensearch", metavar="BASE_URL", default=None,
                    help="also run on the OpenSearch engine on this cluster (e.g. http://127.0.0.1:9200)")
    args = ap.parse_args(argv)
    names = [n for n in (args.only.split(",") if args.only else LOADERS) if n]
    engines = [("whoosh", None)] + ([("opensearch", args.opensearch.rstrip("/"))] if args.opensearch else [])
    print(f"{'collection':<10} {'engine':<10} {'MAP':>6} {'nDCG@10':>8} {'P@10':>6} {'R@100':>6}   "
          f"{'Lucene MAP':>10}  {'queries':>7} {'secs':>6}")
    failed = False
    for name in names:
        folder, loader = LOADERS[name]
        coll = loader(args.data / folder)
        for engine, url in engines:
            run_docs, secs = run(coll, opensearch=url)
            judged = {q.query_id for q in coll.qrels if q.relevance > 0}
            qrels = [q for q in coll.qrels if q.query_id in judged]
            run_docs = [d for d in run_docs if d.query_id in judged]
            agg = ir_measures.calc_aggregate(MEASURES, qrels, run_docs)
            m = agg[AP]
            target = LUCENE_MAP[name]
            flag = "ok" if m >= target else "BELOW"
            failed |= m < target
            print(f"{name:<10} {engine:<10} {m:6.3f} {agg[nDCG @ 10]:8.3f} {agg[P @ 10]:6.3f} {agg[R @ 100]:6.3f}   "
                  f"{target:>10.3f} {flag:<3} {len(judged):>5} {secs:6.1f}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
