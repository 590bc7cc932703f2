"""Saved article pages -> Article records -> the search index."""

from .extract import ExtractionError, extract_article

__all__ = ["ExtractionError", "extract_article"]
