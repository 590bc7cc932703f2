"""Small lxml text helpers shared by the metadata and body extractors."""

from __future__ import annotations

from lxml import etree

__all__ = ["text_of"]


def text_of(el: etree._Element) -> str:
    """All text under ``el`` (without its tail), serialised by libxml2 in C.

    Faster than joining ``itertext()`` in Python and never recursive in Python.
    """
    return etree.tostring(el, method="text", encoding=str, with_tail=False)
