"""Titles and sections on small hand-written pages: the fallbacks a reader uses."""

from __future__ import annotations

import json

import pytest

from indexer.extract import extract_article
from tests.test_extract import PARAGRAPHS

STORY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def extract(head: str = "", body: str = ""):
    html = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return extract_article(html.encode(), "x.html")


# ----------------------------------------------------------------- sections

@pytest.mark.parametrize("above, headline, section", [
    ("<nav aria-label='breadcrumb'><ol><li><a href='/'>Home</a></li><li><a href='/news/'>News</a></li>"
     "<li><a href='/news/sport/'>Sport</a></li><li>Rovers win</li></ol></nav>", "Rovers win", "Sport"),
    ("<div id='breadcrumb'>You are here: <a href='/'>Home</a> &gt; <a href='/news/'>News</a> &gt; "
     "<a href='/news/business/'>Business</a></div>", "Insurer opens office", "Business"),
    ("<div class='category'><a href='/europe'>Europe</a></div>", "Summit in Zürich", "Europe"),
])
def test_breadcrumb_or_category_link_above_the_headline(above: str, headline: str, section: str) -> None:
    assert extract(body=f"<div id='left'>{above}<article><h1>{headline}</h1>{STORY}</article></div>").section == section


def test_a_teasers_category_is_not_the_section() -> None:
    body = ("<div class='related-stories'><div class='category'><a href='/sport'>Sport</a></div>"
            "<a href='/x'>Another story</a></div>"
            f"<article><h1>Summit in Zürich</h1>{STORY}</article>")
    assert extract(body=body).section is None


def test_json_ld_breadcrumb_trail() -> None:
    trail = {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 2, "name": "Culture"},
        {"@type": "ListItem", "position": 1, "name": "Home"},
        {"@type": "ListItem", "position": 3, "name": "Opera house reopens"}]}
    head = f'<script type="application/ld+json">{json.dumps(trail)}</script>'
    assert extract(head, f"<h1>Opera house reopens</h1>{STORY}").section == "Culture"


@pytest.mark.parametrize("url, section", [
    ("https://news.example/sport/2024/03/14/rovers-win/", "Sport"),
    ("https://news.example/en/world-news/summit-zurich", "World news"),
    ("https://news.example/news/politics/budget-vote.html", "Politics"),
    ("https://news.example/2024/03/14/rovers-win/", None),   # a date, not a section
    ("https://news.example/rovers-win", None),               # the slug alone
    ("https://news.example/a1b2/rovers-win", None),
])
def test_section_from_the_canonical_url_path(url: str, section: str | None) -> None:
    head = f"<link rel='canonical' href='{url}'>"
    assert extract(head, f"<h1>Rovers win</h1>{STORY}").section == section


def test_metadata_section_wins_over_the_fallbacks() -> None:
    head = ("<meta property='article:section' content='Local'>"
            "<link rel='canonical' href='https://news.example/sport/rovers-win/'>")
    assert extract(head, f"<h1>Rovers win</h1>{STORY}").section == "Local"


# ----------------------------------------------------------------- titles

def test_json_ld_headline_the_page_does_not_show_loses_to_h1() -> None:
    """Wikipedia-style pages put a description in JSON-LD "headline"."""
    ld = {"@type": "Article", "headline": "Norwegian composer and pianist of the Romantic era"}
    head = (f'<script type="application/ld+json">{json.dumps(ld)}</script>'
            "<title>Edvard Grieg - Wikipedia</title>")
    assert extract(head, f"<h1>Edvard Grieg</h1>{STORY}").title == "Edvard Grieg"


def test_json_ld_headline_the_page_shows_is_kept() -> None:
    ld = {"@type": "NewsArticle", "headline": "Rovers win the cup after extra time"}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script><title>Rovers win | City Paper</title>'
    assert extract(head, f"<h1>Rovers win the cup after extra time</h1>{STORY}").title == \
        "Rovers win the cup after extra time"


def test_h1_that_is_the_site_name_is_not_the_headline() -> None:
    head = "<title>Nummer zwei: Leo | seelenradio</title>"
    body = f"<div id='header'><h1>seelenradio</h1></div><div class='post'><h1>Nummer zwei: Leo</h1>{STORY}</div>"
    assert extract(head, body).title == "Nummer zwei: Leo"


@pytest.mark.parametrize("title, expected", [
    ("Hund vertreibt Einbrecher – ein Zeugenaufruf", "Hund vertreibt Einbrecher – ein Zeugenaufruf"),
    ("Leasing oder Finanzierung – was lohnt sich mehr?", "Leasing oder Finanzierung – was lohnt sich mehr?"),
    ("Tram line extended - City Paper", "Tram line extended"),
    ("Tram line extended | city paper", "Tram line extended"),
])
def test_title_ending_is_cut_only_when_it_reads_like_a_site_name(title: str, expected: str) -> None:
    assert extract(f"<title>{title}</title>", f"<div>{STORY}</div>").title == expected


def test_title_equal_to_the_h1_is_never_cut() -> None:
    head = "<meta property='og:title' content='Würde des Lebens – Ein Projekt'>"
    assert extract(head, f"<h1>Würde des Lebens – Ein Projekt</h1>{STORY}").title == "Würde des Lebens – Ein Projekt"


def test_styles_inside_the_h1_are_not_its_words() -> None:
    body = f"<h1><style>.x{{color:red}}</style>Tram line extended</h1>{STORY}"
    assert extract(body=body).title == "Tram line extended"
