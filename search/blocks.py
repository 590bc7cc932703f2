"""An article's structure: what kind of block each paragraph of its body is.

The body (``Article.body``) is the plain text used for searching: paragraphs
separated by blank lines. Beside it the extractor records one kind per
paragraph (``Article.blocks``), so an article page can set subheadings, lists
and block quotes as the page did, without storing the text twice.
"""

from __future__ import annotations

from dataclasses import dataclass

PARAGRAPH = "paragraph"
HEADING = "heading"
ITEM = "item"  # an item of a bulleted list
NUMBERED = "numbered"  # an item of a numbered list
QUOTE = "quote"
KINDS = (PARAGRAPH, HEADING, ITEM, NUMBERED, QUOTE)

#: Separates the paragraphs of a body (a paragraph never holds a blank line).
PARAGRAPH_SEP = "\n\n"


@dataclass(frozen=True)
class TextBlock:
    """One paragraph of an article's body and its kind. ``start`` is where its
    text starts in the body, so that spans found in the body can mark it."""

    kind: str
    text: str
    start: int


def paragraphs(body: str) -> list[TextBlock]:
    """The body's paragraphs, all of kind ``paragraph``, with their offsets."""
    out: list[TextBlock] = []
    pos = 0
    for piece in body.split(PARAGRAPH_SEP):
        text = piece.strip()
        if text:
            out.append(TextBlock(PARAGRAPH, text, pos + piece.index(text)))
        pos += len(piece) + len(PARAGRAPH_SEP)
    return out


def typed_blocks(body: str, kinds: list[str] | None) -> list[TextBlock]:
    """The body's paragraphs with the kinds recorded for them.

    Kinds that do not fit the body (an index written before they were
    recorded, or a body edited since) are ignored: every paragraph is then
    a plain paragraph.
    """
    plain = paragraphs(body)
    if not kinds or len(kinds) != len(plain):
        return plain
    return [TextBlock(kind if kind in KINDS else PARAGRAPH, b.text, b.start) for b, kind in zip(plain, kinds)]
