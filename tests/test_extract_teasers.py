"""Other stories and notices inside the story's container, on small hand-written pages:
linked teaser titles, teaser labels with their links, and notices and calls to action."""

from __future__ import annotations

import pytest

from tests.test_extract import PARAGRAPHS
from tests.test_extract_body import STORY, assert_story, body_of

FIRST = f"<p>{PARAGRAPHS[0]}</p>"
REST = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[1:])


def within_story(inset: str) -> str:
    """The body of a story with ``inset`` set after its first paragraph."""
    return body_of(f"<article><h1>Tram line extended</h1>{FIRST}{inset}{REST}</article>")


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


def test_teaser_label_and_the_two_links_under_it_are_dropped() -> None:
    """Two linked teasers in the middle of the text are no run of links yet; under a
    "Weiterlesen:" label they are teasers."""
    body = within_story("<h2>Weiterlesen:</h2><p><a href='/a'>Ein Roadtrip entlang der alten Landstraße</a></p>"
                        "<p><a href='/b'>Herbstlicher Ausflug in die Südoststeiermark</a></p>")
    assert_story(body)
    assert "Roadtrip" not in body and "Herbstlicher" not in body and "Weiterlesen" not in body


def test_label_ending_in_a_colon_over_a_dropped_link_list_goes_with_it() -> None:
    links = "".join(f"<p><a href='/c/{i}'>Column number {i} on the future of work</a></p>" for i in range(4))
    body = body_of(f"<article><h1>Labs for the future</h1>{STORY}<p>Other pieces in this column:</p>{links}</article>")
    assert_story(body)
    assert "Other pieces" not in body and "Column number" not in body


def test_closing_heading_ending_in_a_colon_introduces_nothing() -> None:
    body = body_of(f"<article><h1>Car dealers reopen</h1>{STORY}<h3>Further information on the virus in the region:</h3>"
                   "</article>")
    assert_story(body)
    assert "Further information" not in body


def test_label_over_the_storys_own_text_is_kept() -> None:
    """A label followed by prose introduces the story's own text, not links."""
    own = "The council will publish the full plan on its website next week for comment."
    body = body_of(f"<article><h1>Harbour plan</h1>{STORY}<p>Mehr dazu:</p><p>{own}</p></article>")
    assert_story(body)
    assert "Mehr dazu:" in body and own in body


def test_custom_element_is_named_for_what_it_is() -> None:
    """``<pp-inline-teaser>``: a custom element's name reads like a class ("teaser")."""
    teaser = "Answers to your questions about protection against infection at the workplace, all in one place."
    body = within_story(f"<pp-inline-teaser><pp-link><h3>FAQ</h3><p>{teaser}</p></pp-link></pp-inline-teaser>")
    assert_story(body)
    assert teaser not in body


@pytest.mark.parametrize("notice", [
    "If you're seeing this message but you're already a subscriber, you can log in for immediate access.",
    "The views expressed in this column are those of the author and not of the newspaper.",
    "(Alle Angaben ohne Gewähr)",
    "Benachrichtigung aktivieren: Dürfen wir Sie über die wichtigsten Nachrichten informieren?",
    "Externer Inhalt",
    "To show third-party content from the video platform here, please accept the cookies for it.",
])
def test_publishers_notices_inside_the_story_are_dropped(notice: str) -> None:
    body = within_story(f"<p>{notice}</p>")
    assert_story(body)
    assert notice not in body


def test_label_and_link_set_apart_by_a_guillemet_are_a_teaser() -> None:
    body = within_story("<p><strong>À lire aussi »</strong> <a href='/x'>Ballonnements, lourdeurs, fatigue après "
                        "les repas : quel est votre profil digestif et comment y remédier ?</a></p>")
    assert_story(body)
    assert "lire aussi" not in body


def test_contact_address_inside_the_story_is_dropped() -> None:
    """<address> holds the contact details for its article, not the article."""
    body = body_of(f"<article><h1>Study presented</h1>{STORY}<div class='box'><address><p class='name'>Kathrin Klinkusch</p>"
                   "<p>Press office, phone +49 30 652 11 1234</p></address></div></article>")
    assert_story(body)
    assert "Klinkusch" not in body


@pytest.mark.parametrize("buttons", ["Rezept drucken Bei Pinterest speichern", "Bild anzeigen Bild schließen",
                                     "Buch bestellen", "Dieses Skript als PDF herunterladen", "Print | Save as PDF"])
def test_a_line_of_button_labels_is_dropped(buttons: str) -> None:
    body = within_story(f"<p><a href='/x'>{buttons}</a></p>")
    assert_story(body)
    assert buttons not in body


def test_a_sentence_about_printing_is_kept() -> None:
    line = "Print the recipe and keep it in the kitchen drawer."
    body = within_story(f"<p>{line}</p>")
    assert line in body


@pytest.mark.parametrize("box", ["news-letter-section", "column community-notice", "infobox", "mol-factbox",
                                 "a-inline-textbox", "inlineTextbox"])
def test_notice_info_and_newsletter_boxes_inside_the_story_are_dropped(box: str) -> None:
    """Boxes set apart from the story: a notice, an info or fact box, a newsletter
    box whose class splits the word ("news-letter")."""
    inset = "The central committee is the highest representative body of the lay movement, founded in 1868."
    body = within_story(f"<div class='{box}'><p>{inset}</p></div>")
    assert_story(body)
    assert inset not in body
