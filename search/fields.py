"""Alias of :mod:`search.engines.whoosh.fields` for indexes built before the move.

Whoosh pickles the schema's fields (and the term functions they hold) into
each index's table of contents; indexes built before the engine package
existed name them here. ``newsarchive index --rebuild`` rewrites an index
with the new paths; once every index is rebuilt, this module can go.
"""

from search.engines.whoosh.fields import AnalyzedText, folded_term, lower_term, ranked_term

__all__ = ["AnalyzedText", "folded_term", "lower_term", "ranked_term"]
