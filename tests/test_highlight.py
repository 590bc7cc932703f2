"""Snippets and marked titles."""

from __future__ import annotations

import pytest

from search import snippets
from search.engines.whoosh import highlight
from search.models import SearchRequest
from search.engines.whoosh.highlight import HighlightSpec
from search.service import SearchService
from tests.conftest import make_article

FILLER = " ".join(f"filler{i}" for i in range(60))


@pytest.fixture(scope="module")
def svc(module_index_factory):
    arts = [
        make_article("Vučić visits <b>Paris</b>",
                     "Aleksandar Vučić arrived. <script>alert('x')</script> <img src=x onerror=alert(1)> "
                     "He said \"hello\" & left. Вучић је отишао."),
        make_article("Long report", f"The summit opened. {FILLER} Later the summit closed. {FILLER} "
                                    f"Finally the summit ended. {FILLER} The summit was summarised again."),
        make_article("State of the art", "This is the state of the art in tennis. The state will decide "
                                         "on art funding."),
        make_article("Title only match: zebra", "Nothing in the body is relevant to the query at all here. "
                     + FILLER),
        make_article("Runners", "She runs daily and ran yesterday; running is her passion."),
    ]
    s = SearchService(module_index_factory(arts))
    yield s
    s.close()


def first(svc, q, **kw):
    return svc.search(SearchRequest(q=q, **kw)).hits[0]


def test_article_markup_is_escaped(svc):
    hit = first(svc, "vucic")
    assert "<script>" not in hit.snippet and "<img" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&lt;img src=x onerror=alert(1)&gt;" in hit.snippet
    assert "&amp;" in hit.snippet and "&quot;hello&quot;" in hit.snippet
    assert hit.title_html == "<mark>Vučić</mark> visits &lt;b&gt;Paris&lt;/b&gt;"
    # The only tags are ours.
    stripped = hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


def test_folded_match_marks_the_original_word(svc):
    hit = first(svc, "vucic")
    assert "<mark>Vučić</mark>" in hit.snippet and "<mark>Вучић</mark>" in hit.snippet


def test_stemmed_match_marks_each_form(svc):
    hit = first(svc, "running")
    assert "<mark>runs</mark>" in hit.snippet and "<mark>running</mark>" in hit.snippet
    assert hit.title_html == "<mark>Runners</mark>" or "Runners" in hit.title_html


def test_phrase_is_marked_as_one(svc):
    hit = first(svc, '"state of the art"')
    assert "<mark>state of the art</mark>" in hit.snippet
    # The loose words elsewhere are not part of the phrase.
    assert "<mark>state</mark>" not in hit.snippet and "<mark>art</mark>" not in hit.snippet
    assert hit.title_html == "<mark>State of the art</mark>"


def test_prefix_marks_whole_words(svc):
    hit = first(svc, "summ*")
    assert "<mark>summit</mark>" in hit.snippet and "<mark>summarised</mark>" in hit.snippet


def test_snippet_has_up_to_three_fragments(svc):
    hit = first(svc, "summit")
    parts = hit.snippet.split(" … ")
    assert 2 <= len(parts) <= 3
    for p in parts:
        plain = p.replace("<mark>", "").replace("</mark>", "")
        assert len(plain) <= 200
        assert "<mark>summit</mark>" in p


def test_title_only_match_snippet_is_the_opening(svc):
    hit = first(svc, "zebra")
    assert hit.snippet.startswith("Nothing in the body is relevant")
    assert "<mark>" not in hit.snippet
    assert len(hit.snippet) <= 170
    assert hit.title_html == "Title only match: <mark>zebra</mark>"


def test_negated_words_are_not_marked(svc):
    hit = first(svc, "summit -zebra")
    assert "zebra" not in hit.snippet


def test_exact_mode_marks_exact_spelling(svc):
    hit = first(svc, "Vučić", exact=True)
    assert "<mark>Vučić</mark>" in hit.snippet and "<mark>Вучић</mark>" not in hit.snippet


def test_mark_unit():
    spec = HighlightSpec(stems={"vote"})
    assert highlight.mark("Voters vote & <votes>", spec) == "Voters <mark>vote</mark> &amp; &lt;<mark>votes</mark>&gt;"
    assert highlight.mark("no match", HighlightSpec()) == "no match"


def test_opening_cuts_at_a_word():
    text = "word " * 100
    out = snippets.opening(text)
    assert out.endswith("word") and len(out) <= 160
