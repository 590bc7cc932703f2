"""Alias of :mod:`search.engines.whoosh.analysis` for indexes built before the move.

Whoosh pickles the schema's analyzers into each index's table of contents;
indexes built before the engine package existed name these classes here.
``newsarchive index --rebuild`` rewrites an index with the new paths; once
every index is rebuilt, this module can go.
"""

from search.engines.whoosh.analysis import EnglishStemFilter, FoldFilter

__all__ = ["EnglishStemFilter", "FoldFilter"]
