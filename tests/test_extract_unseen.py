"""Body rules for boilerplate that showed on unseen pages (issue 10), on small hand-written pages."""

from __future__ import annotations

import pytest

from indexer.extract import ExtractionError, extract_article
from tests.test_extract import PARAGRAPHS
from tests.test_extract_body import OTHER, STORY, assert_story, body_of


def story_then(extra: str) -> str:
    """The body of a page whose story's container ends with ``extra``; the story is asserted kept."""
    body = body_of(f"<h1>Tram line extended</h1><div class='entry-content'>{STORY}{extra}</div>")
    assert_story(body)
    return body


def test_ruby_annotations_are_not_text() -> None:
    body = body_of("<h1>新しい法律</h1><div class='article-body'><p><ruby>子<rp>(</rp><rt>こ</rt><rp>)</rp></ruby>"
                   "どもへの<ruby>虐待<rt>ぎゃくたい</rt></ruby>をなくすための法律ができて、親が子どもを教育するために、"
                   "たたいたり蹴ったりする体罰を禁止することになりました。最近、親に虐待された子どもを守ることが"
                   "できなくて、子どもが亡くなる事件が続いています。</p></div>")
    assert "子どもへの虐待をなくすための法律ができて" in body
    assert "ぎゃくたい" not in body


def test_a_marker_inside_a_sidebar_gives_way_to_the_one_outside() -> None:
    """Sidebar boxes that reuse the body's class ("BlockContent-body") are not the story."""
    sidebar = "".join(f"<div class='block'><div class='block-content-body'><p>{o}</p></div></div>" for o in OTHER)
    body = body_of(f"<div class='layout'><div class='sidebar1'>{sidebar}</div>"
                   f"<div class='post'><h1>Tram line extended</h1><div class='post-content-body'>{STORY}</div></div></div>")
    assert_story(body)
    for other in OTHER:
        assert other not in body


def test_a_utility_class_that_hides_an_element_hides_it() -> None:
    body = story_then(f"<div class='hidden'>FI name: April 2022</div><div class='hidden-xs'><p>{OTHER[0]}</p></div>")
    assert "FI name" not in body
    assert OTHER[0] in body  # hidden on small screens only


def test_a_small_paywall_box_is_the_pitch_a_large_one_the_story() -> None:
    pitch = story_then("<div class='content-form-account-paywall'><h2>To read on, subscribe</h2>"
                       "<p>Unlimited access from 1 euro a month, cancel at any time you like.</p></div>")
    assert "subscribe" not in pitch
    behind = body_of(f"<h1>Tram line extended</h1><div class='article'><div class='paywall'>{STORY}</div></div>")
    assert_story(behind)


def test_a_teasers_block_is_a_teaser() -> None:
    teasers = "".join(f"<div class='card'><p>{o}</p></div>" for o in OTHER)
    first, rest = PARAGRAPHS[0], "".join(f"<p>{p}</p>" for p in PARAGRAPHS[1:])
    body = body_of(f"<h1>Tram line extended</h1><article><div class='layout'><p>{first}</p>"
                   f"<div class='Teasers Teasers--3columns'><h2 class='Teasers-headline'>More on climate</h2>"
                   f"{teasers}</div>{rest}</div></article>")
    assert_story(body)
    assert "More on climate" not in body
    for other in OTHER:
        assert other not in body


def test_a_schema_org_author_box_in_the_story_goes() -> None:
    body = body_of(f"<h1>Tram line extended</h1><div class='contentarea'>{STORY}"
                   f"<div class='saboxplugin-wrap' itemprop='author'><div class='saboxplugin-desc'>"
                   f"<p>I like every kind of photography, from landscapes to portraits.</p></div></div></div>")
    assert_story(body)
    assert "every kind of photography" not in body


def test_a_caption_ending_in_its_credit_goes() -> None:
    body = body_of(f"<h1>Tram line extended</h1><div class='entry-content'><p>{PARAGRAPHS[0]}</p>"
                   f"<div><img src='a.jpg'><div>The depot at dusk. | © City Archive/Getty Images</div></div>"
                   f"<p>{PARAGRAPHS[1]}</p><p>(Credit: Jane Doe / Grist)</p><p>{PARAGRAPHS[2]}</p>"
                   f"<p>The bridge was built in 1902, © the city says, and still carries the old line.</p></div>")
    assert_story(body)
    assert "Getty" not in body and "Jane Doe" not in body
    assert "The bridge was built in 1902" in body  # a sentence goes on after the sign


def test_the_publishers_rights_and_liability_notes_go() -> None:
    body = story_then("<p><em>This article is the copyrighted property of the Gazette.</em></p>"
                      "<p><em>Written permission must be obtained before reprint in online or print media.</em></p>"
                      "<p>The Gazette is not responsible for the opinions or statements presented by contributors.</p>")
    assert "copyrighted" not in body and "permission" not in body and "not responsible" not in body


def test_a_closing_note_about_the_author_goes() -> None:
    body = story_then("<h3>About the author</h3><p>Jane Doe has written about transport for the Gazette since 2004.</p>")
    assert "About the author" not in body and "Jane Doe" not in body


def test_an_about_the_author_heading_before_long_text_stays() -> None:
    """Not a closing note: a chapter under that heading."""
    long_text = " ".join(PARAGRAPHS) * 2
    body = story_then(f"<h3>About the author</h3><p>{long_text}</p>")
    assert "About the author" in body


def _page(head: str, body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


def test_a_page_drawn_by_scripts_gives_its_description() -> None:
    description = ("New York is the epicentre of the pandemic, and sport has come to a standstill: "
                   "no games, no crowds, and nobody knows when the leagues will start again.")
    page = _page(f"<meta name='description' content='{description}'><title>US sport</title>",
                 "<div id='app'></div><div class='cookie-note'>Cookies</div>")
    assert extract_article(page, "x.html").body == description


def test_a_short_story_keeps_its_own_text() -> None:
    """A brief is not replaced by a description that only says the same at more length."""
    page = _page("<meta name='description' content='Quarterly dividend of 25 cents a share, the same as before.'>",
                 "<h1>Acme sets dividend</h1><p>Qtly div 25 cts vs 25 cts prior</p>")
    assert extract_article(page, "x.html").body == "Qtly div 25 cts vs 25 cts prior"


def test_a_page_cut_off_before_its_body_is_no_article_despite_its_description() -> None:
    page = b"<html><head><meta name='description' content='" + b"A story never delivered. " * 6 + b"'></head><body"
    with pytest.raises(ExtractionError):
        extract_article(page, "x.html")


def test_share_and_comment_buttons_in_other_languages_go() -> None:
    labels = ["Social Share", "Artikel teilen", "Möchten Sie den Artikel teilen?", "Kommentare",
              "27.04.2020 - 18:50 Uhr 3 Kommentare", "Report Comment", "Kommentar hinzufügen", "Recent Posts",
              "View this post on Instagram", "War dieser Artikel hilfreich?", "Impressum | Datenschutz"]
    body = story_then("".join(f"<div>{label}</div>" for label in labels))
    for label in labels:
        assert label not in body


def test_soft_hyphens_leave_whole_words() -> None:
    body = body_of("<h1>Wein</h1><div class='entry-content'><p>Schon im Mit&shy;tel&shy;al&shy;ter war der "
                   "St. Mag&shy;da&shy;le&shy;ner das Aus&shy;hänge&shy;schild der Wein&shy;bau&shy;ern rund um "
                   "Bozen, und er ist es bis heute geblieben.</p></div>")
    assert "Schon im Mittelalter war der St. Magdalener das Aushängeschild" in body


def test_a_teaser_ending_in_a_read_on_link_goes() -> None:
    teaser = ("Summer is holiday time, and the singer is spending hers on a Greek island. "
              "See for yourself! <a href='/other-story'>Read more</a>")
    body = story_then(f"<div>{teaser}</div>"
                      "<p>The works start in March; those who want the details can visit the library to read more</p>")
    assert "Greek island" not in body
    assert "The works start in March" in body  # the words, not a link, end the story's own line
