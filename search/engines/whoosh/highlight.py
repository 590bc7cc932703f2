"""Snippets and marked titles: escaped article text with <mark> around matches.

Matching is done on the original words, re-analysed the way the index saw
them, so a folded or stemmed match marks what the article actually says
(query ``vucic`` marks ``Vučić``; ``running`` marks ``runs``). Snippets are
made of the spans by :mod:`search.snippets` (windows, escaping, ``<mark>``),
which the OpenSearch engine shares.

A snippet is looked for in the first ``SNIPPET_SOURCE_CHARS`` of the body
(far more than any news article), so one hit costs at most a few
milliseconds even on a 10 MB page; the search's deadline is looked at
before each hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from search import snippets
from search.models import NO_DEADLINE, Deadline, Hit

from .analysis import STOP_WORDS, TOKEN_PATTERN, fold, stem
from .schema import stored_authors, stored_time

#: How much of a body a snippet is looked for in.
SNIPPET_SOURCE_CHARS = 100_000

_TOKEN_RE = re.compile(TOKEN_PATTERN)


@dataclass
class HighlightSpec:
    """What to mark in article text; every entry is in the form named."""

    stems: set[str] = field(default_factory=set)  # folded + stemmed (ranking fields)
    words: set[str] = field(default_factory=set)  # folded whole words
    exact: set[str] = field(default_factory=set)  # lower-cased whole words
    prefixes: set[str] = field(default_factory=set)  # folded prefixes
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # folded word runs

    def __bool__(self) -> bool:
        return bool(self.stems or self.words or self.exact or self.prefixes or self.phrases)

    @cached_property
    def stem_initials(self) -> frozenset[str]:
        """The first letters of ``stems`` (asked for once the spec is complete)."""
        return frozenset(s[:1] for s in self.stems)


@lru_cache(maxsize=200_000)
def _forms(token: str) -> tuple[str, str]:
    """(lower-cased, folded) of one word."""
    return token.lower(), fold(token)


def ranking_form(token: str) -> str | None:
    """What the ranking analyzer makes of one token (as ``TOKEN_PATTERN`` cuts
    them): folded and stemmed, None for a stop word. The same as
    ``analyze(ranking_analyzer(), token)`` without the analyzer's pipeline."""
    folded = fold(token)
    return None if not folded or folded in STOP_WORDS else stem(folded)


def _matches(token: str, spec: HighlightSpec) -> bool:
    lower, folded = _forms(token)
    return (
        lower in spec.exact
        or folded in spec.words
        or (bool(spec.prefixes) and any(folded.startswith(p) for p in spec.prefixes))
        # Porter2 changes only a word's ending, never its first letter: stemming
        # (pure Python, ~8 µs a new word, most of a cold page's snippets) is
        # only done for words that begin as one of the query's stems does.
        or (bool(spec.stems) and folded[:1] in spec.stem_initials
            and ranking_form(token) in spec.stems)
    )


#: Texts shorter than this are walked token by token: compiling a pattern
#: (~0.5 ms, cached per word set) would cost more than it saves.
_SCAN_MIN_CHARS = 1_500


@lru_cache(maxsize=1_024)
def _words_re(words: frozenset[str]) -> re.Pattern[str]:
    r"""A pattern matching exactly the tokens (as ``_TOKEN_RE`` cuts them) spelled
    as one of ``words``.

    Scanning in C for a few words beats walking every token of the article in
    Python (~3x on news bodies). A token of ``\w+(?:[.'’]\w+)*`` starts at a
    word character not preceded by a word character, nor by [.'’] that follows
    one (the token before would have swallowed it); it ends likewise. The
    lookarounds say exactly that, so a match is always a whole token.
    """
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<!\w)(?<!\w[.'’])(?:{alternatives})(?!\w)(?![.'’]\w)")


def match_spans(text: str, spec: HighlightSpec,
                decided: dict[str, bool] | None = None) -> list[tuple[int, int]]:
    """Character spans to mark: single words, and whole phrases as one span.

    ``decided`` memoises whether a word matches ``spec``; pass the same dict
    for every text of one result page (its articles share most words).
    """
    if not spec:
        return []
    spans: list[tuple[int, int]] = []
    # Articles repeat their words: decide each distinct word once.
    if decided is None:
        decided = {}
    if not spec.phrases:
        # Decide each distinct word once (findall and set run in C), then
        # only collect the positions of the matching spellings.
        found = set()
        for t in set(_TOKEN_RE.findall(text)):
            hit = decided.get(t)
            if hit is None:
                hit = decided[t] = _matches(t, spec)
            if hit:
                found.add(t)
        if not found:
            return []
        if len(text) < _SCAN_MIN_CHARS:
            return [m.span() for m in _TOKEN_RE.finditer(text) if m.group() in found]
        return [m.span() for m in _words_re(frozenset(found)).finditer(text)]
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]
    taken = [False] * len(tokens)
    folded = [fold(t) for _, _, t in tokens]
    for phrase in spec.phrases:
        n = len(phrase)
        first = phrase[0]
        for i in range(len(tokens) - n + 1):
            if folded[i] == first and tuple(folded[i:i + n]) == phrase and not any(taken[i:i + n]):
                spans.append((tokens[i][0], tokens[i + n - 1][1]))
                for k in range(i, i + n):
                    taken[k] = True
    for i, (start, end, token) in enumerate(tokens):
        if taken[i]:
            continue
        hit = decided.get(token)
        if hit is None:
            hit = decided[token] = _matches(token, spec)
        if hit:
            spans.append((start, end))
    spans.sort()
    return spans


class TokenMarks:
    """The distinct words of texts that ``spec`` marks, in order of first
    appearance; phrases are not looked for (the spellings panel reads single
    words only). Each distinct word is decided once for all the texts, and the
    words of a text are sifted with set operations, in C."""

    def __init__(self, spec: HighlightSpec):
        self.spec = spec
        self.seen: set[str] = set()
        self.marked: set[str] = set()

    def of(self, text: str) -> list[str]:
        tokens = _TOKEN_RE.findall(text)
        distinct = set(tokens)
        new = distinct - self.seen
        if new:
            self.seen |= new
            self.marked.update(t for t in new if _matches(t, self.spec))
        found = distinct & self.marked
        return sorted(found, key=tokens.index) if len(found) > 1 else list(found)


def mark(text: str, spec: HighlightSpec, decided: dict[str, bool] | None = None) -> str:
    """The whole text, escaped, with matches marked (titles)."""
    return snippets.render(text, match_spans(text, spec, decided))


def hit(searcher, docnum: int, score: float, spec: HighlightSpec,
        decided: dict[str, bool] | None = None, deadline: Deadline = NO_DEADLINE) -> Hit:
    """The result record of one document (see :func:`marked_hit`)."""
    return marked_hit(searcher, docnum, score, spec, decided, deadline)[0]


def marked_hit(searcher, docnum: int, score: float, spec: HighlightSpec,
               decided: dict[str, bool] | None = None, deadline: Deadline = NO_DEADLINE
               ) -> tuple[Hit, dict[str, list[str]]]:
    """The result record of one document: stored fields, marked title, snippet;
    and its marked words (raises OutOfTime, before any work, once ``deadline`` has passed)."""
    deadline.check()
    stored = searcher.stored_fields(docnum)
    title = stored.get("title") or ""
    body = snippets.clean((stored.get("body") or "")[:SNIPPET_SOURCE_CHARS])
    title_spans, body_spans = match_spans(title, spec, decided), match_spans(body, spec, decided)
    return Hit(
        id=stored["id"],
        url=stored.get("url"),
        title=title,
        date=stored.get("date"),
        section=stored.get("section") or None,
        authors=stored_authors(stored),
        score=round(score, 4),
        snippet=snippets.from_spans(body, body_spans),
        title_html=snippets.render(title, title_spans),
        indexed_at=stored_time(stored, "indexed_at"),
        changed_at=stored_time(stored, "changed_at"),
        publication=stored.get("publication") or None,
        story=stored.get("story") or None,
    ), {"title": snippets.marked_words(title, title_spans), "body": snippets.marked_words(body, body_spans)}
