"""Article body text from a parsed page: pick the container, drop boilerplate, linearise."""

from __future__ import annotations

from lxml import etree

from indexer.extract.blocks import drop_closing_notes, drop_copies, keep, linearise, norm_key
from indexer.extract.classes import JUNK_TAGS
from indexer.extract.clean import remove, strip_boilerplate
from indexer.extract.container import choose_container
from indexer.extract.measure import measure
from indexer.extract.teasers import drop_link_runs, drop_teaser_labels
from indexer.extract.text import text_of
from search.blocks import PARAGRAPH, PARAGRAPH_SEP

__all__ = ["extract_body"]


def _unwrap_swallowing_noscript(root: etree._Element) -> None:
    """Keep the content of a <noscript> that swallowed the page.

    A browser shows <noscript> content only without JavaScript, so it is
    dropped; but an unclosed tag inside one (``<noscript><div></noscript>``)
    makes libxml2 nest the rest of the page in it. A <noscript> holding most
    of the page's text is that accident: its tags are unwrapped instead.
    """
    swallowing = [ns for ns in root.iter("noscript") if len(ns)]
    if not swallowing:
        return
    total = len(text_of(root))
    for ns in swallowing:
        if len(text_of(ns)) > total / 2:
            ns.tag = "div"


_SHORT_BODY = 100  # characters of text below which a page's own description says more


def _description(root: etree._Element) -> str:
    """The page's description (meta description, og:description), "" if none."""
    head = root.find("head")
    if head is None:
        return ""
    for meta in head.iter("meta"):
        if (meta.get("name") or meta.get("property") or "").lower() in ("description", "og:description"):
            text = " ".join((meta.get("content") or "").split())
            if text:
                return text
    return ""


def extract_body(root: etree._Element, title: str = "",
                 headline: etree._Element | None = None) -> tuple[str, list[str]]:
    """The article text under ``root`` as paragraphs separated by blank lines
    (``headline``: the story's <h1>), and the kind of each paragraph (``search.blocks``).

    A page whose story is drawn by scripts shows next to no text in its HTML
    (a cookie notice, nothing at all): its description stands for the text then.
    Not so for a page cut off before its body (no element in <body>): that is
    a broken file, whatever its head promises.
    ``root`` is modified (boilerplate is removed in place).
    """
    body = root.find("body")
    description = _description(root) if body is not None and len(body) else ""
    _unwrap_swallowing_noscript(root)
    # Drop non-content elements (scripts, styles, embeds) in C before any counting.
    etree.strip_elements(root, *JUNK_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    stats = measure(root)
    containers = choose_container(root, stats, headline)
    if headline is not None:
        # The headline is the title (whatever the <title> says); other <h1>s
        # inside the story are its section headings.
        remove(headline)
    title_key = norm_key(title)
    blocks = []
    for container in containers:
        strip_boilerplate(container, stats)
        blocks.extend(b for b in drop_teaser_labels(linearise(container)) if keep(b, title_key))
    kept = drop_copies(drop_closing_notes(drop_link_runs(blocks)))
    text = PARAGRAPH_SEP.join(b.text for b in kept)
    if len(text) < _SHORT_BODY and len(description) > 2 * len(text):
        return description, [PARAGRAPH]
    return text, [b.kind for b in kept]
