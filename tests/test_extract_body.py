"""Article body rules on small hand-written pages: class words, the container, galleries, copies."""

from __future__ import annotations

import pytest

from indexer.extract import extract_article
from tests.test_extract import PARAGRAPHS

STORY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
OTHER = [
    "A second, unrelated paragraph about the weather keeps the sidebar busy with long enough text.",
    "Readers also liked the story about the bakery that reopened after the flood last spring.",
]


def body_of(html: str) -> str:
    return extract_article(f"<html><head><meta charset='utf-8'></head><body>{html}</body></html>".encode(),
                           "x.html").body


def assert_story(body: str) -> None:
    for paragraph in PARAGRAPHS:
        assert paragraph in body


# ----------------------------------------------------------------- class and id words

def test_shared_in_an_id_is_not_a_share_bar() -> None:
    body = body_of(f"<h1>Amending a change</h1><div id='example-1-amend-a-shared-changeset'>{STORY}</div>"
                   f"<div class='share'><a href='#'>Share on X</a></div>")
    assert_story(body)
    assert "Share on X" not in body


def test_sidebar_content_holding_the_story_is_kept() -> None:
    body = body_of(f"<h1>Tram line extended</h1><div id='sidebar_content'>{STORY}</div>"
                   f"<div class='sidebar'><p>{OTHER[0]}</p></div>")
    assert_story(body)
    assert OTHER[0] not in body


def test_bem_modifier_is_not_what_the_block_is() -> None:
    """``TestReport__Section--Ads``: a section of the story that has ads in it."""
    sections = "".join(f"<section class='TestReport__Section TestReport__Section--Ads'><p>{p}</p></section>"
                       for p in PARAGRAPHS)
    body = body_of(f"<article class='TestReport'><h1>Grill test</h1>{sections}</article>")
    assert_story(body)


def test_wordpress_tag_classes_do_not_make_furniture() -> None:
    body = body_of(f"<h1>Tram</h1><div class='post tag-social-media category-sidebar-news'>{STORY}</div>"
                   f"<div class='byline'><p>{OTHER[0]}</p></div>")
    assert_story(body)


def test_glued_class_words_are_still_furniture() -> None:
    body = body_of(f"<article><h1>Tram</h1>{STORY}<div class='relatedPosts'><p>{OTHER[1]}</p></div>"
                   f"<div class='inlinegallery'><p>{OTHER[0]}</p></div></article>")
    assert_story(body)
    assert OTHER[0] not in body and OTHER[1] not in body


@pytest.mark.parametrize("box", [
    "<div class='wp-block-recirculation-box'><div class='title'>More columns on this site</div>{}</div>",
    "<section class='editorial-disclosure'><p>{}</p></section>",
    "<div class='affiliate-text'><p>{}</p></div>",
    "<div class='morelinks'><h5>Latest reports from this category</h5><p>{}</p></div>",
    "<p class='postmetadata alt'>{}</p>",
    "<div><span class='post-ratings'>{}</span></div>",
])
def test_boxes_named_as_boilerplate_inside_the_story_are_dropped(box: str) -> None:
    note = ("This entry was posted on Wednesday and is filed under news; we may earn a commission when you "
            "buy through the links on this page, which does not change the price for you.")
    body = body_of(f"<article><h1>Tram</h1><p>{PARAGRAPHS[0]}</p>{box.format(note)}"
                   f"<p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p></article>")
    assert_story(body)
    assert note not in body


# ----------------------------------------------------------------- outermost elements and comments

def test_article_class_on_body_does_not_take_the_comments() -> None:
    comments = "".join(f"<p>{c}</p>" for c in OTHER)
    html = (f"<html><head><meta charset='utf-8'></head><body id='article-main'>"
            f"<main><h1>Tram line extended</h1><div>{STORY}</div></main>"
            f"<section><h2>Reader responses</h2>{comments}</section></body></html>")
    body = extract_article(html.encode(), "x.html").body
    assert_story(body)
    assert OTHER[0] not in body


def test_marker_around_mostly_comments_is_not_the_body() -> None:
    comments = "".join(f"<div class='comment'><p>{c}</p></div>" for c in OTHER * 4)
    body = body_of(f"<div class='entry-content'><div class='comments'>{comments}</div></div>"
                   f"<div class='story'><h1>Tram line extended</h1>{STORY}</div>")
    assert_story(body)
    assert OTHER[1] not in body


# ----------------------------------------------------------------- choosing the container

def test_chapter_split_over_nested_divs_beats_an_authors_note() -> None:
    note = ("Author's note: thank you all for the kind reviews of the last chapter, this one took a "
            "long time to write because of exams, and the next will be late as well, I am afraid. "
            "Please keep the comments coming, they make my day every single time.")
    chapter = "".join(f"<div class='part'><p>{p} Chapter line {i}.</p></div>" for i, p in enumerate(PARAGRAPHS * 2))
    body = body_of(f"<div class='story'><h1>Chapter 7</h1><div class='notes'><div class='note'><p>{note}</p></div></div>"
                   f"<div class='chapter'>{chapter}</div></div>")
    for i, p in enumerate(PARAGRAPHS * 2):
        assert f"{p} Chapter line {i}." in body


def test_interview_split_over_sibling_wrappers_is_kept_whole() -> None:
    answers = [f"Question {i}: what changed? Answer {i}: {p}" for i, p in enumerate(PARAGRAPHS)]
    long = " ".join(PARAGRAPHS * 4)
    blocks = f"<div class='editorial-module'><div class='text'><p>{long}</p></div></div>" + "".join(
        f"<div class='editorial-module'><div class='text'><p>{a}</p></div></div>" for a in answers)
    body = body_of(f"<main><h1>An interview</h1><div class='single-wrapper'>{blocks}</div></main>")
    assert long in body
    for answer in answers:
        assert answer in body


def test_steps_nested_in_wrappers_of_one_kind_are_all_kept() -> None:
    """A how-to whose steps are each nested three deep in a ``step`` wrapper
    beside a step number: one step scores best, its kin hold the rest."""
    steps = [f"{PARAGRAPHS[0]} {PARAGRAPHS[1]}"] + [f"{p} Step {i} ends here." for i, p in enumerate(PARAGRAPHS)]
    wrapped = "".join(f"<div class='prep-step'><span class='num'>{i}</span><div class='prep-copy'><div><p>{s}</p>"
                      f"</div></div></div>" for i, s in enumerate(steps))
    contact = ("Questions about this recipe? Our kitchen team answers every message within two working days, "
               "from Monday to Friday, and it is always glad to hear how a recipe turned out for you at home.")
    body = body_of(f"<h1>Honey muffins</h1><div class='recipe'><div class='preparation'>{wrapped}</div></div>"
                   f"<div class='contact-flyout'><div><p>{contact}</p></div></div>")
    for step in steps:
        assert step in body
    assert contact not in body


METHOD = "".join(f"<li>{p}</li>" for p in PARAGRAPHS)
INGREDIENTS = ["250 g flour", "2 eggs", "1 tsp cinnamon", "100 ml milk"]


def test_ingredients_boxed_apart_from_the_method_are_kept() -> None:
    box = "".join(f"<tr><td>{i.split(' ', 1)[0]}</td><td>{i.split(' ', 1)[1]}</td></tr>" for i in INGREDIENTS)
    body = body_of(f"<main><h1>Cinnamon muffins</h1><article class='box recipe-ingredients'><table>{box}</table>"
                   f"</article><article class='box'><h2>Method</h2><ol>{METHOD}</ol></article>"
                   f"<aside><p>{OTHER[0]}</p></aside></main>")
    assert_story(body)
    for item in INGREDIENTS:
        assert item.split(" ", 1)[1] in body
    assert body.index("cinnamon") < body.index(PARAGRAPHS[0])
    assert OTHER[0] not in body


def test_schema_org_ingredient_items_lead_the_text() -> None:
    items = "".join(f"<li itemprop='recipeIngredient'>{i}</li>" for i in INGREDIENTS)
    body = body_of(f"<div class='post'><h1>Cinnamon muffins</h1><ul>{items}</ul><div class='steps'><ol>{METHOD}</ol>"
                   f"</div></div><div class='sidebar'><p>{OTHER[1]}</p></div>")
    assert_story(body)
    assert body.startswith("\n\n".join(INGREDIENTS))


def test_reference_list_is_never_the_container() -> None:
    refs = "".join(f"<li>Smith, J. and Jones, K. ({1990 + i}). A history of the city's trams, volume {i}, "
                   f"pages {i * 10} to {i * 10 + 9}. City Press. Retrieved 2020.</li>" for i in range(12))
    paras = "".join(f"<div><p>{p}</p></div>" for p in PARAGRAPHS)
    body = body_of(f"<div class='content'><h1>Tram</h1>{paras}</div>"
                   f"<div class='notes'><ol class='references'>{refs}</ol></div>")
    assert_story(body)


def test_nested_articles_in_a_teaser_list_are_other_stories() -> None:
    teasers = "".join(f"<article class='postbox'><p>{o} {p}</p></article>" for o in OTHER for p in PARAGRAPHS)
    body = body_of(f"<article class='articlebox'><h1>Tram</h1><p>{' '.join(PARAGRAPHS)}</p></article>"
                   f"<article class='postbox'><h3>You may also like</h3>{teasers}</article>")
    assert " ".join(PARAGRAPHS) in body
    assert OTHER[0] not in body


# ----------------------------------------------------------------- galleries, embeds, copies, formulas

def test_gallery_inside_the_story_is_removed() -> None:
    slides = "".join(f"<li class='slide'><img src='{i}.jpg'><span>Slide {i}: the depot at dawn</span></li>"
                     for i in range(50))
    body = body_of(f"<article><h1>Tram</h1><p>{PARAGRAPHS[0]}</p><ul class='photos'>{slides}</ul>"
                   f"<p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p></article>")
    assert_story(body)
    assert "Slide 7" not in body


def test_page_that_is_a_gallery_keeps_its_items() -> None:
    items = "".join(f"<div class='gallery-section'><img src='{i}.jpg'><p>{p}</p></div>"
                    for i, p in enumerate(PARAGRAPHS * 2))
    body = body_of(f"<article><h1>Things we love</h1><div class='gallery'>{items}</div></article>")
    assert_story(body)


def test_numbered_figure_captions_in_the_text_are_dropped() -> None:
    captions = ["Abbildung: Vergleich der Schneehöhen auf dem Gletscher im Mai und im Juni (links) mit den "
                "Messungen der Station (rechts).",
                "Figure 3: The depot at dusk, seen from the old bridge."]
    mention = "Figure skating: the rink reopens in March, the club said, after the roof was repaired."
    body = body_of(f"<article><h1>Snow depth from space</h1><p>{PARAGRAPHS[0]}</p><p>{captions[0]}</p>"
                   f"<p>{PARAGRAPHS[1]}</p><p><em>{captions[1]}</em></p><p>{PARAGRAPHS[2]}</p><p>{mention}</p></article>")
    assert_story(body)
    for caption in captions:
        assert caption not in body
    assert mention in body


def test_embedded_tweet_in_a_social_box_is_kept() -> None:
    tweet = "Yes this is real and yes the state spent nearly half a million dollars on this campaign."
    body = body_of(f"<article><h1>Tram</h1>{STORY}<div class='social-media-embed'><blockquote class='twitter-tweet'>"
                   f"<p>{tweet}</p></blockquote></div><div class='social-share'><a href='#'>Share</a></div></article>")
    assert tweet in body


def test_repeated_paragraph_in_the_story_is_kept_but_a_copy_is_dropped() -> None:
    refrain = "And still the river rose, and still the council met, and still the tram did not come."
    paras = [PARAGRAPHS[0], refrain, PARAGRAPHS[1], refrain, PARAGRAPHS[2]]
    body = body_of("<article><h1>Tram</h1>" + "".join(f"<p>{p}</p>" for p in paras) + "</article>")
    assert body.count(refrain) == 2
    copy = "<article><h1>Tram</h1>" + STORY + "<div class='mobile'>" + STORY + "</div></article>"
    assert body_of(copy).count(PARAGRAPHS[1]) == 1


def test_math_text_is_kept() -> None:
    formula = "<math><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></math>"
    body = body_of(f"<article><h1>Energy</h1><p>Einstein wrote {formula} in a short paper that changed "
                   f"physics for ever after.</p>{STORY}</article>")
    assert "E=mc2" in body.replace(" ", "")


def test_noscript_that_swallowed_the_page_is_read() -> None:
    html = (f"<noscript><div id='nojs'></noscript><div class='main'><h1>Tram</h1>{STORY}</div>"
            f"<noscript><img src='pixel.gif'></noscript>")
    assert_story(body_of(html))
