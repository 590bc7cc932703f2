"""Dates read beside the headline and numeric dates that read both ways (round 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from indexer.extract import extract_article
from indexer.extract.dates import swapped_reading
from tests.test_extract import PARAGRAPHS, json_ld, page

STORY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
NO_HTMLDATE = frozenset({"htmldate"})


def _date(raw: bytes, **options) -> dt.date | None:
    art = extract_article(raw, "x.html", **options)
    return art.date.date() if art.date else None


def _nest(inner: str, depth: int) -> str:
    return "<div class='row'>" * depth + inner + "</div>" * depth


def test_date_in_another_column_of_a_grid_several_levels_up() -> None:
    """Headline and date in two columns of one grid row: the date's block sits
    beside the eighth wrapper around the headline."""
    title = _nest("<div class='field-title'><h1>Verjährung von Urlaubsansprüchen</h1></div>", 7)
    date = _nest("<div class='field-post-date'>20.12.2022</div>", 3)
    body = f"<div class='grid'>{title}{date}</div>{STORY}"
    raw = page(body=body).replace(b"<html>", b"<html lang='de'>")
    assert _date(raw, skip_date_sources=NO_HTMLDATE) == dt.date(2022, 12, 20)


def test_date_labelled_published_beats_a_nearer_masthead_date() -> None:
    """Today's date in the masthead just above the headline, the story's date
    labelled below it."""
    body = ("<div class='top'><span>May 11, 2022</span><span>Login</span></div>"
            "<h1 class='detail-heading'>Vessel returning to Puerto Rico intercepted</h1>"
            f"<p>Crime. Published On May 10, 2022 01:52 PM. Staff</p>{STORY}")
    head = "<title>Vessel returning to Puerto Rico intercepted</title>"
    assert _date(page(head, body), skip_date_sources=NO_HTMLDATE) == dt.date(2022, 5, 10)


def test_the_head_is_not_text_above_the_headline() -> None:
    """An <h1> right inside <body>: what stands above it is no longer the page's."""
    raw = page("<script>window.built = '2019-01-01';</script>", f"<h1>Tram line extended</h1>{STORY}")
    assert _date(raw, skip_date_sources=NO_HTMLDATE) is None


@pytest.mark.parametrize("label", ["Registriert:", "Joined", "Member since"])
def test_forum_join_date_is_not_the_posts_date(label: str) -> None:
    body = (f"<h1>Was ist Freie Software</h1><p>r23 Beiträge: 1626 {label} 18.09.2008, 05:56 "
            f"Wohnort: Hagen. Beitrag von r23 21.01.2009, 05:42</p>{STORY}")
    raw = page(body=body).replace(b"<html>", b"<html lang='de'>")
    assert _date(raw, skip_date_sources=NO_HTMLDATE) == dt.date(2009, 1, 21)


def test_numeric_date_reading_both_ways_follows_the_pages_other_dates() -> None:
    """datePublished "10/05/2022" beside dateModified "2022/05/10": 10 May, not 5 October."""
    ld = json_ld({"@type": "NewsArticle", "headline": "Senador republicano",
                  "datePublished": "10/05/2022 05:22 pm", "dateModified": "2022/05/10 17:36:11"})
    assert _date(page(ld)) == dt.date(2022, 5, 10)
    alone = json_ld({"@type": "NewsArticle", "headline": "Senador republicano",
                     "datePublished": "10/05/2022 05:22 pm"})
    assert _date(page(alone)) == dt.date(2022, 10, 5)  # no other date: month first, as before


@pytest.mark.parametrize("value, expected", [
    ("10/05/2022 05:22 pm", dt.datetime(2022, 5, 10)),
    ("13/05/2022", None),    # only one reading
    ("05/05/2022", None),    # both readings the same day
    ("2022/05/10", None),    # year first: not ambiguous
    ("on 10/05/2022", None),  # not a machine value
])
def test_swapped_reading(value: str, expected: dt.datetime | None) -> None:
    assert swapped_reading(value) == expected


@pytest.mark.parametrize("line, expected", [
    ("This entry was posted on Wednesday, May 19th, 2010 at 11:03 pm", dt.date(2010, 5, 19)),
    ("Dieser Artikel wurde am 19. Mai 2010 um 23:03 Uhr gepostet", dt.date(2010, 5, 19)),
    ("Der Bericht wurde am 19. Mai 2010 im Landtag beraten", None),  # no "posted" verb
    ("Posted by the editors, May 19, 2010", None),  # more than a weekday between
])
def test_published_formulas_with_a_weekday_or_the_verb_after_the_date(line: str, expected: dt.date | None) -> None:
    """Blog themes' "posted on <weekday>, <date>" and "wurde am <date> gepostet", in a
    sidebar far from the headline, before htmldate's guesses."""
    body = f"<h1>Tram line extended</h1>{STORY}{STORY}<div class='about'>{line}</div>"
    raw = page(body=body).replace(b"<html>", b"<html lang='de'>")
    assert _date(raw, skip_date_sources=NO_HTMLDATE) == expected


# ----------------------------------------------------------------- round 8

def test_date_in_its_own_element_beside_a_label_above_the_headline() -> None:
    """"<span>Original Research</span><span>7 April 2020</span>": the two read apart
    ("Research7" would hide the date), and the written date outranks a generic
    ``dc.date`` meta (often another date of the document's life)."""
    body = ("<div class='citation'><div class='top'><span>Original Research</span><span>7 April 2020</span></div>"
            f"<div class='title-wrapper'><h1>The effect of vaccination on hospitalization</h1></div></div>{STORY}")
    raw = page('<meta name="dc.Date" content="2020-03-03">', body)
    assert _date(raw, skip_date_sources=NO_HTMLDATE) == dt.date(2020, 4, 7)


@pytest.mark.parametrize("stamp, written, expected", [
    # 13:10 UTC is the 6th in every time zone: the event of the 5th in the story is not the story's day.
    ("2023-11-06T13:10:22.000Z", "5. November 2023", dt.date(2023, 11, 6)),
    # 02:00 UTC is still the 6th as far east as UTC+14: the 7th is out of reach.
    ("2023-11-06T02:00:00Z", "7. November 2023", dt.date(2023, 11, 6)),
    # 04:40 UTC is the evening of the 5th in the Americas: the written day settles it.
    ("2023-11-06T04:40:00Z", "5. November 2023", dt.date(2023, 11, 5)),
])
def test_written_day_moves_a_utc_time_only_where_a_time_zone_can(stamp: str, written: str,
                                                                  expected: dt.date) -> None:
    head = f'<meta property="article:published_time" content="{stamp}">'
    body = f"<article><h1>Motorway closed after an accident</h1><p>Am Sonntag, {written}, kurz nach 21.25 Uhr</p>{STORY}</article>"
    assert _date(page(head, body), skip_date_sources=NO_HTMLDATE) == expected


def test_day_heading_above_the_post_in_a_blog_theme() -> None:
    """A blog theme's day heading above the post's third wrapper, all inside a
    "widget" block (the wrappers around the headline are the story's own); the
    book's release date under the title is not the post's."""
    post = ("<div class='date-outer'><h2 class='date-header'><span>Samstag, 9. September 2017</span></h2>"
            "<div class='date-posts'><div class='post-outer'><div class='post hentry'>"
            "<h3 class='post-title entry-title'>[Rezi] Love is War</h3>"
            f"<div class='post-body'><p>Verlag: Heyne, Erscheinungsdatum: 14.08.2017</p>{STORY}</div>"
            "</div></div></div></div>")
    body = f"<div class='widget Blog' id='Blog1'><div class='blog-posts hfeed'>{post}</div></div>"
    raw = page("<title>Weinlachgummis: [Rezi] Love is War</title>", body).replace(b"<html>", b"<html lang='de'>")
    assert _date(raw, skip_date_sources=NO_HTMLDATE) == dt.date(2017, 9, 9)


@pytest.mark.parametrize("attr, key", [
    ("name", "prism.publicationDate"),          # PRISM (journals)
    ("name", "pub_date"),
    ("property", "published_at"),
    ("name", "cXenseParse:publishtime"),
    ("name", "shareaholic:article_published_time"),
    ("name", "article.created"),
    ("name", "dcterms:created"),                # RDFa's spelling of DCTERMS.created
    ("name", "DC:date.issued"),
])
def test_published_date_meta_names(attr: str, key: str) -> None:
    raw = page(f'<meta {attr}="{key}" content="2021-06-09T08:00:00+02:00">')
    assert _date(raw, skip_date_sources=NO_HTMLDATE) == dt.date(2021, 6, 9)


@pytest.mark.parametrize("key", ["dcterms:modified", "article_date_updated", "article.updated"])
def test_modified_meta_settles_a_date_that_reads_both_ways(key: str) -> None:
    """"10/05/2022" is 10 May when the page was last changed on 11 May (else 5 October)."""
    head = f'<meta name="pubdate" content="10/05/2022 05:22 pm"><meta name="{key}" content="2022-05-11">'
    assert _date(page(head), skip_date_sources=NO_HTMLDATE) == dt.date(2022, 5, 10)


@pytest.mark.parametrize("text, expected", [
    ("3 augusti 2020", dt.date(2020, 8, 3)),            # Swedish
    ("19. helmikuuta 2020", dt.date(2020, 2, 19)),      # Finnish
    ("5. května 2021", dt.date(2021, 5, 5)),            # Czech
    ("12 Ekim 2021", dt.date(2021, 10, 12)),            # Turkish
    ("7 грудня 2022", dt.date(2022, 12, 7)),            # Ukrainian
    ("2020. február 19.", dt.date(2020, 2, 19)),        # Hungarian, year first
    ("2019年6月24日 10時", dt.date(2019, 6, 24)),        # Japanese, Chinese
    ("2019년 6월 24일", dt.date(2019, 6, 24)),           # Korean
])
def test_more_languages_and_year_first_dates(text: str, expected: dt.date) -> None:
    body = f"<h1>Headline here</h1><p>{text}</p>{STORY}"
    assert _date(page(body=body), skip_date_sources=NO_HTMLDATE) == expected


@pytest.mark.parametrize("value, expected", [
    ("2022-5-5 22:17:36", dt.datetime(2022, 5, 5, 22, 17, 36)),
    ("2022-5-6T12:00:00.000Z", dt.datetime(2022, 5, 6, 12, tzinfo=dt.timezone.utc)),
])
def test_machine_date_without_zero_padding(value: str, expected: dt.datetime) -> None:
    art = extract_article(page(f'<meta property="article:published_time" content="{value}">'), "x.html",
                          skip_date_sources=NO_HTMLDATE)
    assert art.date == expected


@pytest.mark.parametrize("head, expected", [
    ('<meta property="og:locale" content="es_ES">', dt.date(2022, 5, 10)),
    ('<meta http-equiv="Content-Language" content="fr">', dt.date(2022, 5, 10)),
    ('<meta property="og:locale" content="en_US">', dt.date(2022, 10, 5)),
])
def test_page_language_from_its_head_when_html_has_no_lang(head: str, expected: dt.date) -> None:
    """"10/05/2022" is 10 May in Spain and France, October 5 in the US."""
    body = f"<article><h1>Tram line extended</h1><span class='time'>10/05/2022</span>{STORY}</article>"
    assert _date(page(head, body), skip_date_sources=NO_HTMLDATE) == expected


def test_todays_date_in_the_masthead_above_the_story_container_is_not_read() -> None:
    """The site's banner ("Miércoles 4 de Mayo de 2022", today's date) precedes
    the <section> holding the story; the story dates from the evening of the 3rd."""
    head = '<meta property="article:published_time" content="2022-05-03T20:51:06.620Z">'
    body = ("<div class='top'><div class='date-item'>Miércoles 4 de Mayo de 2022</div></div>"
            "<section class='article-section'><header><div class='article-header'>"
            f"<h1>El Nobel de la Paz advirtió</h1></div></header>{STORY}</section>")
    raw = page(head, body).replace(b"<html>", b"<html lang='es'>")
    assert _date(raw, skip_date_sources=NO_HTMLDATE) == dt.date(2022, 5, 3)


@pytest.mark.parametrize("published", [
    "Tue Nov 19 2019 03:05:46 GMT+0000 (Coordinated Universal Time)",  # JavaScript's Date string
    "2019-11-19T03:05:46Z",
])
def test_utc_time_is_read_in_the_offset_of_the_pages_other_times(published: str) -> None:
    """Published 22:05 in New York on 18 November, written in UTC; the last change
    is written in the publisher's own offset (-05:00)."""
    head = json_ld({"@type": "NewsArticle", "headline": "Tram line extended", "datePublished": published,
                    "dateModified": "2019-11-18T22:15:39-05:00"})
    art = extract_article(page(head), "x.html", skip_date_sources=NO_HTMLDATE)
    assert art.date is not None and art.date.date() == dt.date(2019, 11, 18)
    assert art.date.utcoffset() == dt.timedelta(hours=-5)


@pytest.mark.parametrize("life, published", [
    ("蔡健雅，1975年1月28日出生于新加坡", "2020年2月14日"),
    ("1975年1月28日（农历1974年腊月十七）", "2020年2月14日"),
    ("The mayor, born on 28 January 1975, spoke.", "14 February 2020"),
    ("Die Bürgermeisterin (geboren 28. Januar 1975) sprach.", "14. Februar 2020"),
])
def test_a_life_date_beside_the_headline_is_not_the_publication_date(life: str, published: str) -> None:
    body = f"<h1>Headline here</h1><p>{life}</p>{STORY}<p>{published}</p>"
    assert _date(page(body=body), skip_date_sources=NO_HTMLDATE) != dt.date(1975, 1, 28)
