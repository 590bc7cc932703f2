"""Tests for indexer.extract: metadata sources, body cleaning, encodings, hostile input.

Dates, titles and sections, the newer body rules and the benchmark scripts
have files of their own (tests/test_extract_*.py); ``page`` and
``PARAGRAPHS`` here are shared with them.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from indexer.extract import ExtractionError, extract_article

PARAGRAPHS = [
    "The city council voted on Tuesday to extend the riverside tram line by four kilometres, "
    "a project that has been debated for almost a decade.",
    "Supporters said the extension would connect two growing neighbourhoods with the central "
    "station and cut car traffic on the old bridge during the morning rush.",
    "Opponents argued that the cost estimate had doubled since the first study and asked for "
    "an independent review before any construction contract is signed.",
]


def page(head: str = "", body: str = "", paragraphs: list[str] | None = None) -> bytes:
    """A small UTF-8 page with an article made of ``paragraphs``."""
    paras = "".join(f"<p>{p}</p>" for p in (PARAGRAPHS if paragraphs is None else paragraphs))
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head>"
        f"<body>{body or f'<article><h1>Tram line extended</h1>{paras}</article>'}</body></html>"
    )
    return html.encode("utf-8")


def json_ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# ----------------------------------------------------------------- metadata sources

def test_json_ld_news_article() -> None:
    head = json_ld({
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": "Tram line extended to the harbour",
        "datePublished": "2024-03-14T09:30:00+01:00",
        "articleSection": "Local",
        "author": [{"@type": "Person", "name": "Ana Kovač"}, {"@type": "Person", "name": "Bo Lin"}],
        "url": "https://example.org/news/tram",
    })
    art = extract_article(page(head), "archive/2024/tram.html")
    assert art.title == "Tram line extended to the harbour"
    assert art.date == dt.datetime(2024, 3, 14, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert art.section == "Local"
    assert art.authors == ["Ana Kovač", "Bo Lin"]
    assert art.url == "https://example.org/news/tram"
    assert art.id == "https://example.org/news/tram"
    assert art.source == "archive/2024/tram.html"


def test_json_ld_graph_with_author_reference() -> None:
    head = json_ld({
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "The Daily Post"},
            {"@type": "Person", "@id": "#ann", "name": "Ann Lee"},
            {"@type": ["ReportageNewsArticle"], "headline": "Graph headline",
             "datePublished": "2023-06-01", "author": {"@id": "#ann"}, "articleSection": ["Politics"]},
        ],
    }) + "<title>Graph headline | The Daily Post</title>"  # a JSON-LD headline the page shows
    art = extract_article(page(head), "x.html")
    assert art.title == "Graph headline"
    assert art.date == dt.datetime(2023, 6, 1)
    assert art.authors == ["Ann Lee"]
    assert art.section == "Politics"


def test_json_ld_top_level_list_and_string_author() -> None:
    head = json_ld([
        {"@type": "BreadcrumbList", "itemListElement": []},
        {"@type": "BlogPosting", "headline": "List headline", "author": "By Carl Dunn and Eve Park",
         "datePublished": "2022-01-02T03:04:05Z"},
    ]) + "<title>List headline</title>"
    art = extract_article(page(head), "x.html")
    assert art.title == "List headline"
    assert art.authors == ["Carl Dunn", "Eve Park"]
    assert art.date == dt.datetime(2022, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def test_broken_json_ld_is_tolerated() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Broken but fine",'
            ' "datePublished": "2021-05-06",}</script><title>Broken but fine</title>')
    art = extract_article(page(head), "x.html")
    assert art.title == "Broken but fine"
    assert art.date == dt.datetime(2021, 5, 6)


def test_opengraph_and_article_meta() -> None:
    head = (
        '<meta property="og:title" content="OG headline">'
        '<meta property="og:url" content="https://example.org/og">'
        '<meta property="article:published_time" content="2020-02-29T12:00:00-05:00">'
        '<meta property="article:section" content="Business">'
        '<meta name="author" content="By Dana Wu">'
    )
    art = extract_article(page(head), "x.html")
    assert art.title == "OG headline"
    assert art.url == "https://example.org/og"
    assert art.date is not None and art.date.date() == dt.date(2020, 2, 29)
    assert art.section == "Business"
    assert art.authors == ["Dana Wu"]


def test_microdata() -> None:
    body = (
        '<div itemscope itemtype="https://schema.org/NewsArticle">'
        '<h1 itemprop="headline">Microdata headline</h1>'
        '<span itemprop="author" itemscope><span itemprop="name">Frank Osei</span></span>'
        '<meta itemprop="datePublished" content="2019-07-08">'
        '<span itemprop="articleSection">Science</span>'
        '<div itemprop="articleBody">' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div></div>"
    )
    art = extract_article(page(body=body), "x.html")
    assert art.title == "Microdata headline"
    assert art.authors == ["Frank Osei"]
    assert art.date == dt.datetime(2019, 7, 8)
    assert art.section == "Science"
    assert PARAGRAPHS[0] in art.body


@pytest.mark.parametrize("title, site, expected", [
    ("Tram line extended | The Daily Post", None, "Tram line extended"),
    ("Tram line extended - Site", None, "Tram line extended"),
    ("The Daily Post: Tram line extended to the harbour", "The Daily Post", "Tram line extended to the harbour"),
])
def test_title_suffix_stripping(title: str, site: str | None, expected: str) -> None:
    head = f"<title>{title}</title>"
    if site:
        head += f'<meta property="og:site_name" content="{site}">'
    body = "<div>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>"
    assert extract_article(page(head, body), "x.html").title == expected


def test_h1_confirmed_by_title_wins() -> None:
    head = "<title>Tram line extended by four kilometres | City Paper</title>"
    body = ("<h1>Tram line extended by four kilometres</h1>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS))
    assert extract_article(page(head, body), "x.html").title == "Tram line extended by four kilometres"


def test_id_from_canonical_or_source_path() -> None:
    with_canonical = page('<link rel="canonical" href="https://example.org/a/1">')
    art = extract_article(with_canonical, "pages/a1.html")
    assert art.id == "https://example.org/a/1" and art.url == "https://example.org/a/1"
    art = extract_article(page(), "pages/a1.html")
    assert art.id == "pages/a1.html" and art.url is None


# ----------------------------------------------------------------- body

BOILERPLATE_PAGE = f"""
<html><head><title>Tram line extended | City Paper</title></head><body>
<header><a href="/">City Paper</a><nav><a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<main>
 <article>
  <h1>Tram line extended</h1>
  <div class="byline">By Ana Kovač</div>
  <div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Tweet</a></div>
  <figure><img src="x.jpg"><figcaption>The tram depot in 2019. Photo: City archive</figcaption></figure>
  <p>{PARAGRAPHS[0]}</p>
  <div class="ad-slot">Advertisement</div>
  <p>{PARAGRAPHS[1]}</p>
  <aside class="related-stories"><h3>Related</h3>
   <ul><li><a href="/1">Bus fares rise again next spring</a></li>
       <li><a href="/2">Bridge repairs delayed for months</a></li></ul></aside>
  <p>{PARAGRAPHS[2]}</p>
  <div class="newsletter-signup"><p>Sign up for our morning newsletter and get the news first.</p>
   <form><input type="email"><button>Subscribe</button></form></div>
 </article>
 <section class="comments"><h2>Comments</h2>
  <p>This is a comment from a reader who disagrees strongly with the council decision today.</p></section>
 <div class="most-read"><h2>Most read</h2><ol><li><a href="/3">Storm closes harbour</a></li>
  <li><a href="/4">New mayor sworn in</a></li><li><a href="/5">Schools reopen</a></li></ol></div>
</main>
<footer><p>© 2024 City Paper. All rights reserved. Contact us at the newsroom for corrections.</p></footer>
<script>var tracking = "Tram line extended script text";</script>
</body></html>
"""


def test_boilerplate_and_teasers_removed() -> None:
    art = extract_article(BOILERPLATE_PAGE.encode(), "x.html")
    assert art.body.split("\n\n") == PARAGRAPHS
    for junk in ("cookies", "Share on", "Photo:", "Advertisement", "Bus fares", "newsletter",
                 "comment from a reader", "Storm closes", "All rights reserved", "tracking",
                 "Ana Kovač"):
        assert junk not in art.body
    assert art.title == "Tram line extended"


def test_title_not_repeated_in_body() -> None:
    art = extract_article(page(), "x.html")
    assert "Tram line extended" not in art.body


def test_block_elements_are_separated() -> None:
    body = ("<article><h1>Year in review</h1><div class='stamp'><div>2024</div><div>Frontline</div></div>"
            "<div>Inline <b>bold</b><i>italic</i> and <a href='#'>link</a> text stays together here.</div>"
            "<ul><li>first item</li><li>second item</li></ul>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>")
    art = extract_article(page(body=body), "x.html")
    assert "2024Frontline" not in art.body
    assert "itemsecond" not in art.body
    assert "Inline boldit" not in art.body or "Inline bolditalic and link text" in art.body
    assert "Inline bolditalic and link text stays together here." in art.body
    assert "\n\n".join(PARAGRAPHS) in art.body


def test_br_separated_text_without_paragraphs() -> None:
    text = "<br><br>".join(PARAGRAPHS)
    art = extract_article(page(body=f"<div id='x'><h1>Tram</h1><div>{text}</div></div>"), "x.html")
    for p in PARAGRAPHS:
        assert p in art.body


# ----------------------------------------------------------------- encodings

SERBIAN = ("Početkom nedelje Vlada je usvojila nacrt zakona o budžetu. Ministar finansija rekao je da će "
           "plate i penzije biti povećane, a đaci će dobiti besplatne udžbenike. Žalbe građana će se "
           "rešavati brže, a šumarstvo dobija više novca.")
RUSSIAN = ("Правительство сегодня утвердило проект бюджета на следующий год. Министр финансов заявил, "
           "что зарплаты и пенсии будут повышены, а школьники получат бесплатные учебники.")


def _legacy_page(text: str, encoding: str, head: str = "") -> bytes:
    html = f"<html><head>{head}<title>Vesti</title></head><body><article><p>{text}</p></article></body></html>"
    return html.encode(encoding)


def test_undeclared_windows_1250_serbian_latin() -> None:
    art = extract_article(_legacy_page(SERBIAN, "cp1250"), "x.html")
    assert SERBIAN in art.body


def test_undeclared_windows_1251_cyrillic() -> None:
    art = extract_article(_legacy_page(RUSSIAN, "cp1251"), "x.html")
    assert RUSSIAN in art.body


def test_short_undeclared_legacy_pages() -> None:
    sr = "Šta ćeš da radiš? Đak žuri u školu, a čika čeka."
    ru = "Ёжик шёл по тёмному лесу."
    assert sr in extract_article(_legacy_page(sr, "cp1250"), "x").body
    assert ru in extract_article(_legacy_page(ru, "cp1251"), "x").body


def test_declared_charset_is_used() -> None:
    raw = _legacy_page(SERBIAN, "iso8859_2", '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2">')
    assert SERBIAN in extract_article(raw, "x").body
    raw = _legacy_page(RUSSIAN, "koi8_r", '<meta charset="koi8-r">')
    assert RUSSIAN in extract_article(raw, "x").body


def test_bom_wins() -> None:
    raw = "\ufeff".encode("utf-8") + _legacy_page(SERBIAN, "utf-8", '<meta charset="windows-1252">')
    assert SERBIAN in extract_article(raw, "x").body
    raw = _legacy_page(RUSSIAN, "utf-16")  # Python adds the UTF-16 BOM
    assert RUSSIAN in extract_article(raw, "x").body


def test_utf8_mislabelled_latin1() -> None:
    raw = _legacy_page("Café crème brûlée served at the opening of the new harbour market hall.",
                       "utf-8", '<meta charset="iso-8859-1">')
    assert "Café crème brûlée" in extract_article(raw, "x").body


# ----------------------------------------------------------------- errors

def test_empty_file() -> None:
    with pytest.raises(ExtractionError, match="empty"):
        extract_article(b"", "x")
    with pytest.raises(ExtractionError):
        extract_article(b"  \n\t ", "x")


def test_binary_data() -> None:
    with pytest.raises(ExtractionError, match="binary"):
        extract_article(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "x")
    with pytest.raises(ExtractionError, match="binary"):
        extract_article(bytes(range(256)) * 50, "x")


def test_too_large() -> None:
    raw = page()
    with pytest.raises(ExtractionError, match="300"):
        extract_article(raw, "x", max_bytes=300)
    assert len(raw) > 300
    extract_article(raw, "x", max_bytes=len(raw))


def test_no_text() -> None:
    with pytest.raises(ExtractionError):
        extract_article(b"<html><head></head><body><div><img src='a.png'></div></body></html>", "x")
    with pytest.raises(ExtractionError):
        extract_article(b"<html><body><script>var a = 'only script';</script></body></html>", "x")


def test_extraction_error_has_reason() -> None:
    with pytest.raises(ExtractionError) as info:
        extract_article(b"", "x")
    assert info.value.reason and isinstance(info.value, ValueError)


# ----------------------------------------------------------------- hostile input

def _quick(raw: bytes, limit: float = 2.0) -> None:
    """Either an Article or ExtractionError, and fast: ``limit`` CPU seconds of
    this process, which other jobs on a busy machine do not inflate."""
    start = time.process_time()
    try:
        extract_article(raw, "hostile.html")
    except ExtractionError:
        pass
    assert time.process_time() - start < limit


def test_deep_nesting() -> None:
    raw = b"<html><body>" + b"<div>" * 20_000 + b"deep text" + b"</div>" * 20_000 + b"</body></html>"
    _quick(raw)
    raw = b"<html><body>" + b"<span><b>" * 10_000 + b"x" + b"</b></span>" * 10_000 + b"</body></html>"
    _quick(raw)
    # Unclosed nesting, the way a broken page would do it.
    _quick(b"<html><body>" + b"<div><p>text " * 20_000)


def test_entity_bomb() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">'
        + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
        + ']><html><body><p>&i;&i;&i;</p><p>' + PARAGRAPHS[0] + "</p></body></html>"
    )
    _quick(bomb.encode())
    _quick(("<html><body><p>" + "&amp;&lt;&#x41;&nbsp;" * 200_000 + "</p></body></html>").encode())


def test_nul_bytes() -> None:
    raw = page().replace(b"council", b"coun\x00cil", 1)
    art = extract_article(raw, "x")
    assert "vot" in art.body
    _quick(b"\x00" * 100_000)
    _quick(b"<html>" + b"\x00<p>a</p>" * 5000)


def test_truncated_html() -> None:
    raw = page()
    art = extract_article(raw[: len(raw) * 2 // 3], "x")
    assert PARAGRAPHS[0] in art.body
    _quick(raw[:40])


def test_wrong_declared_encoding() -> None:
    raw = _legacy_page(RUSSIAN, "cp1251", '<meta charset="utf-8">')
    _quick(raw)
    raw = _legacy_page(SERBIAN, "utf-8", '<meta charset="no-such-charset">')
    assert SERBIAN in extract_article(raw, "x").body


def test_huge_flat_page_is_bounded() -> None:
    raw = ("<html><body>" + "<div><a href='#'>link</a> word</div>" * 50_000 + "</body></html>").encode()
    _quick(raw, limit=5.0)
