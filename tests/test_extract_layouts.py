"""Body rules for the layouts of the wider web, on small hand-written pages:
standfirsts, split and short bodies, lists and tables, shops and recipes."""

from __future__ import annotations

from tests.test_extract import PARAGRAPHS
from tests.test_extract_body import OTHER, STORY, assert_story, body_of

STANDFIRST = "Four more kilometres of track, two new stops and a decade of argument come to an end."


# ----------------------------------------------------------------- standfirsts

def test_standfirst_named_in_another_language_leads_the_body() -> None:
    """A lead block set apart between the headline and an unmarked body (Czech "perex")."""
    body = body_of(f"<div class='story'><h1>Tram line extended</h1><div class='field-perex'><p>{STANDFIRST}</p></div>"
                   f"<div class='text'>{STORY}</div></div><div class='sidebar'><p>{OTHER[0]}</p></div>")
    assert body.startswith(STANDFIRST)
    assert_story(body)


def test_standfirst_is_looked_for_only_before_the_story_starts() -> None:
    """A "summary" box after a paragraph of the story is not moved to the top."""
    summary = "Summary of the points made below, repeated for readers in a hurry."
    body = body_of(f"<div class='story'><h1>Tram line extended</h1><div class='intro-copy'><p>{PARAGRAPHS[0]}</p></div>"
                   f"<div class='summary'><p>{summary}</p></div><div class='text'>{STORY}{STORY}</div></div>")
    assert not body.startswith(summary)


def test_standfirst_after_a_byline_and_a_second_title_is_found() -> None:
    body = body_of(f"<article><h1>Tram line extended</h1><h2>Vote: tram line extended by four kilometres</h2>"
                   f"<div class='author-box'>By Ann Lee, Transport Correspondent, on Tuesday</div>"
                   f"<div class='article-intro'><p>{STANDFIRST}</p></div><div class='article-body'>{STORY}</div></article>"
                   f"<div class='teasers'><p>{OTHER[1]}</p></div>")
    assert STANDFIRST in body
    assert_story(body)


# ----------------------------------------------------------------- furniture that holds much of the text

def test_consent_dialog_holding_most_of_the_text_is_not_the_article() -> None:
    """A privacy dialog listing every tracker can outweigh a short story: still furniture."""
    trackers = "".join(f"<p>Tracker {i} stores an identifier for up to two years to measure how readers use "
                       f"this website and its partner sites.</p>" for i in range(30))
    body = body_of(f"<div class='dsgvo-popup-overlay'><div class='privacy-content'>{trackers}</div></div>"
                   f"<article><h1>Tram line extended</h1>{STORY}</article>")
    assert_story(body)
    assert "Tracker 3 " not in body


def test_wrapper_named_share_beside_the_headline_is_the_story() -> None:
    """Half the page's prose next to the headline is the story's wrapper, whatever its class says."""
    sidebar = "".join(f"<p>{o}</p>" for o in OTHER) * 2
    body = body_of(f"<div class='post'><h1>Tram line extended</h1><div class='entry share-buttons-below'>"
                   f"{STORY}</div></div><div class='widgets'>{sidebar}</div>")
    assert_story(body)


def test_footer_outweighing_a_short_story_stays_furniture() -> None:
    """More than half the page's prose, but away from the headline."""
    footer = "".join(f"<p>{o} Contact the newsroom by telephone or mail.</p>" for o in (*OTHER, OTHER[0]))
    body = body_of(f"<div class='story'><h1>Tram line extended</h1><div class='text'><p>{PARAGRAPHS[0]}</p>"
                   f"<p>{PARAGRAPHS[1]}</p></div></div><div class='footer-wrap'>{footer}</div>")
    assert PARAGRAPHS[0] in body
    assert OTHER[0] not in body
