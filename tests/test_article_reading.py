"""The article page read from a search: marks by the product's matching rules,
the way back to the results, typed blocks; on both engines."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from html import unescape

import pytest

from search.blocks import HEADING, ITEM, NUMBERED, PARAGRAPH, QUOTE
from tests.conftest import make_article
from tests.web_fixtures import app_on, article_id

STRUCTURED = replace(
    make_article(
        "Lighthouse keepers <b>guide</b>",
        "Keepers ran the lighthouse for a century.\n\nWhat they did\n\nTrimmed the <wick> nightly\n\n"
        "Logged every ship & storm\n\n\"The light never <script>alert(1)</script> failed.\"\n\n"
        "Climb the tower\n\nLook out to sea",
        date="2021-05-02", section="Culture", authors=["Ada Byline"], url="https://x.example/lighthouse"),
    blocks=[PARAGRAPH, HEADING, ITEM, ITEM, QUOTE, NUMBERED, NUMBERED])
SPELLINGS = make_article(
    "Vučić meets the mayor", "Vučić arrived in the morning.\n\nПредседник Вучић said the talks were running well. "
    "Reporters spelled it Vucic.", date="2023-03-01", section="World", url="https://x.example/vucic")
OTHER = make_article("Harbour works begin", "Cranes arrived at the harbour.", date="2022-01-01", section="City",
                     url="https://x.example/harbour")


@pytest.fixture
def reading(index_factory):
    articles = [STRUCTURED, SPELLINGS, OTHER]
    with app_on(index_factory(articles)) as application:
        yield application.test_client(), articles


def marked(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", html)]


def test_result_links_carry_the_search_and_the_article_leads_back(reading):
    client, articles = reading
    doc_id = article_id(articles, OTHER.title)
    results = client.get("/search?q=cranes&section=City&sort=oldest").text
    link = re.search(rf'href="(/articles/{doc_id}\?[^"]+)"', results).group(1)
    assert unescape(link) == f"/articles/{doc_id}?q=cranes&section=City&sort=oldest"
    page = client.get(unescape(link)).text
    back = re.search(r'<a class="back-link" href="([^"]+)"', page).group(1)
    assert unescape(back) == "/search?q=cranes&section=City&sort=oldest"
    assert marked(page) == ["Cranes"]


def test_marks_follow_the_matching_rules(reading):
    client, articles = reading
    doc_id = article_id(articles, SPELLINGS.title)
    # Accents, transliteration (Cyrillic), stems: what the search matched.
    page = client.get(f"/articles/{doc_id}?q=vucic+run").text
    assert sorted(set(marked(page))) == sorted(["Vucic", "Vučić", "Вучић", "running"])
    assert '<h1 class="article-title"><mark>Vučić</mark> meets the mayor</h1>' in page
    # Exact spelling marks only that spelling.
    exact = client.get(f"/articles/{doc_id}?q=Vucic&exact=1").text
    assert marked(exact) == ["Vucic"]
    hit = client.get("/api/search?q=Vucic&exact=1").get_json()["hits"][0]  # and so do the result's marks
    assert marked(hit["snippet"] + hit["title_html"]) == ["Vucic"]
    # A phrase is marked as one.
    assert marked(client.get(f"/articles/{doc_id}?q=%22talks+were+running%22").text) == ["talks were running"]


def test_typed_blocks_are_set_as_such_and_escaped(reading):
    client, articles = reading
    doc_id = article_id(articles, STRUCTURED.title)
    page = client.get(f"/articles/{doc_id}?q=light").text
    body = page[page.index('<div class="article-body">'):page.index("</article>")]
    assert "<h2>What they did</h2>" in body
    assert re.search(r"<ul><li>Trimmed the &lt;wick&gt; nightly</li><li>Logged every ship &amp; storm</li></ul>", body)
    assert re.search(r"<ol><li>Climb the tower</li><li>Look out to sea</li></ol>", body)
    quote = re.search(r"<blockquote>(.*?)</blockquote>", body).group(1)
    assert quote == "&quot;The <mark>light</mark> never &lt;script&gt;alert(1)&lt;/script&gt; failed.&quot;"
    assert "<script>" not in page and "<b>guide" not in page
    assert '<h1 class="article-title">Lighthouse keepers &lt;b&gt;guide&lt;/b&gt;</h1>' in page
    assert [b["kind"] for b in client.get(f"/api/articles/{doc_id}").get_json()["blocks"]] == STRUCTURED.blocks


def test_an_article_without_a_search_is_unmarked_without_a_way_back(reading):
    client, articles = reading
    page = client.get(f"/articles/{article_id(articles, OTHER.title)}").text
    assert "<mark>" not in page and "Back to results" not in page


def test_a_search_that_cannot_run_leaves_the_article_unmarked(reading, caplog):
    client, articles = reading
    doc_id = article_id(articles, OTHER.title)
    # "the" alone has nothing to search for: the article is shown, unmarked, and the log says why.
    with caplog.at_level(logging.INFO, logger="web.reading"):
        r = client.get(f"/articles/{doc_id}?q=the+the")
    assert r.status_code == 200 and "Cranes arrived" in r.text
    assert ("<mark>" not in r.text) == any("shown unmarked" in m for m in caplog.messages)
    with caplog.at_level(logging.INFO, logger="web.views"):
        r = client.get(f"/articles/{doc_id}?q=cranes&page=abc")
    assert r.status_code == 200 and "<mark>" not in r.text and "Back to results" not in r.text
    assert any("unreadable search parameters" in m for m in caplog.messages)


def test_form_offers_any_word_and_exact_spelling_and_shows_the_order_used(reading):
    client, _ = reading
    home = client.get("/").text
    # Without words the results are newest first, and the control says so.
    assert re.search(r'<select id="sort" name="sort" data-autosubmit data-implied="newest">', home)
    assert '<option value="newest" selected>' in home
    listing = client.get("/search?section=City").text
    assert '<option value="newest" selected>' in listing
    ranked = client.get("/search?q=cranes+vucic&operator=or&exact=1").text
    assert '<option value="relevance" selected>' in ranked and "data-implied" not in ranked
    assert re.search(r'<input id="operator" name="operator" type="checkbox" value="or" checked>', ranked)
    assert re.search(r'<input id="exact" name="exact" type="checkbox" value="1" checked>', ranked)
    assert "Results 1–2 of 2" in ranked  # any of the words, spelled as typed


def test_chart_switches_unit_and_has_a_count_scale(reading):
    client, _ = reading
    # 23 months from the first to the last: drawn per month unless asked otherwise.
    months = client.get("/search?q=cranes+vucic+lighthouse&operator=or").text
    assert "Results per month" in months and 'class="tick-label"' in months
    assert 'aria-label="Mar 2023: 1 article"' in months
    switch = re.search(r'<a href="([^"]+)" rel="nofollow" class="chart-unit">Per year</a>', months).group(1)
    years = client.get(unescape(switch)).text
    assert "Results per year" in years and 'aria-label="2022: 1 article"' in years
    assert ">Per month</a>" in years
