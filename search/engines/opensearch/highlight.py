"""Hits with marked titles and snippets from OpenSearch's highlighter.

The cluster's unified highlighter finds the matches in each analysed form of
a text (stemmed, folded, exact: ``title``, ``title.phrase``, ``title.exact``),
returning the whole text with private-use marker characters around each
match. Here the markers become character spans, the spans of the forms are
merged, the words of a matched phrase are joined into one span, and
:mod:`search.snippets` makes the title and snippet of them, escaping the
text itself, so that nothing from an article can inject markup.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from search import snippets
from search.models import Hit
from search.stamps import iso
from search.text import TOKEN_PATTERN, fold

log = logging.getLogger(__name__)

OPEN, CLOSE = "\ue010", "\ue011"
FORMS = {"title": ("title", "title.phrase", "title.exact"), "body": ("body", "body.phrase", "body.exact")}
SOURCE_FIELDS = ["id", "url", "title", "body", "date", "section", "author", "indexed_at", "changed_at",
                 "publication", "story"]
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_MARKERS = re.compile(f"[{OPEN}{CLOSE}]")


def request(exact: bool | None = None) -> dict[str, Any]:
    """The ``highlight`` section of a search request.

    A word searched in one field is marked wherever the title and body have
    it (``require_field_match: false``), as the Whoosh engine marks it; the
    whole text comes back (no fragments), marked. ``exact`` True or False
    asks only for the forms a search in that spelling mode matches: True for
    a search in the exact-spelling mode (the word ``vucic`` is also a term of
    the folded forms, where it would mark ``Vučić``), False for the spellings
    panel's sample (each form costs a pass over every text); None for all.
    """
    fields = [f for forms in FORMS.values() for f in forms
              if exact is None or f.endswith(".exact") == exact]
    return {"type": "unified", "pre_tags": [OPEN], "post_tags": [CLOSE], "number_of_fragments": 0,
            "require_field_match": False, "fields": {f: {} for f in fields}}


def sampled_surfaces(raw: dict[str, Any], phrases: list[tuple[str, ...]]) -> dict[str, list[str]]:
    """The marked words per field (``Answer.surfaces``) of a hit fetched without
    its ``_source``: the text is the marked text without its markers."""
    marks = raw.get("highlight", {})
    out: dict[str, list[str]] = {}
    for name, forms in FORMS.items():
        marked = next((marks[f][0] for f in forms if marks.get(f)), None)
        text = _MARKERS.sub("", marked) if marked else ""
        out[name] = snippets.marked_words(text, marked_spans(text, marks, forms, phrases)) if text else []
    return out


def spans_of(marked: str, text: str) -> snippets.Spans:
    """Where ``marked`` (``text`` with markers) marks ``text``; none if the two disagree
    (an article that itself contains the marker characters)."""
    spans: snippets.Spans = []
    plain: list[str] = []
    pos, start = 0, -1
    for piece in re.split(f"([{OPEN}{CLOSE}])", marked):
        if piece == OPEN:
            start = pos
        elif piece == CLOSE:
            if start < 0:
                return []
            spans.append((start, pos))
            start = -1
        else:
            plain.append(piece)
            pos += len(piece)
    if "".join(plain) != text:
        log.debug("highlight markers do not fit the text: left unmarked")
        return []
    return spans


def merge(spans: snippets.Spans) -> snippets.Spans:
    out: snippets.Spans = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def join_phrases(text: str, spans: snippets.Spans, phrases: list[tuple[str, ...]]) -> snippets.Spans:
    """Consecutive marked words that spell a phrase of the query become one span."""
    if not phrases:
        return spans
    out: snippets.Spans = []
    i = 0
    while i < len(spans):
        for phrase in phrases:
            n = len(phrase)
            run = spans[i:i + n]
            if (len(run) == n and all(fold(text[s:e]) == w for (s, e), w in zip(run, phrase))
                    and all(not _TOKEN_RE.search(text[a[1]:b[0]]) for a, b in zip(run, run[1:]))):
                out.append((run[0][0], run[-1][1]))
                i += n
                break
        else:
            out.append(spans[i])
            i += 1
    return out


def marked_spans(text: str, highlights: dict[str, list[str]], forms: tuple[str, ...],
                 phrases: list[tuple[str, ...]]) -> snippets.Spans:
    spans = [span for form in forms for marked in highlights.get(form, [])[:1] for span in spans_of(marked, text)]
    return join_phrases(text, merge(spans), phrases)


def hit(raw: dict[str, Any], score: float, phrases: list[tuple[str, ...]]) -> tuple[Hit, dict[str, list[str]]]:
    """The result record of one search hit (``_source`` and ``highlight``), and its
    marked words per field (``Answer.surfaces``)."""
    source = raw.get("_source", {})
    marks = raw.get("highlight", {})
    title = source.get("title") or ""
    body = snippets.clean(source.get("body") or "")
    cleaned = {form: [snippets.clean(t) for t in marks.get(form, [])] for form in FORMS["body"]}
    title_spans = marked_spans(title, marks, FORMS["title"], phrases)
    body_spans = marked_spans(body, cleaned, FORMS["body"], phrases)
    return Hit(
        id=source.get("id") or raw["_id"],
        url=source.get("url"),
        title=title,
        date=source.get("date"),
        section=source.get("section") or None,
        authors=list(source.get("author") or []),
        score=round(score, 4),
        snippet=snippets.from_spans(body, body_spans),
        title_html=snippets.render(title, title_spans),
        indexed_at=iso(source.get("indexed_at")),
        changed_at=iso(source.get("changed_at")),
        publication=source.get("publication") or None,
        story=source.get("story"),
    ), {"title": snippets.marked_words(title, title_spans), "body": snippets.marked_words(body, body_spans)}
