"""Other stories and notices inside the story's container, on small hand-written pages:
linked teaser titles, teaser labels with their links, and notices and calls to action."""

from __future__ import annotations

from tests.test_extract_body import STORY, assert_story, body_of


def test_teaser_titles_set_as_linked_headings_are_dropped() -> None:
    """Other stories inside the story's container: a heading that is wholly a link,
    with a date under it."""
    teasers = "".join(f"<article><a href='/n/{i}'><h2>Other story number {i} about the ferry fares</h2></a>"
                      f"<p>Friday 22 April</p></article>" for i in range(2))
    body = body_of(f"<article><h1>Harbour plan approved</h1>{STORY}{teasers}</article>")
    assert_story(body)
    assert "Other story number" not in body


def test_linked_subheading_over_its_own_section_is_kept() -> None:
    """A gift guide's product names are linked subheadings over the story's own paragraphs."""
    section = ("The charger kept two laptops and a phone topped up on a long drive, and it stayed cool "
               "to the touch the whole way; it is the one we would buy again without a second thought.")
    body = body_of(f"<article><h1>Gift guide</h1>{STORY}<h3><a href='https://shop.example/c'>Car Charger 72W</a></h3>"
                   f"<p>{section}</p></article>")
    assert_story(body)
    assert "Car Charger 72W" in body
    assert section in body
