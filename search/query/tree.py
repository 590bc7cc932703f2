"""The engine-neutral syntax tree of a query: what the query language reads.

The product layer hands this tree (with the validated request) to an engine,
which compiles it into its own query form; nothing here knows about one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from . import dates


@dataclass
class Word:
    text: str  # as typed, without prefix/fuzzy markers
    field: str | None = None  # one of USER_FIELDS, None = title and body
    prefix: bool = False
    fuzzy: int = 0  # maximum edit distance, 0 = exact word
    span: tuple[int, int] = (0, 0)  # where the word sits in the query text


@dataclass
class Phrase:
    text: str
    field: str | None = None
    slop: int = 0


@dataclass
class DateClause:
    range: dates.DayRange


@dataclass
class Junction:
    op: str  # "and" | "or"
    children: list["Node"] = field(default_factory=list)


@dataclass
class Negation:
    child: "Node"


Node = Union[Word, Phrase, DateClause, Junction, Negation]


@dataclass
class Parsed:
    tree: Node | None
    warnings: list[str]
