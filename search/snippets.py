"""What a snippet is: escaped article text with ``<mark>`` around the matches.

Engines find where an article matches (character spans); this module turns
the spans into what every engine shows: the whole text marked (titles), or up
to three windows of about 160 characters around the best matches (bodies),
cut at word boundaries, never through a marked word. Text is HTML-escaped
piece by piece and only our own ``<mark>`` tags are added, so an article can
never inject markup.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from html import escape

from .text import fold

SNIPPET_CHARS = 160
SNIPPET_FRAGMENTS = 3
SEPARATOR = " … "

Spans = list[tuple[int, int]]


@dataclass(frozen=True)
class ArticleMarks:
    """Where one article matches a query: spans of its title and of its whole body."""

    title: Spans
    body: Spans


def render(text: str, spans: Spans, start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` escaped, with the (sorted, disjoint) ``spans`` marked."""
    end = len(text) if end is None else end
    out = []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s], quote=True))
        out.append("<mark>" + escape(text[s:e], quote=True) + "</mark>")
        pos = e
    out.append(escape(text[pos:end], quote=True))
    return "".join(out)


def clean(text: str) -> str:
    """Paragraph breaks and runs of spaces mean nothing inside a snippet."""
    return " ".join(text.split())


def _word_start(text: str, i: int) -> int:
    """Move ``i`` forward to the start of a word (never split a word)."""
    if i <= 0:
        return 0
    if text[i - 1] == " ":
        return i
    j = text.find(" ", i)
    return len(text) if j < 0 else j + 1


def _word_end(text: str, i: int) -> int:
    """Move ``i`` back to the end of a word."""
    if i >= len(text):
        return len(text)
    if text[i] == " ":
        return i
    j = text.rfind(" ", 0, i)
    return i if j < 0 else j


def opening(text: str, size: int = SNIPPET_CHARS) -> str:
    """The article's first ~``size`` characters, escaped."""
    text = clean(text)
    if len(text) <= size:
        return escape(text, quote=True)
    end = _word_end(text, size)
    if end == 0:
        end = size
    return escape(text[:end], quote=True)


def from_spans(text: str, spans: Spans, *, size: int = SNIPPET_CHARS,
               fragments: int = SNIPPET_FRAGMENTS) -> str:
    """Up to ``fragments`` windows of ~``size`` characters of ``text`` (cleaned)
    around the best of its marked ``spans``; the opening when there are none."""
    if not spans:
        return opening(text, size)
    lead = size // 3  # show some context before the first match of a window
    windows: list[tuple[int, int]] = []
    # Greedy: take the window covering the most distinct matched words, then
    # the next best that does not overlap, and so on.
    # Spans are sorted and disjoint, so their starts and ends both ascend and
    # the spans inside a window are one run of them, found by bisection (a
    # common word marked a hundred times in a body made this quadratic).
    starts, ends = [a for a, _ in spans], [b for _, b in spans]
    folded = [fold(text[a:b]) for a, b in spans]
    candidates = []
    for s in starts:
        ws = max(0, s - lead)
        we = min(len(text), ws + size)
        ws = max(0, min(ws, we - size))
        first, last = bisect_left(starts, ws), bisect_right(ends, we)
        inside = max(0, last - first)
        candidates.append((len(set(folded[first:last])), inside, -ws, ws, we))
    candidates.sort(reverse=True)
    for *_, ws, we in candidates:
        if len(windows) >= fragments:
            break
        if any(ws < oe and os_ < we for os_, oe in windows):
            continue
        windows.append((ws, we))
    windows.sort()
    parts = []
    for ws, we in windows:
        s, e = _word_start(text, ws), _word_end(text, we)
        if e <= s:
            s, e = ws, we
        # Never cut a marked word in half at the window's edges.
        for a, b in spans:
            if a < s < b:
                s = a
            if a < e < b:
                e = b
        parts.append(render(text, spans, s, e).strip())
    return SEPARATOR.join(p for p in parts if p)


def marked_words(text: str, spans: Spans) -> list[str]:
    """The distinct marked pieces of ``text`` (words, or whole phrases), in order:
    what an engine reports as a hit's matched words (``Answer.surfaces``)."""
    return list(dict.fromkeys(text[s:e] for s, e in spans))
