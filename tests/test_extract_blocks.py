"""Typed blocks: the extractor records how a page sets each paragraph of the body
(subheading, list item, block quote) without changing the body itself."""

from __future__ import annotations

import pytest

from indexer.extract import extract_article
from search.blocks import HEADING, ITEM, NUMBERED, PARAGRAPH, QUOTE, TextBlock, paragraphs, typed_blocks
from tests.test_sample_corpus import PATHS, extracted, reference_tree, ws

# A news page as publishers write them: masthead, navigation, a related-links
# list and a footer around an <article> with subheadings, lists and a quote.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Council approves harbour plan | The Riverside Gazette</title>
<meta property="og:title" content="Council approves harbour plan">
<meta property="article:section" content="City"></head>
<body>
<header class="site-header"><a href="/">The Riverside Gazette</a>
  <nav><ul><li><a href="/city">City</a></li><li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li></ul></nav>
</header>
<main>
<article class="story">
  <h1>Council approves harbour plan</h1>
  <p class="byline">By <a href="/authors/mara">Mara Lindqvist</a></p>
  <div class="story-body">
    <p>The city council approved the harbour redevelopment plan on Tuesday night after a debate that lasted more than six hours.</p>
    <h2>What the plan includes</h2>
    <p>The plan sets out three stages of work along the eastern quay, to be finished before the end of the decade.</p>
    <ul>
      <li>A new ferry terminal with covered waiting rooms for four hundred passengers.</li>
      <li>Two kilometres of flood walls along the <em>eastern</em> quay and the old warehouses.</li>
    </ul>
    <blockquote><p>We have waited twenty years for this decision, and the harbour finally gets the future it deserves.</p></blockquote>
    <h3>What happens next</h3>
    <ol>
      <li><p>Public consultation on the detailed designs opens in March and runs for eight weeks.</p></li>
      <li>Construction of the ferry terminal is due to begin in the autumn of next year.</li>
    </ol>
    <p>Opponents said they would take the decision to the regional court before building starts.</p>
  </div>
</article>
<aside class="related"><h2>Related stories</h2><ul>
  <li><a href="/a">Ferry fares to rise in spring</a></li><li><a href="/b">Quay warehouses listed</a></li>
  <li><a href="/c">Flood walls: the costs</a></li></ul></aside>
</main>
<footer><p>© The Riverside Gazette. All rights reserved.</p></footer>
</body></html>"""

EXPECTED = [
    (PARAGRAPH, "The city council approved the harbour redevelopment plan"),
    (HEADING, "What the plan includes"),
    (PARAGRAPH, "The plan sets out three stages of work"),
    (ITEM, "A new ferry terminal with covered waiting rooms"),
    (ITEM, "Two kilometres of flood walls along the eastern quay"),
    (QUOTE, "We have waited twenty years for this decision"),
    (HEADING, "What happens next"),
    (NUMBERED, "Public consultation on the detailed designs"),
    (NUMBERED, "Construction of the ferry terminal is due"),
    (PARAGRAPH, "Opponents said they would take the decision"),
]


def test_each_paragraph_of_the_body_has_its_kind():
    article = extract_article(PAGE.encode(), "harbour.html")
    body = article.body.split("\n\n")
    assert len(article.blocks) == len(body) == len(EXPECTED)
    for (kind, start), text, got in zip(EXPECTED, body, article.blocks):
        assert text.startswith(start) and got == kind, (text, got)
    # Navigation and related links are neither text nor blocks.
    assert "Ferry fares to rise" not in article.body and "Sport" not in article.body


def test_blocks_join_the_body_to_its_kinds_with_offsets():
    article = extract_article(PAGE.encode(), "harbour.html")
    blocks = typed_blocks(article.body, article.blocks)
    assert [b.kind for b in blocks] == [kind for kind, _ in EXPECTED]
    for block in blocks:
        assert article.body[block.start:block.start + len(block.text)] == block.text


def test_kinds_that_do_not_fit_the_body_are_plain_paragraphs():
    body = "One.\n\nTwo.\n\nThree."
    assert typed_blocks(body, [HEADING, PARAGRAPH]) == paragraphs(body)  # one kind short
    assert typed_blocks(body, None) == paragraphs(body)  # an index older than kinds
    assert typed_blocks(body, [HEADING, "marquee", QUOTE])[1] == TextBlock(PARAGRAPH, "Two.", 6)
    assert [b.start for b in paragraphs(body)] == [0, 6, 12]


def test_a_line_break_inside_a_quote_stays_one_block():
    page = ("<html><body><article><h1>Poem read at the opening</h1>"
            "<p>The festival opened with a poem written for the harbour by a local writer this year.</p>"
            "<blockquote>The water keeps<br>what the city forgets,<br>and gives it back in spring.</blockquote>"
            "<p>The reading was followed by a concert on the quay that lasted late into the night.</p>"
            "</article></body></html>")
    article = extract_article(page.encode(), "poem.html")
    assert article.blocks == [PARAGRAPH, QUOTE, PARAGRAPH]
    assert article.body.split("\n\n")[1] == "The water keeps\nwhat the city forgets,\nand gives it back in spring."


@pytest.mark.parametrize("path", PATHS)
def test_sample_corpus_kinds_match_the_page(path: str) -> None:
    """Each paragraph's kind is what the page (parsed here, independently) sets it as."""
    tree = reference_tree(path)
    expected: dict[str, str] = {}
    for tag, kind in [("h2", HEADING), ("h3", HEADING), ("h4", HEADING), ("ul", ITEM), ("ol", NUMBERED)]:
        for el in tree.iter(tag):
            for part in ([el] if kind == HEADING else el.iter("li")):
                expected[ws(part.text_content())] = kind
    for quote in tree.iter("blockquote"):
        for el in [quote, *quote.iter("p")]:
            expected[ws(el.text_content())] = QUOTE
    article = extracted(path)
    for text, kind in zip(article.body.split("\n\n"), article.blocks):
        assert kind == expected.get(ws(text), PARAGRAPH), text[:80]
