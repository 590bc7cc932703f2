"""Which heading is the story's headline, and the title taken with it (round 7).

Small hand-written pages: a logo or section name in an <h1>, several <h1>s, a
headline in an <h2>, and meta titles that name a section or the site.
"""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import html

from indexer.extract import extract_article
from indexer.extract.titles import headline_element, is_site_name
from tests.test_extract import PARAGRAPHS, page

STORY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
HEADLINE = "Colder temperatures forecast for Wednesday after cold wave alert"


def _headline(raw: bytes) -> tuple[str, str | None]:
    root = html.fromstring(raw)
    title = root.findtext(".//title") or ""
    og = root.xpath("//meta[@property='og:title']/@content")
    text, el = headline_element(root, None, title, tuple(og))
    return text, el.tag if el is not None else None


def test_logo_h1_linking_home_is_not_the_headline() -> None:
    """<h1><a href="/">KBS WORLD</a></h1> before the story's own <h1>: the date under
    the second one dates the page."""
    head = f"<title>{HEADLINE} l KBS WORLD</title>"
    body = (f"<header><h1 class='logo'><a href='https://world.example/index.htm'>KBS WORLD</a></h1></header>"
            f"<main><h1>{HEADLINE}</h1><p>Written: 2023-11-07 15:03</p>{STORY}"
            f"<ul><li>Older story 2023-11-03</li></ul></main>")
    raw = page(head, body)
    assert _headline(raw) == (HEADLINE, "h1")
    art = extract_article(raw, "x.html")
    assert art.date is not None and art.date.date() == dt.date(2023, 11, 7)
    assert art.title == HEADLINE


def test_h1_the_titles_name_best_among_several() -> None:
    """A screen-reader site name, a section name and the headline, all <h1>s."""
    head = "<title>Zoll online - Fachmeldungen - Verkündung des Tabaksteuergesetzes</title>"
    body = ("<h1 class='aural'>Zoll</h1><h1>Fachmeldungen</h1>"
            f"<h1>Verkündung des Tabaksteuergesetzes</h1><p>Datum: 18.10.2021</p>{STORY}")
    assert _headline(page(head, body)) == ("Verkündung des Tabaksteuergesetzes", "h1")


@pytest.mark.parametrize("h1", ["Literatur", "€10", "OutdoorNews | Eintrag"])
def test_short_name_in_h1_gives_way_to_the_h2_the_titles_name(h1: str) -> None:
    og = "The EU’s Green Deal isn’t enough to save us from climate catastrophe"
    head = f"<meta property='og:title' content='{og}'><title>{og} - DiEM25</title>"
    body = f"<h1>{h1}</h1><h2 class='title-block'>{og}</h2><p>12 December 2020</p>{STORY}"
    raw = page(head, body)
    assert _headline(raw) == (og, "h2")
    art = extract_article(raw, "x.html")
    assert art.title == og
    assert art.date is not None and art.date.date() == dt.date(2020, 12, 12)


def test_long_h1_the_titles_do_not_name_stays_the_headline() -> None:
    """Titles written for search engines: a headline of several words stays."""
    head = "<title>Tram news: all about the riverside extension and its costs</title>"
    body = ("<h1>Council votes to extend the riverside tram line</h1>"
            f"<h2>Tram news about the riverside extension and its costs</h2>{STORY}")
    assert _headline(page(head, body)) == ("Council votes to extend the riverside tram line", "h1")


def test_short_h1_that_starts_the_title_stays_the_headline() -> None:
    head = "<title>Tram line extended: what the council decided on Tuesday and why it matters</title>"
    body = f"<h1>Tram line extended</h1><h2>What the council decided on Tuesday and why it matters</h2>{STORY}"
    assert _headline(page(head, body)) == ("Tram line extended", "h1")


def test_without_titles_the_first_h1_stays() -> None:
    body = f"<h1>Section</h1><h2>Tram line extended</h2>{STORY}"
    assert _headline(page("", body)) == ("Section", "h1")


def test_h1_without_words_is_skipped() -> None:
    head = "<meta property='og:title' content='Tach auch!'><title>...: Tach auch!</title>"
    raw = page(head, f"<h1 class='title'>...</h1>{STORY}")
    assert _headline(raw) == ("", None)
    assert extract_article(raw, "x.html").title == "Tach auch!"


def test_known_site_name_segment_leaves_the_other_one_a_headline() -> None:
    """"Scherenschnitt (3) | gnaddrig ad libitum" with og:site_name "gnaddrig ad libitum":
    the shorter first segment is the post, not the site."""
    title = "Scherenschnitt (3) | gnaddrig ad libitum"
    assert is_site_name("gnaddrig ad libitum", "gnaddrig ad libitum", title)
    assert not is_site_name("Scherenschnitt (3)", "gnaddrig ad libitum", title)
    assert is_site_name("Scherenschnitt (3)", None, title)  # without the site's name: the old guess


@pytest.mark.parametrize("meta", [
    "<meta property='og:title' content='Pressemitteilungen'>",
    "<meta name='twitter:title' content='Investment Watch'>",
])
def test_short_meta_title_naming_a_section_loses_to_the_headline_the_title_confirms(meta: str) -> None:
    headline = "Olafur Eliasson gestaltet Titelseite für die deutschen Zeitungen"
    raw = page(f"{meta}<title>{headline} – Investment Watch</title>", f"<h1>{headline}</h1>{STORY}")
    assert extract_article(raw, "x.html").title == headline


def test_microdata_headline_on_the_logo_loses_to_the_headline() -> None:
    headline = "Biggest money laundering scheme uncovered"
    body = (f"<header><p itemprop='headline'>Investment Watch</p></header>"
            f"<article><h1 class='entry-title'>{headline}</h1>{STORY}</article>")
    raw = page(f"<title>{headline} – Investment Watch</title>", body)
    assert extract_article(raw, "x.html").title == headline


def test_long_meta_title_that_differs_from_the_headline_is_kept() -> None:
    """A social title written apart from the headline is still the page's title."""
    og = "Mit Hilfe des Chefs für die Rente sparen"
    raw = page(f"<meta property='og:title' content='{og}'><title>Betriebliche Altersvorsorge - Finanztip</title>",
               f"<h1>Betriebliche Altersvorsorge</h1>{STORY}")
    assert extract_article(raw, "x.html").title == og


def test_post_heading_named_by_the_longest_title_segment_beats_the_blogs_logo() -> None:
    """A blog's <title> carries its name and motto after the post's title; the <h1> is the logo."""
    post = "Das vermutlich schwulste Musikvideo der Welt"
    head = f"<title>{post} : Krimiblog-Archiv | Ermittlungen zum Verfall eines Genres | Gegründet 2005</title>"
    body = (f"<h1 class='vcard'><a href='http://archiv.krimiblog.example/'>Krimiblog-Archiv</a></h1>"
            f"<div class='post'><h2>{post}</h2>{STORY}</div>")
    raw = page(head, body)
    assert _headline(raw) == (post, "h2")
    assert extract_article(raw, "x.html").title == post


def test_related_posts_teaser_sharing_the_titles_words_is_not_the_headline() -> None:
    """A short <h1> the <title> does not name, and a related post's heading that
    shares most of the <title>'s words: the <h1> stays."""
    head = "<title>Louis Vuitton Palm Springs PM oder Mini? – Fashionblog aus Köln</title>"
    body = (f"<h1 class='content-title'>Das Louis Vuitton Missgeschick</h1>{STORY}"
            "<div id='related-post'><div class='related-excerpt'>"
            "<h3>Oversize Mantel &amp; Louis Vuitton Palm Springs</h3></div></div>")
    assert _headline(page(head, body)) == ("Das Louis Vuitton Missgeschick", "h1")
