"""What a search costs besides matching, kept equal to counting by hand:
date histograms and the spellings panel, on both engines (the Whoosh engine
counts them from per-generation columns and cached posting lists)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from search.models import SearchRequest
from tests.conftest import make_article
from tests.engine_fixtures import corpus_fixtures

WORDS = ["harbour", "council", "Council", "COUNCIL", "budget", "river", "strike", "market"]


def _articles() -> list:
    rng = random.Random(15)
    out = []
    for i in range(90):
        body = " ".join(rng.choice(WORDS) for _ in range(12))
        # Three years, uneven months, and some articles without a date.
        date = None if i % 7 == 0 else f"{rng.choice([1999, 2000, 2003])}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append(make_article(f"Story {i}", body, date=date, url=f"https://costs.example/{i}"))
    return out


ARTICLES = _articles()
target, svc = corpus_fixtures(ARTICLES)


def _all_hits(svc, **kw) -> list:
    resp = svc.search(SearchRequest(per_page=100, collapse=False, **kw))
    assert resp.total <= 100
    return resp.hits


@pytest.mark.parametrize("q, extra", [("", {}), ("council", {}), ("river strike", {}),
                                      ("market", {"date_from": "2000-01", "date_to": "2003-06"})])
def test_histograms_count_what_the_hits_are(svc, q, extra):
    facets = svc.search(SearchRequest(q=q, **extra)).facets
    dates = [h.date for h in _all_hits(svc, q=q, **extra)]
    months = Counter(d[:7] for d in dates if d)
    years = Counter(d[:4] for d in dates if d)
    undated = sum(1 for d in dates if not d)
    assert {b.value: b.count for b in facets.month if b.count} == {**months, **({None: undated} if undated else {})}
    assert {b.value: b.count for b in facets.year if b.count} == {**years, **({None: undated} if undated else {})}
    # Every month between the first and the last is listed, in order, undated last.
    listed = [b.value for b in facets.month]
    assert listed[-1] is None and listed[:-1] == sorted(listed[:-1])


def test_spellings_count_the_articles_holding_each(svc):
    resp = svc.search(SearchRequest(q="council"))
    holding = {s.text.lower(): s.count for s in resp.facets.spellings}
    # Case is not a spelling: council, Council and COUNCIL are one.
    assert list(holding) == ["council"]
    assert holding["council"] == resp.total == sum(
        any(w.lower() == "council" for w in a.body.split()) for a in ARTICLES)


def _sample_tokens() -> list[str]:
    from search.engines.whoosh.highlight import _TOKEN_RE
    from tests.conftest import REPO

    text = " ".join(p.read_text(errors="replace") for p in sorted((REPO / "sample_corpus").rglob("*.html")))
    # Porter2's exceptional forms and words whose stem differs most from them.
    text += " skies dying lying tying idly gently ugly early only singly news howe atlas cosmos bias andes " \
            "inning outing canning yelling Yves ÆSIR Ђорђе Đoković it's O'Neil U.S. generously arsenal"
    return list(dict.fromkeys(_TOKEN_RE.findall(text)))


def test_ranking_form_is_what_the_ranking_analyzer_makes():
    from search.engines.whoosh.analysis import analyze, ranking_analyzer
    from search.engines.whoosh.highlight import ranking_form

    analyzer = ranking_analyzer()
    tokens = _sample_tokens()
    assert len(tokens) > 5_000
    for token in tokens:
        stems = analyze(analyzer, token)
        assert ranking_form(token) == (stems[0] if len(stems) == 1 else None), token


def test_a_stem_keeps_its_words_first_letter():
    # What lets highlighting skip stemming words that start unlike every query stem.
    from search.engines.whoosh.analysis import fold, stem

    for token in _sample_tokens():
        folded = fold(token)
        assert stem(folded)[:1] == folded[:1], token


def _windows_by_scanning(text: str, spans: list[tuple[int, int]], size: int, fragments: int) -> str:
    """``snippets.from_spans`` as it was: every window scans every span."""
    from search import snippets

    lead = size // 3
    candidates = []
    for s, _ in spans:
        ws = max(0, s - lead)
        we = min(len(text), ws + size)
        ws = max(0, min(ws, we - size))
        inside = [(a, b) for a, b in spans if a >= ws and b <= we]
        candidates.append((len({snippets.fold(text[a:b]) for a, b in inside}), len(inside), -ws, ws, we))
    candidates.sort(reverse=True)
    windows: list[tuple[int, int]] = []
    for *_, ws, we in candidates:
        if len(windows) < fragments and not any(ws < oe and os_ < we for os_, oe in windows):
            windows.append((ws, we))
    parts = []
    for ws, we in sorted(windows):
        s, e = snippets._word_start(text, ws), snippets._word_end(text, we)
        if e <= s:
            s, e = ws, we
        for a, b in spans:
            s, e = (a if a < s < b else s), (b if a < e < b else e)
        parts.append(snippets.render(text, spans, s, e).strip())
    return snippets.SEPARATOR.join(p for p in parts if p)


@pytest.mark.parametrize("seed", range(30))
def test_snippet_windows_are_those_of_scanning_every_span(seed):
    from search import snippets

    rng = random.Random(seed)
    words = [rng.choice(WORDS + ["the", "a", "Harbour", "x" * rng.randint(1, 30)]) for _ in range(rng.randint(1, 400))]
    text = " ".join(words)
    marked = set(rng.sample(WORDS, rng.randint(1, 3)))
    spans, pos = [], 0
    for w in words:
        if w in marked and rng.random() < 0.9:
            spans.append((pos, pos + len(w)))
        pos += len(w) + 1
    size = rng.choice([snippets.SNIPPET_CHARS, 40, 400])
    assert snippets.from_spans(text, spans, size=size) == _windows_by_scanning(text, spans, size, 3)


@pytest.mark.parametrize("q", ["council", "river strike", "harb*", ""])
def test_a_response_as_a_dict_is_what_asdict_makes(svc, q):
    import dataclasses

    resp = svc.search(SearchRequest(q=q, per_page=20))
    assert resp.hits and resp.facets.month
    assert resp.to_dict() == dataclasses.asdict(resp)
