"""Story clusters as results show them: a hit's other copies, and the story an engine files an article under.

Which story an article belongs to is decided at index time (``indexer.stories``);
engines store it per document and collapse results by it.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How many of a story's other articles a collapsed hit lists.
COPIES_LISTED = 5


@dataclass
class Copy:
    """Another article of a hit's story (see ``Hit.same_story``)."""

    id: str
    url: str | None
    date: str | None  # YYYY-MM-DD
    publication: str | None = None  # when the index records one


def story_key(story: str | None, doc_id: str) -> str:
    """The story an engine files an article under: its cluster, else a story of its own."""
    return story or f"article:{doc_id}"
