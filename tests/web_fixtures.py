"""Shared fixtures for the web tests: a small archive and a live gunicorn.

Registered as a pytest plugin in conftest.py, so every test module can ask
for ``client``, ``live_server`` and the rest by name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.server import Server
from search.models import Article
from tests.conftest import REPO, build_index, make_article

SECTIONS = ["Politics", "Sport", "Culture", "Business"]
AUTHORS = ["Ana Petrović", "Ben Okafor", "Clara Weiss"]
XSS_TITLE = 'Council <script>alert("title")</script> budget row'
XSS_BODY = ('The mayor said <img src=x onerror=alert("body")> nothing.\n\n'
            'A second paragraph mentions the <script>alert(2)</script> budget again.')


def web_corpus() -> list[Article]:
    """30 budget articles over four sections, two years and three authors,
    plus unrelated ones and one whose title and body carry markup."""
    articles = []
    for i in range(30):
        year = 2023 + i % 2
        month = 1 + i % 12
        section = SECTIONS[i % len(SECTIONS)]
        articles.append(make_article(
            f"Budget story {i:02d}: {section.lower()} spending plans",
            f"The city budget for {section.lower()} was debated on day {i}. "
            f"Councillors argued over the budget line by line.\n\n"
            f"Paragraph two of story {i} talks about taxes and the harbour.",
            date=f"{year}-{month:02d}-{1 + i % 27:02d}",
            section=section,
            authors=[AUTHORS[i % len(AUTHORS)]],
            url=f"https://news.example.org/{year}/story-{i}",
        ))
    articles.append(make_article("Harbour festival draws crowds", "Thousands came to the harbour festival.\n\n"
                                 "Music played all night by the harbour.", date="2024-07-04",
                                 section="Culture", authors=["Clara Weiss"],
                                 url="https://news.example.org/2024/harbour-festival"))
    articles.append(make_article("Undated harbour note", "A note about the harbour without a date.",
                                 section="Business", url="javascript:alert('url')"))
    articles.append(make_article(XSS_TITLE, XSS_BODY, date="2024-03-03", section="Politics",
                                 authors=["Ben <b>Okafor</b>"], url="https://news.example.org/xss"))
    return articles


def article_id(articles: list[Article], title: str) -> str:
    return next(a.id for a in articles if a.title == title)


@pytest.fixture
def corpus() -> list[Article]:
    return web_corpus()


@pytest.fixture
def index_dir(index_factory, corpus) -> Path:
    return index_factory(corpus)


@contextmanager
def app_on(index_dir: Path, **config: object) -> Iterator[Flask]:
    """The app in testing mode over ``index_dir``; its index closed afterwards."""
    from web import create_app

    application = create_app(index_dir, config={"TESTING": True, **config})
    try:
        yield application
    finally:
        application.extensions["newsarchive"].close()


@pytest.fixture
def app(index_dir: Path) -> Iterator[Flask]:
    with app_on(index_dir) as application:
        yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# --- a real server ----------------------------------------------------------


def gunicorn_server(index_dir: Path, log_path: Path, **env: str) -> Server:
    """gunicorn started directly with the repository's gunicorn.conf.py (not started yet)."""
    return Server(
        lambda port: [sys.executable, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py"),
                      "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"],
        log_path, env={"NEWSARCHIVE_INDEX": str(index_dir), **env},
    )


@pytest.fixture(scope="module")
def live_corpus() -> list[Article]:
    return web_corpus()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, live_corpus) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("live")
    # build_index is what conftest's index_factory runs; called directly so
    # one server can serve a whole module.
    index_dir = build_index(base / "index", live_corpus)
    server = gunicorn_server(index_dir, base / "gunicorn.log")
    try:  # stopped even when it never became ready
        yield server.start()
    finally:
        server.stop()
