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
