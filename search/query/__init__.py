"""The query language: text -> an engine-neutral syntax tree, and date bounds."""

from .language import parse
from .tree import DateClause, Junction, Negation, Node, Parsed, Phrase, Word

__all__ = ["DateClause", "Junction", "Negation", "Node", "Parsed", "Phrase", "Word", "parse"]
