"""Shared fixtures: small real indexes built from Article records."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from bench.harness import NO_FILE, index_articles
from search.ids import make_doc_id
from search.limits import BUDGET_ENV
from search.models import Article, SourceState

pytest_plugins = ["tests.web_fixtures", "tests.processes", "tests.opensearch_cluster", "tests.engine_fixtures"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def pytest_configure(config) -> None:
    # A busy machine must not turn behaviour tests red by making a search slower than the
    # product's 2 s default budget; the budget's own tests set theirs (or clear this one).
    os.environ.setdefault(BUDGET_ENV, "60")


def build_index(target: Path | str, articles: list[Article]) -> Path | str:
    """Write ``articles`` as a fresh live index at ``target`` (a directory or an OpenSearch URL)."""
    return index_articles(target, articles)


def sample_articles() -> list[Article]:
    """The sample corpus's readable pages (real text, many languages)."""
    from indexer.extract import ExtractionError, extract_article

    articles = []
    for path in sorted((REPO / "sample_corpus").rglob("*.html")):
        try:
            articles.append(extract_article(path.read_bytes(), str(path)))
        except ExtractionError:
            continue
    assert len(articles) > 50
    return articles


def make_article(title: str, body: str, *, date: str | None = None, section: str | None = None,
                 authors: list[str] | None = None, url: str | None = None, source: str | None = None,
                 publication: str | None = None) -> Article:
    source = source or f"/corpus/{title.lower().replace(' ', '-')[:40]}.html"
    when = dt.datetime.fromisoformat(date) if date else None
    return Article(id=make_doc_id(url or source), url=url, title=title, body=body, date=when,
                   section=section, authors=authors or [], source=source, publication=publication)
