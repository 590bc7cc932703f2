"""The bundled sample corpus extracts exactly as its MANIFEST.json says.

One test per page and aspect, so a failure names the page. Metadata is
compared with the manifest (written by the corpus author); the body is checked
against the page itself, parsed independently here with lxml from the bytes
decoded with the manifest's encoding:

* every article paragraph of the page is a paragraph of the body;
* every body paragraph is the complete text of one block element of the page
  (so no two blocks are glued together, e.g. a dateline and the first sentence,
  and no text comes from a wrongly decoded page);
* no navigation, teaser, comment, ad, newsletter, cookie or footer text.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import html as lxml_html

from indexer.extract import ExtractionError, extract_article
from search.models import Article

CORPUS = Path(__file__).resolve().parents[1] / "sample_corpus"
MANIFEST: list[dict] = json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))
PATHS = [entry["path"] for entry in MANIFEST]
BY_PATH = {entry["path"]: entry for entry in MANIFEST}

# Chrome every layout carries outside the story (and must stay out of the body).
CHROME_SUBSTRINGS = ("Most read", "Related stories", "Sign up", "Subscribe", "©", "Copyright",
                     "All rights reserved", "Share on", "Also in the", "Read more:",
                     "Comments are moderated", "You are here")
CHROME_SUBSTRINGS_NOCASE = ("cookie", "newsletter")
AD_LABELS = {"advertisement", "anzeige", "oglas", "оглас"}
# Block elements whose whole text may form one body paragraph.
BLOCK_TAGS = ("p", "h2", "h3", "h4", "li", "blockquote", "figcaption", "td", "dd", "dt", "div", "pre")
# Boxes inside the article container that are not the article.
NOT_ARTICLE_CLASS = re.compile(r"newsletter|promo|(?:^|[\s_-])ad(?:$|[\s_-])|comment|related|also",
                               re.IGNORECASE)


def ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def raw_bytes(path: str) -> bytes:
    raw = (CORPUS / path).read_bytes()
    return gzip.decompress(raw) if path.endswith(".gz") else raw


@lru_cache(maxsize=None)
def extracted(path: str) -> Article:
    return extract_article(raw_bytes(path), str(CORPUS / path))


@lru_cache(maxsize=None)
def reference_tree(path: str):
    """The page parsed here, independently of the extractor, with the known encoding."""
    text = raw_bytes(path).decode(BY_PATH[path]["encoding"])
    return lxml_html.fromstring(text)


def article_paragraphs(tree) -> tuple[object, list[str]]:
    """(container, its prose paragraphs): the smallest headline ancestor with 3+ plain <p>s.

    A "prose paragraph" is a class-less <p> of 60+ characters that is not in a
    newsletter/ad/comment/related box; the corpus templates give classes to
    every other kind of <p> (bylines, datelines, teaser deks, comments...).
    """
    h1s = list(tree.iter("h1"))
    assert len(h1s) == 1, "every corpus page has exactly one <h1>"

    def prose(el) -> list:
        found = []
        for p in el.iter("p"):
            if p.get("class") or len(ws(p.text_content())) < 60:
                continue
            boxed = any(NOT_ARTICLE_CLASS.search(f"{a.get('class') or ''} {a.get('id') or ''}")
                        for a in p.iterancestors() if a is not el and el in a.iterancestors())
            if not boxed:
                found.append(p)
        return found

    container = h1s[0]
    while len(prose(container)) < 3:
        container = container.getparent()
        assert container is not None, "no article container around the headline"
    return container, [ws(p.text_content()) for p in prose(container)]


def body_paragraphs(article: Article) -> list[str]:
    return [ws(part) for part in article.body.split("\n\n") if part.strip()]


# ----------------------------------------------------------------- metadata

def test_manifest_covers_the_corpus() -> None:
    files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.htm*")
                   if p.parent.name != "broken")
    assert files == sorted(PATHS)
    assert len(PATHS) == 68


@pytest.mark.parametrize("path", PATHS)
def test_title(path: str) -> None:
    assert extracted(path).title == BY_PATH[path]["title"]


@pytest.mark.parametrize("path", PATHS)
def test_date(path: str) -> None:
    article = extracted(path)
    assert article.date is not None, "no date found"
    # The calendar date as published in the page's own offset, never shifted to UTC.
    assert article.date.date().isoformat() == BY_PATH[path]["date"]


@pytest.mark.parametrize("path", PATHS)
def test_section(path: str) -> None:
    assert extracted(path).section == BY_PATH[path]["section"]


@pytest.mark.parametrize("path", PATHS)
def test_authors(path: str) -> None:
    assert extracted(path).authors == BY_PATH[path]["authors"]


@pytest.mark.parametrize("path", PATHS)
def test_url(path: str) -> None:
    article = extracted(path)
    assert article.url == BY_PATH[path]["url"]
    if article.url:
        assert article.id == article.url


# ----------------------------------------------------------------- body

@pytest.mark.parametrize("path", PATHS)
def test_body_has_every_article_paragraph(path: str) -> None:
    paragraphs = body_paragraphs(extracted(path))
    assert paragraphs, "empty body"
    _, expected = article_paragraphs(reference_tree(path))
    missing = [p[:80] for p in expected if p not in paragraphs]
    assert not missing, f"article paragraphs missing from the body: {missing}"
    # In page order.
    positions = [paragraphs.index(p) for p in expected]
    assert positions == sorted(positions)


@pytest.mark.parametrize("path", PATHS)
def test_body_paragraphs_are_whole_page_blocks(path: str) -> None:
    """Each body paragraph is exactly one block of the page: nothing glued, nothing cut."""
    tree = reference_tree(path)
    blocks = {ws(el.text_content()) for tag in BLOCK_TAGS for el in tree.iter(tag)}
    strays = [p[:80] for p in body_paragraphs(extracted(path)) if p not in blocks]
    assert not strays, f"body paragraphs that are not one block of the page: {strays}"


@pytest.mark.parametrize("path", PATHS)
def test_body_starts_with_the_story_not_the_title(path: str) -> None:
    article = extracted(path)
    assert not article.body.startswith(article.title)
    assert ws(article.title) not in body_paragraphs(article)
    _, expected = article_paragraphs(reference_tree(path))
    assert body_paragraphs(article)[0] == expected[0] or len(body_paragraphs(article)[0]) < 120


@pytest.mark.parametrize("path", PATHS)
def test_body_has_no_page_chrome(path: str) -> None:
    body = extracted(path).body
    for phrase in CHROME_SUBSTRINGS:
        assert phrase not in body
    for phrase in CHROME_SUBSTRINGS_NOCASE:
        assert phrase not in body.casefold()
    labels = [p for p in body_paragraphs(extracted(path)) if p.casefold() in AD_LABELS]
    assert not labels, f"ad labels in the body: {labels}"


@pytest.mark.parametrize("path", PATHS)
def test_body_has_no_teasers_or_comments(path: str) -> None:
    article = extracted(path)
    body = article.body
    # Teaser lists and "read more" links point at other stories of the corpus.
    others = [e["title"] for e in MANIFEST if e["path"] != path and e["title"] in body]
    assert not others, f"headlines of other articles in the body: {others}"
    tree = reference_tree(path)
    container, _ = article_paragraphs(tree)
    inside = set(container.iter())
    # Links and list items outside the story (nav, breadcrumbs, sidebars, footers).
    outside = {ws(el.text_content()) for tag in ("a", "li", "h2", "h3")
               for el in tree.iter(tag) if el not in inside}
    leaked = [t for t in outside if len(t) >= 20 and t in body]
    assert not leaked, f"text from outside the story in the body: {leaked}"
    comments = {ws(el.text_content()) for el in tree.iter()
                if isinstance(el.tag, str) and "comment" in (el.get("class") or "")}
    leaked = [t for t in comments if len(t) >= 15 and t in body]
    assert not leaked, f"reader comments in the body: {leaked}"


# ----------------------------------------------------------------- broken files

@pytest.mark.parametrize("name", ["empty.html", "binary.html", "truncated.html"])
def test_broken_files_raise(name: str) -> None:
    with pytest.raises(ExtractionError):
        extract_article((CORPUS / "broken" / name).read_bytes(), f"broken/{name}")


# ----------------------------------------------------------------- the general rules behind them
# The corpus fixes are heuristics for any news site; these pin them down on
# small invented pages (no corpus markup) so they stay general.

PARA = ("<p>The council voted on Tuesday to extend the tram line by four kilometres, "
        "a project that has been debated for almost a decade in the city.</p>")


def _page(head: str = "", top: str = "", after: str = "") -> bytes:
    return (f"<html><head><meta charset='utf-8'>{head}</head><body>{top}<article>"
            f"<h1>Tram line extended</h1>{{byline}}{PARA * 4}</article>{after}</body></html>").encode()


@pytest.mark.parametrize(("byline", "authors"), [
    ("<p>By Ann Lee</p>", ["Ann Lee"]),
    ("<p>By Ann Lee and Bo Chan</p>", ["Ann Lee", "Bo Chan"]),
    ("<p>By Ann Lee, Bo Chan and Cy Dorn</p>", ["Ann Lee", "Bo Chan", "Cy Dorn"]),
    ("<p class='story-byline'>By <a href='/a'>Ann Lee</a> and <a href='/b'>Bo Chan</a></p>",
     ["Ann Lee", "Bo Chan"]),
    ("<div class='byline'><a href='/a'>Ann Lee</a></div>", ["Ann Lee"]),
    ("<p class='byline'>By Ann Lee, Transport Correspondent</p>", ["Ann Lee"]),
    ("<p>By Ann Lee | March 3, 2024</p>", ["Ann Lee"]),
    ("<p>Von Jonas Müller und Eva Schmidt</p>", ["Jonas Müller", "Eva Schmidt"]),
    ("<p>By Tuesday the council had voted.</p>", []),
])
def test_visible_byline(byline: str, authors: list[str]) -> None:
    raw = _page().replace(b"{byline}", byline.encode())
    assert extract_article(raw, "byline.html").authors == authors


def test_structured_authors_beat_the_visible_byline() -> None:
    head = "".join(f"<meta property='article:author' content='{n}'>" for n in ("Ann Lee", "Bo Chan", "Ann Lee"))
    raw = _page(head).replace(b"{byline}", b"<p class='byline'>By Someone Else</p>")
    assert extract_article(raw, "og.html").authors == ["Ann Lee", "Bo Chan"]


def test_names_outside_the_story_are_not_authors() -> None:
    raw = _page(
        top="<div id='cookies'>By continuing to browse you agree to our use of cookies.</div>"
            "<aside><p class='byline'>By Teaser Writer</p></aside>",
        after="<section class='comments'><p class='byline'>By Troll Person</p>"
              "<p class='comment-author'>By Other Reader</p></section>",
    ).replace(b"{byline}", b"")
    assert extract_article(raw, "noauthor.html").authors == []


@pytest.mark.parametrize("dateline", [
    "<p>Updated <time datetime='2024-03-05T10:00:00-05:00'>5 March</time></p>"
    "<p>Posted <time datetime='2024-03-01T23:30:00-05:00'>1 March</time></p>",
    "<p>Last updated: 5 March 2024 · First published 1 March 2024</p>",
    "<p class='updated'><time datetime='2024-03-05'>5 March</time></p><p>March 1, 2024</p>",
])
def test_update_dates_do_not_win(dateline: str) -> None:
    raw = _page().replace(b"{byline}", dateline.encode())
    article = extract_article(raw, "dated.html")
    assert article.date is not None and article.date.date().isoformat() == "2024-03-01"


def test_mixed_script_words_rule_out_a_decoding() -> None:
    """Serbian Latin in cp1250 read as cp1251 gives "poveжava": Latin and Cyrillic in one word."""
    from indexer.extract.encoding import decode_html, plausibility

    path = "world/2025-03-beograd-budzet-prevoz-sr-latn-cp1250.html"
    raw = raw_bytes(path)
    assert plausibility(raw.decode("cp1250")) > plausibility(raw.decode("cp1251")) + 100
    assert decode_html(raw) == raw.decode("cp1250")
    cyrillic = raw_bytes("world/2025-02-beograd-tramvaj-sr-cyrl-cp1251.html")
    assert decode_html(cyrillic) == cyrillic.decode("cp1251")
