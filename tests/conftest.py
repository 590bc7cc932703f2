"""Shared fixtures: small real indexes built from Article records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from search import store
from search.models import Article
from search.schema import SourceState, article_to_document, make_doc_id

pytest_plugins = ["tests.web_fixtures", "tests.opensearch_cluster"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def build_index(index_dir: Path, articles: list[Article]) -> Path:
    """Write ``articles`` as a fresh live generation of ``index_dir``."""
    with store.writer_lock(index_dir):
        gen_dir = store.new_generation_dir(index_dir)
        ix = store.open_for_writing(gen_dir)
        with ix.writer() as w:
            for a in articles:
                w.add_document(**article_to_document(a, SourceState("0" * 40, 0, 0)))
        store.publish(index_dir, gen_dir)
    return index_dir


def sample_documents() -> list[dict]:
    """Whoosh documents of the sample corpus's readable pages (real text, many languages)."""
    from indexer.extract import ExtractionError, extract_article

    docs = []
    for path in sorted((REPO / "sample_corpus").rglob("*.html")):
        try:
            article = extract_article(path.read_bytes(), str(path))
        except ExtractionError:
            continue
        docs.append(article_to_document(article, SourceState("0" * 40, 1, 1)))
    assert len(docs) > 50
    return docs


def make_article(title: str, body: str, *, date: str | None = None, section: str | None = None,
                 authors: list[str] | None = None, url: str | None = None, source: str | None = None) -> Article:
    source = source or f"/corpus/{title.lower().replace(' ', '-')[:40]}.html"
    when = dt.datetime.fromisoformat(date) if date else None
    return Article(id=make_doc_id(url or source), url=url, title=title, body=body, date=when,
                   section=section, authors=authors or [], source=source)


@pytest.fixture
def index_factory(tmp_path):
    """Call with a list of Articles; returns the index directory."""
    counter = iter(range(1000))

    def factory(articles: list[Article]) -> Path:
        return build_index(tmp_path / f"index-{next(counter)}", articles)

    return factory
