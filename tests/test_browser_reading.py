"""In headless Chromium at 1280 px and 390 px against a real gunicorn: filters
above the results on a phone, chart labels that never overlap, and reading an
article from a search (marks, the way back, typed blocks)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from search.models import Article
from tests.conftest import make_article
from tests.test_article_reading import STRUCTURED
# The same markers, Chromium and settings as the other browser tests (skipped with them).
from tests.test_browser import OUTPUT, TIMEOUT_MS, browser, expect, pytestmark  # noqa: F401 - fixture, markers
from tests.web_fixtures import web_corpus

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
#: Chart shapes: one period; 35 years; 420 months; 24 months.
CHARTS = ["/search?q=lighthouse", "/search?q=almanac", "/search?q=almanac&chart=month", "/search?q=budget"]


@pytest.fixture(scope="module")
def live_corpus() -> list[Article]:
    """The web tests' archive, the structured article, and an almanac a year from 1990 to 2024."""
    almanacs = [make_article(f"Almanac {y}", f"The almanac of {y} lists tides and fairs.", date=f"{y}-03-15",
                             section="Almanac", url=f"https://x.example/almanac/{y}") for y in range(1990, 2025)]
    return [*web_corpus(), STRUCTURED, *almanacs]


@pytest.fixture
def open_page(browser, live_server) -> Iterator:  # noqa: F811 - the imported fixture
    contexts, problems = [], []

    def open_at(viewport: dict[str, int]):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        contexts.append(context)
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        # Any script error or alert() means something is wrong.
        pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: problems.append(str(e)))
        pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        return pg

    yield open_at
    for context in contexts:
        context.close()
    assert problems == []


def top(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"]


def test_filters_are_reached_from_above_the_results_on_a_phone(open_page):
    pg = open_page(PHONE)
    pg.goto("/search?q=budget&section=Sport")
    toggle = pg.locator(".filters-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text("Filters (1 on)")
    first_hit = pg.locator(".hit").first
    assert top(toggle) < top(first_hit)
    expect(pg.locator("#filters")).to_be_hidden()
    toggle.click()
    expect(pg.locator("#filters")).to_be_visible()
    assert top(pg.locator("#filters")) < top(first_hit), "the filters open above the results"
    OUTPUT.mkdir(exist_ok=True)
    pg.screenshot(path=str(OUTPUT / "filters-mobile.png"), full_page=False)
    pg.locator(".facet-link", has_text="Culture").click()
    pg.wait_for_url(re.compile(r"section=Sport&section=Culture"))
    # On a wide screen the filters stand beside the results, no control needed.
    wide = open_page(DESKTOP)
    wide.goto("/search?q=budget")
    expect(wide.locator(".filters-toggle")).to_be_hidden()
    expect(wide.locator("#filters")).to_be_visible()


def _label_boxes(pg) -> list[dict]:
    return pg.locator(".histogram-svg .bar-label").evaluate_all(
        """els => els.filter(e => getComputedStyle(e).visibility !== 'hidden').map(e => {
             const r = e.getBoundingClientRect();
             return {text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
           })""")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_chart_labels_never_overlap(open_page, viewport):
    pg = open_page(viewport)
    OUTPUT.mkdir(exist_ok=True)
    for shape, url in enumerate(CHARTS):
        pg.goto(url)
        pg.locator(".histogram").screenshot(path=str(OUTPUT / f"chart-{viewport['width']}-{shape}.png"))
        chart = pg.locator(".histogram-svg")
        box = chart.bounding_box()
        assert box is not None
        labels = _label_boxes(pg)
        assert labels, url
        assert re.search(r"\d{4}", labels[0]["text"]), f"{url}: the first label gives the year"
        for a, b in zip(labels, labels[1:]):
            assert a["right"] <= b["left"], f"{url}: {a['text']!r} overlaps {b['text']!r}"
        assert all(box["x"] - 1 <= lab["left"] and lab["right"] <= box["x"] + box["width"] + 1 for lab in labels)
        # The scale and each bar's title: period and count.
        expect(pg.locator(".histogram .tick-label").first).to_be_attached()
        titles = pg.locator(".histogram a.bar-link title").all_text_contents()
        assert titles and all(re.fullmatch(r"(\w{3} )?\d{4}: [\d,]+ articles?", t) for t in titles), url
    # Re-thinned when the window changes: labels kept at 1280 px overlap at 390 px unless thinned again.
    pg.set_viewport_size(PHONE if viewport is DESKTOP else DESKTOP)
    pg.wait_for_timeout(200)
    labels = _label_boxes(pg)
    for a, b in zip(labels, labels[1:]):
        assert a["right"] <= b["left"], f"after resizing: {a['text']!r} overlaps {b['text']!r}"


def test_one_period_is_one_narrow_bar(open_page):
    pg = open_page(DESKTOP)
    pg.goto("/search?q=lighthouse")
    bars = pg.locator(".histogram .bar")
    expect(bars).to_have_count(1)
    chart, bar = pg.locator(".histogram-svg").bounding_box(), bars.first.bounding_box()
    assert chart and bar and bar["width"] < chart["width"] / 4
    centre = bar["x"] + bar["width"] / 2
    assert abs(centre - (chart["x"] + chart["width"] / 2)) < chart["width"] / 10
    assert pg.locator(".histogram a.bar-link title").text_content() == "May 2021: 1 article"


def test_an_article_read_from_a_search_is_marked_and_leads_back(open_page):
    pg = open_page(DESKTOP)
    pg.goto("/search?q=budget&page=2")
    pg.locator(".hit-title a").first.click()
    pg.wait_for_url(re.compile(r"/articles/[0-9a-f]{16}\?q=budget&page=2$"))
    marks = pg.locator(".article-body mark")
    expect(marks.first).to_be_visible()
    assert {m.lower() for m in marks.all_inner_texts()} == {"budget"}
    pg.get_by_role("link", name="Back to results").click()
    pg.wait_for_url(re.compile(r"/search\?q=budget&page=2$"))
    expect(pg.locator(".results-summary")).to_contain_text("Results 11–20 of 31")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_typed_blocks_are_drawn_as_such_and_as_text(open_page, viewport):
    pg = open_page(viewport)
    pg.goto("/search?q=light")
    pg.locator(".hit-title a", has_text="Lighthouse").click()
    OUTPUT.mkdir(exist_ok=True)
    pg.screenshot(path=str(OUTPUT / f"article-{viewport['width']}.png"), full_page=True)
    body = pg.locator(".article-body")
    expect(body.locator("h2")).to_have_text("What they did")
    expect(body.locator("ul > li")).to_have_text(["Trimmed the <wick> nightly", "Logged every ship & storm"])
    expect(body.locator("ol > li")).to_have_count(2)
    expect(body.locator("blockquote")).to_have_text('"The light never <script>alert(1)</script> failed."')
    expect(body.locator("blockquote mark")).to_have_text("light")
    assert body.locator("script, wick").count() == 0
    assert pg.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
