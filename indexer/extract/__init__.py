"""Saved article page (raw bytes) -> ``Article``.

The page is decoded once, parsed once with lxml, and both metadata and body
come from that single tree. Anything that is not a readable article raises
``ExtractionError`` with a human-readable reason; no other exception escapes.
"""

from __future__ import annotations

import unicodedata

from lxml import etree, html

from indexer.extract.body import extract_body
from indexer.extract.encoding import BinaryContent, decode_html
from indexer.extract.metadata import extract_metadata
from search.models import Article

__all__ = ["ExtractionError", "extract_article"]

DEFAULT_MAX_BYTES = 10_000_000

# C0 controls other than tab/newline/carriage return (NUL included) make
# libxml2 stop or complain; a few stray ones must not sink an otherwise fine
# page. In UTF-8 these bytes never occur inside multi-byte sequences, so a
# byte-level translate (fast, in C) is safe.
_CONTROL_TO_SPACE = bytes.maketrans(
    bytes(b for b in range(32) if b not in (9, 10, 13)), b" " * 29)


_HTML_ELEMENTS = etree.ElementDefaultClassLookup(element=html.HtmlElement)


class ExtractionError(ValueError):
    """The input is not a readable article; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _parse(text: str) -> html.HtmlElement:
    # Parsing UTF-8 bytes avoids lxml's refusal of str input that carries an
    # XML encoding declaration, and is faster than feeding str.
    # "replace" turns lone surrogates (from lenient decoding) into "?".
    data = text.encode("utf-8", "replace").translate(_CONTROL_TO_SPACE)
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                              no_network=True, recover=True)
    # Every element is an lxml.html HtmlElement, the tree htmldate accepts, so
    # the date fallback does not parse the page again. A default lookup in C
    # (lxml.html's own parser asks Python for each element's class: ~25% slower).
    parser.set_element_class_lookup(_HTML_ELEMENTS)
    # Without huge_tree libxml2 stops at a nesting depth of 256, which bounds
    # both memory and any depth-dependent work on hostile pages.
    root = etree.fromstring(data, parser)
    if root is None:
        raise ExtractionError("no HTML content")
    return root


def _nfc(text: str) -> str:
    """One spelling per character (Unicode NFC) in the stored text: pages write the
    same letter as one code point or as a base and a combining mark, and exports,
    snippets and exact comparisons must see one form."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def extract_article(raw: bytes, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                    skip_date_sources: frozenset[str] = frozenset()) -> Article:
    """Extract title, body and metadata from one saved page.

    ``skip_date_sources`` names date sources to ignore (see
    ``indexer.extract.pubdate.DATE_SOURCES``); benchmarks use it to score the
    other sources against the date a page's URL gives.
    Raises ``ExtractionError`` for empty, binary, oversized or text-less input.
    """
    if not raw or not raw.strip():
        raise ExtractionError("empty file")
    if len(raw) > max_bytes:
        raise ExtractionError(f"page is {len(raw)} bytes, larger than the {max_bytes}-byte limit")
    try:
        text = decode_html(raw)
    except BinaryContent as exc:
        raise ExtractionError(str(exc)) from None
    if not text.strip():
        raise ExtractionError("no text")
    try:
        root = _parse(text)
        meta = extract_metadata(root, skip_date_sources=skip_date_sources)
        body, kinds = extract_body(root, meta.title, meta.headline)
    except ExtractionError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise ExtractionError(f"page too complex to parse: {type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 - contract: only ExtractionError escapes
        raise ExtractionError(f"unparseable page: {type(exc).__name__}: {exc}") from None
    if not body.strip() and not meta.title:
        raise ExtractionError("no text")
    if not body.strip():
        raise ExtractionError("no article text")
    return Article(
        id=meta.url or source,
        url=meta.url,
        title=_nfc(meta.title),
        body=_nfc(body),
        blocks=kinds,
        date=meta.date,
        section=meta.section,
        authors=meta.authors,
        publication=meta.publication,
        source=source,
        implausible_date=meta.implausible_date,
    )
