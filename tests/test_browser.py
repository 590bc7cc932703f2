"""End to end in headless Chromium against a real gunicorn on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.web_fixtures import XSS_TITLE

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = REPO / "test-output"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
#: Generous: on a busy machine a first page (the worker opens the index) can take seconds.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    # Any CSP violation, script error or alert() means something is wrong.
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield pg
    context.close()
    assert problems == []


def results_summary(page) -> str:
    return page.locator(".results-summary").inner_text()


def test_search_facet_chart_paging_article_related(page):
    OUTPUT.mkdir(exist_ok=True)
    page.goto("/")
    page.get_by_label("Search the archive").fill("budget")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=budget"))
    expect(page.locator(".hit")).to_have_count(10)
    assert "Results 1–10 of 31" in results_summary(page)
    expect(page.locator(".hit-title mark").first).to_have_text(re.compile("budget", re.I))
    expect(page.locator(".snippet mark").first).to_be_visible()
    page.screenshot(path=str(OUTPUT / "results.png"), full_page=True)

    # Toggle a section facet on: only that section, other parameters kept.
    page.locator(".facet-link", has_text="Sport").click()
    page.wait_for_url(re.compile(r"section=Sport"))
    assert "q=budget" in page.url
    expect(page.locator(".facet-link.is-selected")).to_have_count(1)
    tags = page.locator(".hit .section-tag").all_inner_texts()
    assert tags and {t.strip().lower() for t in tags} == {"sport"}

    # Follow a chart bar: narrows to that month, keeps query and section.
    bar = page.locator("a.bar-link").first
    label = bar.get_attribute("aria-label")
    assert label and re.match(r"\w{3} \d{4}: \d+ articles?", label)
    bar.click()
    page.wait_for_url(re.compile(r"from=\d{4}-\d{2}&to=\d{4}-\d{2}"))
    assert "section=Sport" in page.url and "q=budget" in page.url
    expected = int(re.search(r": (\d+)", label).group(1))  # type: ignore[union-attr]
    expect(page.locator(".hit")).to_have_count(expected)

    # Back to all results and page forward.
    page.goto("/search?q=budget")
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert "Results 11–20 of 31" in results_summary(page)
    expect(page.locator('[aria-current="page"]')).to_have_text("2")

    # Open an article, then one of its related articles.
    first = page.locator(".hit-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/articles/[0-9a-f]{16}\?q=budget&page=2$"))  # the search rides along
    expect(page.locator("h1.article-title")).to_have_text(title)
    expect(page.locator(".article-body p").first).to_be_visible()
    related = page.locator(".related li a").first
    related_title = related.inner_text()
    related.click()
    page.wait_for_url(re.compile(r"/articles/[0-9a-f]{16}$"))
    expect(page.locator("h1.article-title")).to_have_text(related_title)
    assert related_title != title


def test_sort_change_resubmits_with_enhancement(page):
    page.goto("/search?q=budget")
    page.get_by_label("Sort by").select_option("newest")
    page.wait_for_url(re.compile(r"sort=newest"))
    dates = page.locator(".hit time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates == sorted(dates, reverse=True)


def test_did_you_mean_link(page):
    page.goto("/search?q=budgett")
    page.locator(".suggestion a").click()
    page.wait_for_url(re.compile(r"q=budget(&|$)"))
    expect(page.locator(".hit")).to_have_count(10)


def test_markup_in_articles_is_shown_as_text(page):
    page.goto("/search?q=council+budget+row")
    link = page.locator(".hit-title a", has_text="alert")
    expect(link).to_have_text(re.compile(re.escape('<script>alert("title")</script>')))
    assert page.locator(".hit-title script, .snippet script, .snippet img").count() == 0
    link.click()
    expect(page.locator("h1.article-title")).to_have_text(XSS_TITLE)
    body = page.locator(".article-body").inner_text()
    assert '<img src=x onerror=alert("body")>' in body
    assert page.locator(".article-body img, .article-body script").count() == 0
    # The page fixture fails the test if any alert() dialog opened.


def test_404_looks_like_the_site(browser, live_server):
    # Own context: the page fixture would (rightly) count the 404 as an error.
    context = browser.new_context(base_url=live_server.url)
    pg = context.new_page()
    response = pg.goto("/articles/0000000000000000")
    assert response is not None and response.status == 404
    expect(pg.locator("h1")).to_have_text("Page not found")
    expect(pg.locator(".brand")).to_be_visible()
    context.close()


def test_mobile_layout(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    pg = context.new_page()
    pg.goto("/search?q=budget")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling on a phone"
    OUTPUT.mkdir(exist_ok=True)
    pg.screenshot(path=str(OUTPUT / "results-mobile.png"), full_page=True)
    context.close()


def test_downloads_follow_link_and_saving_the_result_set(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url,
                                  accept_downloads=True)
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    try:
        pg.goto("/search?q=budget&section=Sport&sort=newest")
        expect(pg.locator(".hit")).to_have_count(8)

        # Both downloads hold the whole set (8 Sport budget stories), newest first.
        with pg.expect_download() as csv_download:
            pg.get_by_role("link", name="CSV").click()
        csv_path = csv_download.value.path()
        assert csv_download.value.suggested_filename.startswith("newsarchive-budget-")
        lines = Path(csv_path).read_text("utf-8").splitlines()
        assert lines[0].startswith("id,url,title,date,section,authors") and len(lines) == 9
        with pg.expect_download() as ndjson_download:
            pg.get_by_role("link", name="NDJSON").click()
        rows = Path(ndjson_download.value.path()).read_text("utf-8").splitlines()
        assert len(rows) == 8 and all('"section": "Sport"' in r for r in rows)

        # The feed: announced in the head, linked visibly, and an Atom document.
        alternate = pg.locator('link[rel="alternate"][type="application/atom+xml"]')
        assert alternate.get_attribute("href") == "/feed.atom?q=budget&section=Sport"
        follow = pg.get_by_role("link", name="Follow this search")
        expect(follow).to_be_visible()
        feed = pg.request.get(live_server.url + follow.get_attribute("href"))
        assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
        assert feed.text().count("<entry>") == 8

        # Saving the result set lands on its page, which lists the same 8 articles.
        pg.get_by_role("button", name="Save this result set").click()
        pg.wait_for_url(re.compile(r"/sets/[A-Za-z0-9_-]{22}$"))
        expect(pg.locator("h1")).to_contain_text("8 articles for")
        expect(pg.locator(".set-item")).to_have_count(8)
        expect(pg.locator(".set-summary")).to_contain_text("0 changed, 0 removed")
        OUTPUT.mkdir(exist_ok=True)
        pg.screenshot(path=str(OUTPUT / "saved-set.png"), full_page=True)
        pg.get_by_role("link", name="Run this search on today's archive").click()
        pg.wait_for_url(re.compile(r"/search\?q=budget&section=Sport&sort=newest"))
    finally:
        context.close()
    assert problems == []
