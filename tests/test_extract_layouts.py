"""Body rules for the layouts of the wider web, on small hand-written pages:
standfirsts, split and short bodies, lists and tables, shops and recipes."""

from __future__ import annotations

from indexer.extract import extract_article
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


def test_first_paragraph_above_the_marked_body_leads_it() -> None:
    """Plain paragraphs between the headline and the marked body are the story's start."""
    body = body_of(f"<article><h1>Tram line extended</h1><div><p>{STANDFIRST}</p></div>"
                   f"<div class='article-body'>{STORY}</div></article><div class='teasers'><p>{OTHER[1]}</p></div>")
    assert body.startswith(STANDFIRST)
    assert_story(body)


def test_sentence_long_subtitle_leads_the_body_but_a_label_does_not() -> None:
    subtitle = ("After a decade of studies, two elections and a doubled cost estimate, the council has approved "
                "four more kilometres of track and two new stops on the riverside line.")
    body = body_of(f"<article><h1>Tram line extended</h1><h2>Transport desk</h2><h2>{subtitle}</h2>"
                   f"<div class='article-body'>{STORY}</div></article>")
    assert body.startswith(subtitle)
    assert "Transport desk" not in body


def test_boxes_between_headline_and_body_are_not_its_lead() -> None:
    """Key points, pull quotes, captions and prompts above the body are not the story's text."""
    boxes = ("<ul class='key-points'><li>The council approved four more kilometres of track on Tuesday.</li></ul>"
             "<div class='pull-quote'><p>“This line has been a decade in the making, and it shows,” she said.</p></div>"
             "<div><img src='tram.jpg'><p>The new tram stop at the station square, seen from the bridge.</p></div>"
             "<div class='fb-messenger'><p>Chat with us on Messenger to get the day's news every morning.</p></div>")
    body = body_of(f"<article><h1>Tram line extended</h1>{boxes}<div class='article-body'>{STORY}</div></article>")
    assert_story(body)
    for text in ("four more kilometres", "a decade in the making", "seen from the bridge", "Chat with us"):
        assert text not in body


def test_second_copy_of_the_body_is_no_lead() -> None:
    """Text of another marked body above the chosen one (a shorter copy) is not put in front of it."""
    copy = "<div class='entry-content'>" + "".join(f"<p>{p} (copy)</p>" for p in PARAGRAPHS) + "</div>"
    body = body_of(f"<div class='post'><h1>Tram line extended</h1>{copy}"
                   f"<div itemprop='articleBody'>{STORY}{STORY}</div></div>")
    assert "(copy)" not in body
    assert_story(body)


def test_standfirst_after_a_byline_and_a_second_title_is_found() -> None:
    body = body_of(f"<article><h1>Tram line extended</h1><h2>Vote: tram line extended by four kilometres</h2>"
                   f"<div class='author-box'>By Ann Lee, Transport Correspondent, on Tuesday</div>"
                   f"<div class='article-intro'><p>{STANDFIRST}</p></div><div class='article-body'>{STORY}</div></article>"
                   f"<div class='teasers'><p>{OTHER[1]}</p></div>")
    assert STANDFIRST in body
    assert_story(body)


def test_opening_paragraph_in_the_headline_header_leads_the_body_but_a_dek_does_not() -> None:
    """A standfirst of two sentences beside the headline in its <header> is the story's
    opening; a one-sentence dek there is display copy."""
    opening = STANDFIRST + " The council voted on Tuesday evening after a debate of more than four hours."
    dek = "A decade of argument ends with a vote."
    for lead, taken in ((opening, True), (dek, False)):
        body = body_of(f"<article><header class='entry-header'><h1>Tram line extended</h1>"
                       f"<div class='entry-excerpt'><p>{lead}</p></div></header>"
                       f"<div class='entry-content'>{STORY}</div></article><div class='teasers'><p>{OTHER[1]}</p></div>")
        assert (lead in body) is taken
        assert_story(body)
        assert OTHER[1] not in body


def test_teaser_text_above_the_body_leads_it_on_a_page_without_headline() -> None:
    """Without an <h1>, a block named as the standfirst just above the body is still its lead."""
    body = body_of(f"<div class='news-single'><div class='article'><h3>Tram line extended</h3>"
                   f"<div class='teaser-text'><p>{STANDFIRST}</p></div>"
                   f"<div class='news-text-wrap'>{STORY}</div></div></div><div class='footer'><p>{OTHER[0]}</p></div>")
    assert body.startswith(STANDFIRST)
    assert_story(body)


def test_standfirst_above_the_body_leads_it_when_the_headline_is_far_away_but_a_second_title_does_not() -> None:
    """The page's <h1> is in the site header; the story's teaser block still leads its body."""
    for lead, taken in ((STANDFIRST, True), ("Four more kilometres of track and two new stops", False)):
        body = body_of(f"<div class='top'><h1>City Paper</h1></div><div class='main'><div class='news-single'>"
                       f"<div class='article'><div class='teaser-text'><p>{lead}</p></div>"
                       f"<div class='news-text-wrap'>{STORY}</div></div></div></div>")
        assert (lead in body) is taken
        assert_story(body)


def test_forum_thread_made_of_posts_keeps_them_but_a_story_drops_its_comments() -> None:
    """Posts in "comment" wrappers are a forum thread's text when they are nearly all of it."""
    posts = "".join(f"<div class='forum-comment'><span class='comment-author'>user{i}</span>"
                    f"<div class='comment-text'><p>{p}</p></div></div>" for i, p in enumerate(PARAGRAPHS))
    body = body_of(f"<nav><a href='/'>Forum</a></nav><main id='content'><h2>Tram line extended?</h2>{posts}</main>")
    assert_story(body)
    comments = "".join(f"<div class='comment'><p>{c}</p></div>" for c in OTHER)
    body = body_of(f"<main><h1>Tram line extended</h1>{STORY}<div class='comments'>{comments}</div></main>")
    assert_story(body)
    assert OTHER[0] not in body


def test_picture_legend_inside_the_story_is_a_caption() -> None:
    """"Legend" names a picture's caption (légende, leyenda) as "caption" does."""
    legend = "The new tram stop at the station square, seen from the bridge over the river at dusk."
    paragraphs = STORY.split("</p>", 2)
    body = body_of(f"<article><h1>Tram line extended</h1>{paragraphs[0]}</p>{paragraphs[1]}</p>"
                   f"<div class='imginline'><img src='tram.jpg'><div class='legend'><div class='content'>{legend}"
                   f"</div></div></div>{paragraphs[2]}</article>")
    assert legend not in body
    assert_story(body)


def test_header_element_holding_the_story_paragraphs_is_not_page_furniture() -> None:
    """Some templates wrap each post or text block in a <header>; one holding real prose is content."""
    body = body_of(f"<header class='site'><a href='/'>Home</a><a href='/news'>News</a></header>"
                   f"<div class='thread'><h2>Tram line extended</h2><article class='post'>"
                   f"<header class='message-attribution'><span>Admin</span><div class='message'>{STORY}</div></header>"
                   f"</article></div>")
    assert_story(body)
    assert "Home" not in body


def test_list_of_next_posts_longer_than_a_short_post_is_not_the_story() -> None:
    """A short post above a long "next posts" box: the box is never the story."""
    short = "<p>A short note on the tram line: the council approved it tonight. Click through for the whole thing.</p>"
    teasers = "".join(f"<div class='nextstory'><h3>Story {i}</h3><p>{p}</p></div>" for i, p in enumerate(PARAGRAPHS))
    body = body_of(f"<div id='container'><div id='story'><h1>Tram line extended</h1>{short}</div>"
                   f"<div id='next-post-thumbnails'>{teasers}</div></div>")
    assert "Click through for the whole thing." in body
    assert PARAGRAPHS[0] not in body


def test_closing_note_in_italics_with_a_link_is_dropped_but_a_bold_last_line_stays() -> None:
    """A call to action set in italics under the story, with its link, is not the story's text."""
    note = ("<p><em>The Gazette's reporting is free to read for everyone: "
            "<a href='https://x.example/g'>support our newsroom</a> today.</em></p>")
    last = "<p><strong>The line opens to passengers in the spring of 2027.</strong></p>"
    body = body_of(f"<article><h1>Tram line extended</h1>{STORY}{last}{note}</article>")
    assert_story(body)
    assert "support our newsroom" not in body
    assert "opens to passengers" in body


def test_disclosure_and_reading_time_lines_are_not_the_story() -> None:
    for line in ("*Werbung. Dieser Beitrag enthält Werbung für eine Marke.", "Anzeige, enthält Affiliate Links",
                 "4 Min Read", "This post contains affiliate links; we may earn a commission."):
        body = body_of(f"<article><h1>Tram line extended</h1><p><em>{line}</em></p>{STORY}</article>")
        assert line not in body
        assert_story(body)


def test_publisher_appeal_at_the_end_is_dropped_but_the_same_words_mid_story_stay() -> None:
    quote = "<p>“Join us on the first ride,” the mayor told the crowd of residents gathered at the depot.</p>"
    for appeal in ("We have reported on the city since 1901. Support our work and become a member today.",
                   "For the latest stories and breaking news download the Gazette apps for iOS and Android."):
        body = body_of(f"<article><h1>Tram line extended</h1>{quote}{STORY}<p>{appeal}</p>"
                       f"<p>Ann Lee covers transport for the Gazette.</p></article>")
        assert appeal not in body
        assert "Join us on the first ride" in body
        assert_story(body)


def test_title_and_body_are_stored_in_one_unicode_form() -> None:
    """A letter written as a base and a combining accent is stored as the one code point (NFC)."""
    decomposed = "Cafe\u0301 reopens by the river after the flood, and the whole street comes to celebrate it."
    article = extract_article(f"<html><head><meta charset='utf-8'></head><body><article><h1>Cafe\u0301 reopens</h1>"
                              f"<p>{decomposed}</p>{STORY}</article></body></html>".encode(), "x.html")
    assert article.title == "Caf\u00e9 reopens"
    assert "Caf\u00e9 reopens by the river" in article.body
    assert "\u0301" not in article.body


def test_caption_with_its_photo_credit_and_a_published_line_are_not_the_story() -> None:
    for line in ("The new stop at the station square. Foto: Stadtarchiv", "Veröffentlichung: 2. Februar 2022",
                 "Roman Prymula, photo: Archives du Gouvernement"):
        body = body_of(f"<article><h1>Tram line extended</h1><div><p>{line}</p></div>{STORY}</article>")
        assert line not in body
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


# ----------------------------------------------------------------- headings and lists inside the story

def test_list_closing_the_story_is_kept() -> None:
    """Short items of a final list are the story's, not headings left over from a dropped section."""
    items = ["Map and filter are sometimes faster", "Local names are faster than globals", "Slots save memory"]
    body = body_of(f"<article><h1>Fast Python</h1>{STORY}<p>What we learned:</p><ul>"
                   + "".join(f"<li>{i}</li>" for i in items) + "</ul></article>")
    for item in items:
        assert item in body


def test_second_h1_in_the_story_is_a_heading_and_the_headline_is_not_repeated() -> None:
    html = (f"<html><head><meta charset='utf-8'><title>Tram news | The Gazette</title></head><body>"
            f"<article><h1>Council extends the tram line</h1>{STORY}<h1>What happens next</h1>"
            f"<p>{OTHER[1]}</p></article></body></html>")
    body = extract_article(html.encode(), "x.html").body
    assert "What happens next" in body
    assert "Council extends the tram line" not in body


# ----------------------------------------------------------------- slideshows

def test_slideshow_whose_slides_hold_the_text_is_kept() -> None:
    slides = "".join(f"<section class='slide'><img src='{i}.jpg'><p>{p}</p></section>"
                     for i, p in enumerate(PARAGRAPHS * 2))
    body = body_of(f"<section class='slideshow-package'><h1>The new phone</h1><p>Ten things to know.</p>"
                   f"{slides}</section>")
    assert_story(body)


def test_caption_inside_a_story_still_goes() -> None:
    caption = "The depot at dawn, seen from the old bridge over the river."
    body = body_of(f"<article><h1>Tram</h1>{STORY}<div class='image-caption'><p>{caption}</p></div>{STORY}</article>")
    assert_story(body)
    assert caption not in body
