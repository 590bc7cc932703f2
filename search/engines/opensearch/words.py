"""Query words cut and folded in Python by the rules of :mod:`search.text`.

The cluster's analyzers (``mapping``) implement the same rules, so a query
word cut here is a token the index holds: ``folded`` gives the tokens of the
``*.phrase``, ``section`` and ``author`` fields, ``exact`` those of
``*.exact``. Stemming is left to the cluster: a ranked word is sent as its
folded token to a ``match`` on the stemmed field, which stems it as it
stemmed the articles (one token in, one stem out).
"""

from __future__ import annotations

import re
from functools import lru_cache

from search.text import STOP_WORDS, TOKEN_PATTERN, fold

_TOKEN_RE = re.compile(TOKEN_PATTERN)


@lru_cache(maxsize=50_000)
def folded(text: str) -> tuple[str, ...]:
    return tuple(fold(t) for t in _TOKEN_RE.findall(text))


@lru_cache(maxsize=50_000)
def exact(text: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN_RE.findall(text))


def ranked(text: str) -> tuple[str, ...]:
    """The folded tokens a ranked field keeps (stop words dropped), before stemming."""
    return tuple(t for t in folded(text) if t not in STOP_WORDS)


def only_stop_words(text: str) -> bool:
    tokens = folded(text)
    return bool(tokens) and all(t in STOP_WORDS for t in tokens)
