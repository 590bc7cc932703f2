"""The HTML pages through Flask's test client, over a real index."""

from __future__ import annotations

import re
from html import unescape

from tests.web_fixtures import article_id


def hrefs(html: str, css_class: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a href="([^"]+)"[^>]*class="{css_class}', html)]


def test_home_shows_form_and_sections(client):
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    assert '<form class="search-form"' in html and 'name="q"' in html
    assert 'name="from"' in html and 'name="to"' in html and 'name="sort"' in html
    assert "Search 33 articles, 2023–2024" in html
    assert 'href="/search?section=Politics"' in html


def test_blank_search_is_the_home_page(client):
    assert "Browse by section" in client.get("/search").text


def test_results_page_has_hits_facets_chart_and_paging(client):
    r = client.get("/search?q=budget")
    assert r.status_code == 200
    html = r.text
    assert "Results 1–10 of 31 for <q>budget</q>" in html
    assert html.count('<li class="hit">') == 10
    assert "<mark>budget</mark>" in html and "<mark>Budget</mark>" in html
    assert re.search(r'<a href="/articles/[0-9a-f]{16}\?q=budget">', html)  # carries the search
    # Facet toggles: every section and author, with counts, nofollow.
    for section in ("Politics", "Sport", "Culture", "Business"):
        assert f'href="/search?q=budget&amp;section={section}" rel="nofollow"' in html
    assert "Ana Petrovi" in html
    # Chart over two years of months, each bar a link to its period.
    assert '<figure class="histogram">' in html and "Results per month" in html
    assert 'aria-label="Jan 2023: 3 articles"' in html
    assert "from=2023-01&amp;to=2023-01" in html
    # Pagination
    assert 'href="/search?q=budget&amp;page=2" rel="next nofollow"' in html
    assert 'aria-current="page">1<' in html
    assert re.search(r"\(\d+(\.\d)? ms\)", html)


def test_facet_toggle_keeps_other_parameters(client):
    html = client.get("/search?q=budget&sort=newest&from=2023&to=2024&page=2").text
    assert 'href="/search?q=budget&amp;section=Sport&amp;from=2023&amp;to=2024&amp;sort=newest" rel="nofollow"' in html


def test_selected_facet_links_to_its_removal(client):
    html = client.get("/search?q=budget&section=Sport&section=Politics").text
    assert "Results 1–10 of 17" in html
    assert 'class="facet-link is-selected"' in html
    assert 'href="/search?q=budget&amp;section=Politics" rel="nofollow" class="facet-link is-selected"' in html
    # The form carries the selected sections along to the next query.
    assert '<input type="hidden" name="section" value="Sport">' in html


def test_chart_bar_narrows_to_its_period(client):
    html = client.get("/search?q=budget&from=2023-03&to=2023-03").text
    assert "Published in 2023-03" in html
    assert "Results 1–3 of 3 " in html


def test_year_chart_when_results_span_many_years(client, index_factory):
    from tests.conftest import make_article
    from web import create_app

    articles = [make_article(f"Flood report {y}", "The river flooded.", date=f"{y}-06-01", section="News",
                             url=f"https://x.example/{y}") for y in range(2000, 2010)]
    app = create_app(index_factory(articles), config={"TESTING": True})
    html = app.test_client().get("/search?q=flood").text
    assert "Results per year" in html
    assert 'aria-label="2003: 1 article"' in html
    assert "from=2003&amp;to=2003" in html


def test_pagination_middle_page(client):
    html = client.get("/search?q=budget&page=2").text
    assert "Results 11–20 of 31" in html
    assert 'href="/search?q=budget" rel="prev nofollow"' in html
    assert 'href="/search?q=budget&amp;page=3" rel="next nofollow"' in html


def test_page_past_the_end_says_so(client):
    html = client.get("/search?q=budget&page=9").text
    assert "past the last result" in html


def test_did_you_mean(client):
    html = client.get("/search?q=budgett").text
    assert "Did you mean" in html
    assert re.search(r'<a href="/search\?q=budget[^"]*" rel="nofollow">budget', html)


def test_no_results_page(client):
    html = client.get("/search?q=zzzyzzyx").text
    assert "No results for <q>zzzyzzyx</q>" in html
    assert "Nothing in the archive matches" in html


def test_warnings_are_shown(client):
    html = client.get('/search?q="budget').text
    assert 'class="notice notice-warning"' in html


def test_bad_parameters_show_the_form_with_a_message(client):
    for url, needle in [("/search?q=x&page=abc", "page must be a whole number"),
                        ("/search?q=x&page=0", "page must be 1 or more"),
                        ("/search?q=x&from=yesterday", "from: "),
                        ("/search?q=x&sort=sideways", "sort must be one of")]:
        r = client.get(url)
        assert r.status_code == 400, url
        assert "That search could not be run" in r.text and needle in r.text
        assert '<form class="search-form"' in r.text


def test_article_page(client, corpus):
    doc_id = article_id(corpus, "Harbour festival draws crowds")
    r = client.get(f"/articles/{doc_id}")
    assert r.status_code == 200
    html = r.text
    assert '<h1 class="article-title">Harbour festival draws crowds</h1>' in html
    assert "<p>Thousands came to the harbour festival.</p>" in html
    assert "<p>Music played all night by the harbour.</p>" in html
    assert '<time datetime="2024-07-04">4 July 2024</time>' in html
    # Authors and section lead to searches filtered on them.
    assert 'By <a href="/search?author=Clara+Weiss">Clara Weiss</a>' in html and ">Culture</a>" in html
    assert "Back to results" not in html  # not arriving from a search
    assert 'href="https://news.example.org/2024/harbour-festival"' in html


def test_article_page_lists_related_articles(client, corpus):
    doc_id = article_id(corpus, "Budget story 00: politics spending plans")
    html = client.get(f"/articles/{doc_id}").text
    assert "Related articles" in html
    related = re.findall(r'<li>\s*<a href="/articles/([0-9a-f]{16})">', html)
    assert related and doc_id not in related


def test_article_with_unsafe_url_gets_no_link(client, corpus):
    doc_id = article_id(corpus, "Undated harbour note")
    html = client.get(f"/articles/{doc_id}").text
    assert "javascript:" not in html
    assert "Read the original" not in html


def test_unknown_and_malformed_article_ids_are_404(client):
    for path in ("/articles/0000000000000000", "/articles/ZZZZ", "/articles/0123456789ABCDEF",
                 "/articles/..%2f..%2fetc"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "Page not found" in r.text and '<link rel="stylesheet"' in r.text


def test_help_page(client):
    r = client.get("/help")
    assert r.status_code == 200
    assert "Query syntax" in r.text and "author:smith" in r.text


def test_unknown_page_is_site_styled_404(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert r.content_type.startswith("text/html")
    assert "The Newsroom Archive" in r.text and "Page not found" in r.text


def test_500_page_hides_the_traceback(app, client, monkeypatch):
    from search.service import SearchService

    def boom(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(SearchService, "search", boom)
    r = client.get("/search?q=budget")
    assert r.status_code == 500
    assert "Something went wrong" in r.text
    assert "secret internals" not in r.text and "Traceback" not in r.text


def test_static_css_is_served(client):
    r = client.get("/static/style.css")
    assert r.status_code == 200 and r.content_type.startswith("text/css")


def test_pages_have_etags_and_revalidate(client):
    r = client.get("/search?q=budget")
    etag = r.headers["ETag"]
    assert "no-cache" in r.headers["Cache-Control"]
    again = client.get("/search?q=budget", headers={"If-None-Match": etag})
    assert again.status_code == 304
    other = client.get("/search?q=harbour")
    assert other.headers["ETag"] != etag
