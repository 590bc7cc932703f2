"""Why each hit matched, and the spellings panel, on both engines."""

from __future__ import annotations

import pytest

from search.matched import KINDS, Term, how, terms
from search.models import SearchRequest
from search.query import parse
from search.service import SearchService
from tests.engine_fixtures import corpus_fixtures
from tests.conftest import make_article

ARTICLES = [
    make_article("Vučić meets the press", "President Вучић spoke. Later Vucic left.", section="Politics",
                 url="https://x.example/1"),
    make_article("Election day", "The elections and the elected council. vučić voted.", url="https://x.example/2"),
    make_article("City Council budget", "The city council met; Djokovic was running late.", section="City",
                 url="https://x.example/3"),
    make_article("Sport", "Đoković wins <b>again</b> in Paris.", section="Sport", url="https://x.example/4"),
]


target, svc = corpus_fixtures(ARTICLES)


def why(svc, q: str, **kw) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """title -> term -> [(word, how)] of every hit."""
    resp = svc.search(SearchRequest(q=q, **kw))
    return {h.title: {m.term: [(w.text, w.how) for w in m.words] for m in h.matched} for h in resp.hits}


def test_each_kind_of_match(svc):
    assert why(svc, "vucic")["Vučić meets the press"] == {
        "vucic": [("Vučić", "accents"), ("Вучић", "transliteration"), ("Vucic", "case")]}
    assert why(svc, "Vucic")["Vučić meets the press"]["Vucic"][-1] == ("Vucic", "exact")
    assert why(svc, "running")["City Council budget"] == {"running": [("running", "exact")]}
    assert why(svc, "run")["City Council budget"] == {"run": [("running", "stem")]}
    assert why(svc, "elect*")["Election day"] == {
        "elect*": [("Election", "prefix"), ("elections", "prefix"), ("elected", "prefix")]}
    fuzzy = why(svc, "djokovik~")
    assert fuzzy["Sport"] == {"djokovik~": [("Đoković", "fuzzy")]}
    assert fuzzy["City Council budget"] == {"djokovik~": [("Djokovic", "fuzzy")]}
    assert why(svc, "djokovic")["Sport"] == {"djokovic": [("Đoković", "accents")]}
    assert why(svc, '"city council"')["City Council budget"] == {
        '"city council"': [("City Council", "phrase"), ("city council", "phrase")]}


def test_fields_and_terms(svc):
    resp = svc.search(SearchRequest(q="section:politics vucic -election"))
    (hit,) = resp.hits
    by_term = {m.term: m for m in hit.matched}
    assert set(by_term) == {"politics", "vucic"}  # a negated term matches nothing
    assert by_term["politics"].fields == ["section"]
    assert by_term["vucic"].fields == ["title", "body"]
    assert [m.fields for m in svc.search(SearchRequest(q="title:election")).hits[0].matched] == [["title"]]


def test_exact_spelling_matches_only_as_typed(svc):
    # The exact-spelling option ignores case only: Вучић and Vucic do not match.
    assert why(svc, "vučić", exact=True) == {"Election day": {"vučić": [("vučić", "exact")]},
                                             "Vučić meets the press": {"vučić": [("Vučić", "case")]}}


def test_spellings_count_what_the_exact_search_finds(svc):
    resp = svc.search(SearchRequest(q="vucic"))
    found = {s.text: (s.how, s.count, s.q) for s in resp.facets.spellings}
    # vučić and Vučić are one spelling (case is not a spelling): in both articles.
    assert found == {"Vučić": ("accents", 2, "Vučić"), "Vucic": ("case", 1, "Vucic"),
                     "Вучић": ("transliteration", 1, "Вучић")}
    for s in resp.facets.spellings:
        assert s.term == "vucic"
        assert svc.search(SearchRequest(q=s.q, exact=True)).total == s.count, s


def test_spellings_of_a_prefix_and_within_the_filters(svc):
    resp = svc.search(SearchRequest(q="elect* council"))
    assert {s.text: s.count for s in resp.facets.spellings if s.term == "elect*"} == {
        "Election": 1, "elected": 1, "elections": 1}
    assert {s.q for s in resp.facets.spellings} >= {"elections council", "Election council"}
    filtered = svc.search(SearchRequest(q="djokovic", sections=["Sport"]))
    assert [(s.text, s.count) for s in filtered.facets.spellings] == [("Đoković", 1)]
    assert svc.search(SearchRequest(q='"city council"')).facets.spellings == []  # phrases are not spellings


def test_spellings_time_out_as_a_facet(target):
    s = SearchService(target, facet_time_limit=-1.0)
    try:
        resp = s.search(SearchRequest(q="vucic"))
    finally:
        s.close()
    assert resp.facets.spellings == [] and "spellings" in resp.facets.timed_out
    assert resp.hits and all(h.matched for h in resp.hits)  # the hits' own lines need no facet


def test_api_and_page(target):
    from tests.web_fixtures import app_on

    with app_on(target) as app:
        client = app.test_client()
        data = client.get("/api/search?q=vucic").get_json()
        hit = next(h for h in data["hits"] if h["title"] == "Vučić meets the press")
        assert hit["matched"] == [{"term": "vucic", "fields": ["title", "body"], "words": [
            {"text": "Vučić", "how": "accents"}, {"text": "Вучић", "how": "transliteration"},
            {"text": "Vucic", "how": "case"}]}]
        assert {s["text"]: s["count"] for s in data["facets"]["spellings"]} == {"Vučić": 2, "Vucic": 1, "Вучић": 1}
        page = client.get("/search?q=vucic").get_data(as_text=True)
        assert "Spellings" in page
        assert 'href="/search?q=%D0%92%D1%83%D1%87%D0%B8%D1%9B&amp;exact=1"' in page  # Вучић, exactly
        assert ('<span class="matched-term">vucic</span> → <span class="matched-word" data-how="accents">Vučić'
                '</span> (accents), <span class="matched-word" data-how="transliteration">Вучић</span> (Cyrillic)'
                in page)
        chosen = client.get("/search?q=Вучић&exact=1").get_data(as_text=True)
        assert "is-selected" in chosen.split("Spellings")[1].split("</section>")[0]
        # Markup in an article's words is text, never tags.
        sport = client.get("/search?q=again").get_data(as_text=True)
        assert "data-how=\"exact\">again</span>" in sport and "<b>again" not in sport


def test_cli_prints_why_each_hit_matched(target, capsys):
    from cli.main import main

    assert main(["search", "vucic", "--index", str(target)]) == 0
    out = capsys.readouterr().out
    assert "  matched: vucic → Vučić (accents), Вучић (Cyrillic), Vucic (case) in title, body" in out
    assert main(["search", "run", "--index", str(target)]) == 0
    assert "  matched: run → running (word form)\n" in capsys.readouterr().out


# ------------------------------------------------------------- the rules alone

def term(q: str) -> Term:
    return terms(parse(q).tree, q)[0]


@pytest.mark.parametrize("q, surface, expected", [
    ("vucic", "vucic", "exact"), ("vucic", "VUCIC", "case"), ("vucic", "Vučić", "accents"),
    ("vucic", "Вучић", "transliteration"), ("Вучић", "Vučić", "transliteration"), ("strasse", "Straße", "accents"),
    ("councils", "council", "stem"), ("elect*", "electorate", "prefix"), ("djokovik~", "Đoković", "fuzzy"),
    ('"city council"', "City Council", "phrase"), ("vucic", "putin", None), ("elect*", "select", None),
    ("djokovic~", "novak", None),
])
def test_how(q: str, surface: str, expected: str | None) -> None:
    assert how(term(q), surface) == expected
    assert expected is None or expected in KINDS


def test_terms_keep_their_markers_and_place():
    q = "elect* djokovik~2 -tax title:vucic"
    assert [(t.label, t.kind, t.field, t.span) for t in terms(parse(q).tree, q)] == [
        ("elect*", "prefix", None, (0, 6)), ("djokovik~2", "fuzzy", None, (7, 17)),
        ("vucic", "word", "title", (29, 34))]
