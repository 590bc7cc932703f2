"""The Atom feed of a search, read by a real feed parser (feedparser)."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import feedparser
import pytest

from tests.conftest import build_index, make_article
from tests.web_fixtures import XSS_TITLE, app_on, web_corpus

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def two_runs(tmp_path):
    """The web corpus, then 55 more harbour stories indexed by a later run."""
    first = web_corpus()
    index = build_index(tmp_path / "ix", first)
    time.sleep(0.01)  # stamps are milliseconds apart
    later = [make_article(f"Harbour news {i}", f"Harbour item {i}.", date=f"2020-01-{1 + i % 28:02d}",
                          section="City", authors=["Desk"], url=f"https://news.example.org/late/{i}")
             for i in range(55)]
    build_index(index, first + later)  # a rebuild keeps the first run's stamps
    with app_on(index) as app:
        yield app.test_client()


def parsed(response):
    assert response.status_code == 200, response.data[:500]
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_a_feed_has_the_required_atom_elements(client):
    feed = parsed(client.get("/feed.atom?q=budget&section=Politics"))
    assert feed.feed.id and feed.feed.title.endswith("“budget” in Politics") and feed.feed.updated_parsed
    assert feed.feed.author == "The Newsroom Archive"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"].endswith("/feed.atom?q=budget&section=Politics")
    assert links["alternate"].endswith("/search?q=budget&section=Politics")
    assert len(feed.entries) == 9  # every Politics budget story
    for entry in feed.entries:
        assert entry.id and entry.title and entry.updated_parsed and entry.summary
        alternate = [link.href for link in entry.links if link.rel == "alternate"]
        assert len(alternate) == 1 and "/articles/" in alternate[0]
        assert [t.term for t in entry.tags] == ["Politics"]
        assert entry.published_parsed and entry.authors


def test_entries_come_newest_indexed_first_fifty_at_most(two_runs):
    feed = parsed(two_runs.get("/feed.atom?q=harbour"))
    assert len(feed.entries) == 50
    # The later run's articles first (all 50 slots), each at its indexing time.
    assert all(e.title.startswith("Harbour news") for e in feed.entries)
    updated = [e.updated for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    older = parsed(two_runs.get("/feed.atom?q=harbour+festival"))
    assert [e.title for e in older.entries] == ["Harbour festival draws crowds"]
    assert older.entries[0].updated < feed.entries[0].updated


def test_text_is_escaped_not_interpreted(client):
    response = client.get("/feed.atom?q=mayor")
    feed = parsed(response)
    entry = next(e for e in feed.entries if e.title == XSS_TITLE)
    assert entry.title_detail.type == "text/plain"
    assert entry.author == "Ben <b>Okafor</b>"
    # The snippet travels as escaped HTML: the article's markup is text in it.
    assert "&lt;img src=x" in entry.summary and "<img" not in entry.summary
    root = ET.fromstring(response.data)
    raw = root.find(f"{ATOM}entry/{ATOM}summary")
    assert raw is not None and raw.get("type") == "html" and "&lt;script&gt;" in raw.text
    # An entry id is the article's web address, or a tag URI when it has none worth using.
    undated = parsed(client.get("/feed.atom?q=undated"))
    assert undated.entries[0].id.startswith("tag:localhost,2024:article:")
    assert "published_parsed" not in undated.entries[0]


def test_characters_xml_cannot_carry_are_dropped(index_factory):
    from web import create_app

    index = index_factory([make_article("Bell\x07 rings\x0b twice", "The bell\x1b rang.", date="2024-01-01")])
    feed = parsed(create_app(index, config={"TESTING": True}).test_client().get("/feed.atom?q=bell"))
    assert feed.entries[0].title == "Bell rings twice"


def test_the_feed_is_revalidated_by_generation(client):
    first = client.get("/feed.atom?q=budget")
    again = client.get("/feed.atom?q=budget", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("query, param", [("sort=newest", "sort"), ("page=2", "page"), ("from=nope", "from")])
def test_a_bad_feed_request_is_a_json_400(client, query, param):
    response = client.get(f"/feed.atom?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["param"] == param
