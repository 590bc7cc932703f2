"""Publication dates: every source, the URL, the text around the headline, htmldate, plausibility."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from indexer.extract import extract_article
from indexer.extract import pubdate as pubdate_module
from indexer.extract.metadata import extract_metadata
from indexer.extract.pubdate import publication_date
from tests.test_extract import PARAGRAPHS, page

STORY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def _date(raw: bytes, **options) -> dt.date | None:
    art = extract_article(raw, "x.html", **options)
    return art.date.date() if art.date else None


def test_plain_html_date_only_in_visible_text() -> None:
    body = ("<h1>Tram line extended</h1><div class='info'>Published March 14, 2024</div>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS))
    art = extract_article(page("<title>Tram line extended | City Paper</title>", body), "x.html")
    assert art.date is not None and art.date.date() == dt.date(2024, 3, 14)
    assert art.title == "Tram line extended"


@pytest.mark.parametrize("text, expected", [
    ("14 March 2024", dt.date(2024, 3, 14)),
    ("2024-03-14", dt.date(2024, 3, 14)),
])
def test_visible_date_formats(text: str, expected: dt.date) -> None:
    body = f"<h1>Headline here</h1><p>{text}</p>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    art = extract_article(page(body=body), "x.html")
    assert art.date is not None and art.date.date() == expected


def test_date_with_timezone_keeps_calendar_date() -> None:
    head = '<meta property="article:published_time" content="2023-11-05T23:40:00-05:00">'
    art = extract_article(page(head), "x.html")
    assert art.date is not None
    assert art.date.date() == dt.date(2023, 11, 5)  # not shifted to UTC (Nov 6)
    assert art.date.utcoffset() == dt.timedelta(hours=-5)


def test_naive_date_stays_naive() -> None:
    art = extract_article(page('<meta name="pubdate" content="2023-11-05 10:00">'), "x.html")
    assert art.date == dt.datetime(2023, 11, 5, 10, 0)
    assert art.date.tzinfo is None


# ----------------------------------------------------------------- around the headline

def test_date_written_before_the_headline() -> None:
    """A date block, then a brand block, then the <h1> ("May 30, 2025Clash Report")."""
    body = (f"<article><div class='meta'><span>May 30, 2025</span><span>Clash Report</span></div>"
            f"<h1>Tram line extended</h1>{STORY}<p>The next vote is on June 12, 2025.</p></article>")
    assert _date(page(body=body)) == dt.date(2025, 5, 30)


@pytest.mark.parametrize("lang, expected", [
    ("en-GB", dt.date(2020, 10, 2)), ("de", dt.date(2020, 10, 2)),
    ("en-US", dt.date(2020, 2, 10)), ("", dt.date(2020, 2, 10)),
])
def test_slashed_date_is_read_in_the_page_language_order(lang: str, expected: dt.date) -> None:
    """"02/10/2020" is 2 October in Britain and Germany, February 10 in the US."""
    body = f"<article><h1>Tram line extended</h1><span class='time'>02/10/2020</span>{STORY}</article>"
    raw = page(body=body).replace(b"<html>", f"<html xml:lang='{lang}'>".encode() if lang else b"<html>")
    assert _date(raw) == expected


def test_nearest_date_wins_around_the_headline() -> None:
    body = (f"<div class='kicker'>Archive: 1 January 2020</div><div>Section</div><div>City Paper</div>"
            f"<div>More words here to put distance between the kicker and the headline above</div>"
            f"<h1>Tram line extended</h1><p class='dateline'>3 March 2024</p>{STORY}")
    assert _date(page(body=body)) == dt.date(2024, 3, 3)


def test_date_far_down_the_story_is_not_the_publication_date() -> None:
    filler = "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 3)
    body = f"<article><h1>Tram line extended</h1>{filler}<p>The line opened on 4 May 1998.</p></article>"
    found = _published(page(body=body), skip=frozenset({"htmldate"}))
    assert found.date is None


def test_teaser_dates_above_the_headline_are_skipped() -> None:
    body = (f"<div class='related'><a href='/x'>Older story</a> <span>2 February 2021</span></div>"
            f"<h1>Tram line extended</h1>{STORY}")
    found = _published(page(body=body), skip=frozenset({"htmldate"}))
    assert found.date is None


@pytest.mark.parametrize("text, expected", [
    ("23. Juli 2017", dt.date(2017, 7, 23)),
    ("3 de mayo de 2022", dt.date(2022, 5, 3)),
    ("le 14 mars 2024", dt.date(2024, 3, 14)),
    ("14 ноября 2023", dt.date(2023, 11, 14)),
    ("12. мај 2024.", dt.date(2024, 5, 12)),
])
def test_month_names_in_other_languages(text: str, expected: dt.date) -> None:
    body = f"<h1>Headline here</h1><p>{text}</p>{STORY}"
    assert _date(page(body=body)) == expected


# ----------------------------------------------------------------- the URL

def test_date_only_in_the_url() -> None:
    head = '<link rel="canonical" href="https://news.example/city/2024/03/14/tram-line-extended/">'
    assert _date(page(head)) == dt.date(2024, 3, 14)


@pytest.mark.parametrize("url, expected", [
    ("https://x.example/2024/3/14/tram", dt.date(2024, 3, 14)),
    ("https://x.example/news/20240314-tram.html", dt.date(2024, 3, 14)),
    ("https://x.example/news/tram-2024-03-14", dt.date(2024, 3, 14)),
    ("https://x.example/meldungen/29-10-2021", dt.date(2021, 10, 29)),
    ("https://x.example/web/20140109030403/tram", None),   # a 14-digit archive stamp
    ("https://x.example/a/1136087.tram", None),
    ("https://x.example/tram?date=2024-03-14", None),     # queries are not the page's path
])
def test_url_date_forms(url: str, expected: dt.date | None) -> None:
    from indexer.extract.dates import url_date

    found = url_date(url)
    assert (found.date() if found else None) == expected


@pytest.mark.parametrize("head, body", [
    # the URL's date
    ('<link rel="canonical" href="https://news.example/2023/11/05/tram/">', ""),
    # the date written under the headline
    ("", f"<article><h1>Tram line extended</h1><p class='date'>November 5, 2023</p>{STORY}</article>"),
    # the same instant in the publisher's clock, from another metadata source
    ('<meta property="og:published_time" content="2023-11-05T23:40:00-05:00">', ""),
])
def test_utc_time_near_midnight_is_settled_by_the_local_calendar(head: str, body: str) -> None:
    """Published 23:40 in New York on 5 November = 04:40 UTC on the 6th."""
    utc = '<meta property="article:published_time" content="2023-11-06T04:40:00Z">'
    assert _date(page(utc + head, body)) == dt.date(2023, 11, 5)


@pytest.mark.parametrize("stamp, expected", [
    ("2022-11-06T23:00:00Z", dt.date(2022, 11, 7)),        # midnight in Berlin (UTC+1)
    ("2022-06-06T22:00:00+00:00", dt.date(2022, 6, 7)),    # midnight in Berlin in summer (UTC+2)
    ("2022-11-06T23:17:41Z", dt.date(2022, 11, 6)),        # a real time of day stays where it is
    ("2022-11-06T03:00:00Z", dt.date(2022, 11, 6)),        # midnight west of Greenwich: same day
])
def test_date_only_value_written_in_utc_is_the_local_midnight(stamp: str, expected: dt.date) -> None:
    """A CMS that stores a date as local midnight and writes it out in UTC."""
    art = extract_article(page(f'<meta property="article:published_time" content="{stamp}">'), "x.html")
    assert art.date is not None and art.date.date() == expected
    assert art.date == dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # the same instant


def test_metadata_wins_over_a_written_date_days_away() -> None:
    head = '<meta property="article:published_time" content="2023-11-05T10:00:00+01:00">'
    body = f"<article><h1>Tram line extended</h1><p>The vote of 1 October 2023 was close.</p>{STORY}</article>"
    assert _date(page(head, body)) == dt.date(2023, 11, 5)


def test_url_signal_can_be_switched_off() -> None:
    head = '<link rel="canonical" href="https://news.example/2024/03/14/tram/">'
    assert _date(page(head), skip_date_sources=frozenset({"url", "htmldate"})) is None


# ----------------------------------------------------------------- plausibility

def test_implausible_future_date_is_not_trusted() -> None:
    head = ('<meta property="article:published_time" content="2099-06-01T00:00:00Z">'
            '<meta name="date" content="2021-05-06">')
    art = extract_article(page(head), "x.html")
    assert art.date is not None and art.date.date() == dt.date(2021, 5, 6)
    assert art.implausible_date is not None and art.implausible_date.startswith("2099-06-01")


def test_only_implausible_dates_leave_the_article_undated() -> None:
    head = '<meta property="article:published_time" content="1799-12-31">'
    art = extract_article(page(head), "x.html")
    assert art.date is None and art.implausible_date is not None


def test_tomorrow_is_still_plausible_but_not_next_week() -> None:
    now = dt.datetime(2024, 3, 14, 12, 0, tzinfo=dt.timezone.utc)
    for day, trusted in (("2024-03-15", True), ("2024-03-20", False)):
        head = f'<meta property="article:published_time" content="{day}T08:00:00Z">'
        found = _published(page(head), now=now, skip=frozenset({"htmldate"}))
        assert (found.date is not None) == trusted, day


def test_indexer_counts_pages_with_implausible_dates(tmp_path) -> None:
    from cli.index import summary_line
    from indexer.pipeline import Indexer

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "future.html").write_bytes(page('<meta property="article:published_time" content="2099-06-01">'))
    (pages / "fine.html").write_bytes(page('<meta property="article:published_time" content="2021-05-06">'))
    report = Indexer(tmp_path / "index", jobs=1).run([pages])
    assert (report.added, report.implausible_dates) == (2, 1)
    assert report.to_dict()["implausible_dates"] == 1
    assert "1 with an implausible date ignored" in summary_line(report)


# ----------------------------------------------------------------- htmldate, the last resort

def _meta_args(raw: bytes):
    """The arguments ``publication_date`` gets inside ``extract_metadata``, for one page."""
    from indexer.extract import _parse, decode_html
    from indexer.extract.jsonld import article_json_ld
    from indexer.extract.metadata import _meta_maps, _microdata
    from indexer.extract.titles import headline_element

    root = _parse(decode_html(raw))
    ld, _, _ = article_json_ld(root)
    return (root,), {"ld": ld, "meta": _meta_maps(root)[0], "micro": _microdata(root),
                     "headline": headline_element(root)[1], "url": None}


def _published(raw: bytes, **options):
    args, kwargs = _meta_args(raw)
    return publication_date(*args, **kwargs, **options)


def test_htmldate_fallback_is_reached() -> None:
    """No metadata, no headline: only htmldate's heuristics find the date (in an <abbr>)."""
    body = f"<div class='post'><h2>Tram line</h2><abbr class='published' title='2021-03-04T10:00'>4 Mar</abbr>{STORY}</div>"
    args, kwargs = _meta_args(page(body=body))
    found = publication_date(*args, **kwargs)
    assert found.source == "htmldate" and found.date == dt.datetime(2021, 3, 4)
    assert extract_metadata(args[0]).date == dt.datetime(2021, 3, 4)


def test_htmldate_failure_is_logged_not_swallowed(monkeypatch, caplog) -> None:
    import htmldate

    def broken(*args, **kwargs):
        raise TypeError("not a tree htmldate accepts")

    monkeypatch.setattr(htmldate, "find_date", broken)
    body = f"<div class='post'><h2>Tram line</h2><abbr class='published' title='2021-03-04T10:00'>4 Mar</abbr>{STORY}</div>"
    args, kwargs = _meta_args(page(body=body))
    with caplog.at_level(logging.DEBUG, logger=pubdate_module.__name__):
        assert publication_date(*args, **kwargs).date is None
    assert any("htmldate failed: TypeError" in r.getMessage() for r in caplog.records)


def test_htmldate_is_not_called_when_a_cheaper_source_answers(monkeypatch) -> None:
    import htmldate

    monkeypatch.setattr(htmldate, "find_date", lambda *a, **k: pytest.fail("htmldate called"))
    assert _date(page('<meta name="date" content="2021-05-06">')) == dt.date(2021, 5, 6)


def test_date_inside_the_headline_element_counts() -> None:
    body = f"<article><h1>Fans return to the halls <span class='date'>02.02.2022</span></h1>{STORY}</article>"
    assert _date(page(body=body)) == dt.date(2022, 2, 2)


def test_two_digit_year() -> None:
    body = f"<article><h1>Tram line extended</h1><p>Von Ann Lee | 31.10.23</p>{STORY}</article>"
    assert _date(page(body=body)) == dt.date(2023, 10, 31)


def test_time_in_the_publishers_own_offset_is_not_moved_by_a_written_date() -> None:
    """"Stand: 07.11.2023" under the headline is the update; the story dates from the 6th."""
    head = '<meta property="article:published_time" content="2023-11-06T18:19:00+01:00">'
    body = f"<article><h1>Tram line extended</h1><p>Stand: 07.11.2023, 07:30 Uhr</p>{STORY}</article>"
    assert _date(page(head, body)) == dt.date(2023, 11, 6)


def test_own_offset_from_another_source_is_not_moved_by_a_written_date() -> None:
    """The UTC metadata's day is confirmed by a <time> in the publisher's clock;
    the date written under the headline (a reader's comment, an event) is not the story's."""
    head = '<meta property="article:published_time" content="2015-08-11T15:22:37+00:00">'
    body = (f"<article><h1>Tram line extended</h1><time datetime='2015-08-11T16:22:37+01:00'>a while ago</time>"
            f"<p>Reply of 12 August 2015</p>{STORY}</article>")
    assert _date(page(head, body)) == dt.date(2015, 8, 11)


# ----------------------------------------------------------------- machine-readable sources that disagree

@pytest.mark.parametrize("shown, expected", [
    ("<p class='date'>6 November 2023</p>", dt.date(2023, 11, 6)),  # the page shows the second one
    ("<p class='date'>3 November 2023</p>", dt.date(2023, 11, 3)),  # the page shows the first one
    ("", dt.date(2023, 11, 3)),                                      # nothing shown: the most trusted
])
def test_date_shown_by_the_headline_settles_disagreeing_metadata(shown: str, expected: dt.date) -> None:
    """JSON-LD and the meta tags name different days (a story republished on the
    6th); the date the page shows readers beside the headline decides."""
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tram line extended",'
            ' "datePublished": "2023-11-03T10:25:56+00:00"}</script>'
            '<meta property="article:published_time" content="2023-11-06T14:25:00+00:00">')
    body = f"<article><h1>Tram line extended</h1>{shown}{STORY}</article>"
    assert _date(page(head, body), skip_date_sources=frozenset({"htmldate"})) == expected


def test_shown_date_matching_no_metadata_does_not_override_it() -> None:
    """A written date that no machine-readable source confirms, days away, is an event the story names."""
    head = ('<meta property="article:published_time" content="2023-11-06T14:25:00+01:00">'
            '<meta name="dc.date.issued" content="2023-11-03">')
    body = f"<article><h1>Tram line extended</h1><p>On 20 October 2023 the council met.</p>{STORY}</article>"
    assert _date(page(head, body)) == dt.date(2023, 11, 6)


@pytest.mark.parametrize("generic", ["date", "dc.date", "dcterms.date"])
def test_generic_date_meta_ranks_below_marked_publication_dates(generic: str) -> None:
    """Dublin Core's plain "date" is any date of the document's life (often its last
    edit); a <time itemprop="datePublished"> in the story marks the publication."""
    head = f'<meta name="{generic}" content="2022-01-21T15:38:44+01:00">'
    body = (f"<article><h1>Tram line extended</h1><time itemprop='datePublished' datetime='2022-01-27'>"
            f"27.01.2022</time>{STORY}</article>")
    assert _date(page(head, body)) == dt.date(2022, 1, 27)
    assert _date(page(head)) == dt.date(2022, 1, 21)  # alone it still dates the page


def test_url_a_day_before_a_time_in_the_publishers_offset_does_not_move_it() -> None:
    """/2022/05/06/ is when the story's address was made; 13:43 at UTC-5 on the
    7th is when it was published, in the publisher's own calendar."""
    head = ('<link rel="canonical" href="https://news.example/sport/2022/05/06/united-vs-brighton/">'
            '<meta property="article:published_time" content="2022-05-07T13:43:46-05:00">')
    assert _date(page(head)) == dt.date(2022, 5, 7)


def test_url_wins_over_metadata_days_away() -> None:
    head = ('<link rel="canonical" href="https://news.example/2016/07/09/tram/">'
            '<meta property="article:published_time" content="2016-07-19T10:15:18+02:00">')
    assert _date(page(head)) == dt.date(2016, 7, 9)


# ----------------------------------------------------------------- round 6

def test_date_in_a_sibling_of_an_outer_wrapper_of_the_headline() -> None:
    """The headline alone in nested wrappers, the byline line with its date beside an outer one."""
    body = (f"<div class='header'><div class='cols'><div class='col'><div class='title'><h1>Tram line extended</h1>"
            f"</div></div></div><aside><p>Most read, 1 January 2020</p></aside>"
            f"<div class='meta'><span>Family</span><span>17/02/2022</span></div></div>{STORY}")
    raw = page(body=body).replace(b"<html>", b"<html lang='de'>")
    assert _published(raw, skip=frozenset({"htmldate"})).date == dt.datetime(2022, 2, 17)


@pytest.mark.parametrize("generic", ["date", "dc.date", "dcterms.date"])
def test_date_shown_by_the_headline_outranks_a_lone_generic_date_meta(generic: str) -> None:
    """A page whose only machine-readable date is Dublin Core's "date" (here its last
    edit, days later) and that shows its publication date under the headline."""
    head = f'<meta name="{generic}" content="2021-10-15">'
    body = f"<article><h1>Tram line extended</h1><p class='date'>13.10.2021</p>{STORY}</article>"
    assert _date(page(head, body).replace(b"<html>", b"<html lang='de'>")) == dt.date(2021, 10, 13)
    assert _date(page(head)) == dt.date(2021, 10, 15)  # alone it still dates the page


@pytest.mark.parametrize("line, expected", [
    ("Letzte Änderung: 31.10.2023 - 14:49 Erschienen am: 01.11.2023", dt.date(2023, 11, 1)),
    ("Comments closed. Published on March 3, 2024 by Ann Lee", dt.date(2024, 3, 3)),
    ("Erscheinungsdatum: 14.08.2017 (the reviewed book's release)", None),
])
def test_date_labelled_as_published_comes_before_htmldate(line: str, expected: dt.date | None) -> None:
    """No metadata and a headline far from the date: a date the page labels as its
    publication date, wherever it stands, beats htmldate's guess (the last change)."""
    body = f"<h1>Tram line extended</h1>{STORY}{STORY}<div class='info'>{line}</div>"
    found = _published(page(body=body).replace(b"<html>", b"<html lang='de'>"), skip=frozenset({"htmldate"}))
    assert (found.date.date() if found.date else None) == expected
