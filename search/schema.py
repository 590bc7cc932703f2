"""Transitional: ``is_doc_id`` as the web imported it before the engine boundary.

New code imports it from :mod:`search.ids`. The index schema itself belongs to
the Whoosh engine (``search.engines.whoosh.schema``).
"""

from search.ids import is_doc_id, make_doc_id

__all__ = ["is_doc_id", "make_doc_id"]
