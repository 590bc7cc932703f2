"""Escaping, security headers and URL validation."""

from __future__ import annotations

import re

from tests.web_fixtures import XSS_BODY, XSS_TITLE, article_id


def test_security_headers_on_pages_api_and_errors(client):
    for path in ("/", "/search?q=budget", "/api/search?q=x", "/api/nope", "/nope", "/static/style.css"):
        r = client.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, path
        assert "default-src 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"]


def test_pages_have_no_inline_script_or_style(client, corpus):
    doc_id = article_id(corpus, "Budget story 00: politics spending plans")
    for path in ("/", "/search?q=budget", f"/articles/{doc_id}", "/help", "/nope"):
        html = client.get(path).text
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/enhance.js" defer>'], path
        assert "<style" not in html and " style=" not in html and " on" + "click=" not in html


def test_xss_article_is_text_in_results(client):
    html = client.get("/search?q=council+budget+row").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html or \
           "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in html
    assert "<img" not in html
    # The author facet shows markup as text too.
    assert "Ben &lt;b&gt;Okafor&lt;/b&gt;" in html


def test_xss_article_is_text_on_its_page(client, corpus):
    doc_id = article_id(corpus, XSS_TITLE)
    html = client.get(f"/articles/{doc_id}").text
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
    assert ">Ben &lt;b&gt;Okafor&lt;/b&gt;</a>" in html


def test_xss_article_is_verbatim_text_in_the_api(client, corpus):
    doc_id = article_id(corpus, XSS_TITLE)
    r = client.get(f"/api/articles/{doc_id}")
    assert r.content_type == "application/json"
    data = r.get_json()
    assert data["title"] == XSS_TITLE and data["body"] == XSS_BODY
    hits = client.get("/api/search?q=council+budget+row").get_json()["hits"]
    hit = next(h for h in hits if h["id"] == doc_id)
    assert hit["title"] == XSS_TITLE
    # The HTML forms carry only <mark> tags.
    for field in ("title_html", "snippet"):
        assert set(re.findall(r"</?([a-zA-Z]+)", hit[field])) <= {"mark"}, hit[field]


def test_javascript_urls_are_never_linked(client):
    html = client.get("/search?q=harbour+note").text
    assert "javascript:" not in html


def test_article_ids_are_validated_before_the_index(client, monkeypatch):
    from search.service import SearchService

    def fail(self, doc_id):
        raise AssertionError("looked up an invalid id")

    monkeypatch.setattr(SearchService, "article", fail)
    for bad in ("x" * 16, "0123456789abcde", "%3Cscript%3E", "0123456789abcdef0"):
        assert client.get(f"/articles/{bad}").status_code == 404
        assert client.get(f"/api/articles/{bad}").status_code == 404


def test_debug_is_off(app):
    assert app.debug is False


def test_search_query_is_escaped_in_the_form_and_title(client):
    html = client.get('/search?q="><script>alert(1)</script>').text
    assert "<script>alert(1)" not in html
    assert 'value="&#34;&gt;&lt;script&gt;' in html


def test_facet_and_paging_links_are_nofollow(client):
    html = client.get("/search?q=budget").text
    for link in re.findall(r'<a [^>]*class="facet-link[^"]*"[^>]*>', html):
        assert 'rel="nofollow"' in link
    for link in re.findall(r'<a href="/search\?[^"]*page=[^"]*"[^>]*>', html):
        assert "nofollow" in link
